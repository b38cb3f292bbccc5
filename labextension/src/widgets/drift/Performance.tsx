/**
 * "Estimated performance" card: per window, the CBPE/DLE estimate of a metric
 * with its confidence band, the reference's value as a dashed line, and the
 * realized value drawn over the estimate once labels were logged.
 */
import { HTMLSelect } from '@jupyterlab/ui-components';
import type { Data, Layout } from 'plotly.js-dist-min';
import * as React from 'react';

import { IDriftWindowsResponse } from '../../tokens';
import { PlotlyChart } from '../plot/PlotlyChart';
import { axisTitle, IPlotTheme } from '../plot/theme';
import { formatValue, tickIndices } from './format';
import { DRIFT_CONFIG, driftLayout } from './layout';

const METRIC_ORDER = ['accuracy', 'f1', 'roc_auc', 'mae', 'rmse'];
const METRIC_LABEL: Record<string, string> = {
  accuracy: 'Accuracy',
  f1: 'F1',
  roc_auc: 'ROC AUC',
  mae: 'MAE',
  rmse: 'RMSE'
};

export function PerformanceCard(props: {
  data: IDriftWindowsResponse;
  selectedWindow: number;
  colors: IPlotTheme;
}): JSX.Element | null {
  const { data, selectedWindow, colors } = props;
  const metrics = METRIC_ORDER.filter(m => data.performance?.[m]);
  const [chosen, setChosen] = React.useState<string | null>(null);
  const metric = chosen && metrics.includes(chosen) ? chosen : metrics[0];
  const figure = React.useMemo(
    () => (metric ? performanceFigure(data, metric, selectedWindow, colors) : null),
    [data, metric, selectedWindow, colors]
  );
  if (!metric || !figure) {
    return null;
  }
  const series = data.performance![metric];
  const j = selectedWindow;
  const estimate = series.estimate[j];
  const realized = series.realized[j];
  return (
    <section
      className="jp-nbops-DriftCard jp-nbops-DriftPerformance"
      aria-label="Estimated performance"
    >
      <header>
        <h3>
          Estimated performance{' '}
          <span className="jp-nbops-DriftCard-sub">
            · {data.windows[j]?.window} ·{' '}
            {estimate === null
              ? 'not estimated'
              : `${METRIC_LABEL[metric]} ${formatValue(estimate)} [${formatValue(series.lower[j])}, ` +
                `${formatValue(series.upper[j])}]` +
                (realized !== null ? ` · realized ${formatValue(realized)}` : ' · no labels yet')}
          </span>
        </h3>
        <HTMLSelect
          aria-label="Metric"
          value={metric}
          onChange={event => setChosen(event.currentTarget.value)}
          options={metrics.map(m => ({ label: METRIC_LABEL[m] ?? m, value: m }))}
        />
      </header>
      <PlotlyChart
        data={figure.data}
        layout={figure.layout}
        label={`Estimated ${METRIC_LABEL[metric] ?? metric} per window`}
        className="jp-nbops-DriftChart jp-nbops-DriftPerformance-chart"
        config={DRIFT_CONFIG}
      />
    </section>
  );
}

export function performanceFigure(
  data: IDriftWindowsResponse,
  metric: string,
  selectedWindow: number,
  colors: IPlotTheme
): { data: Data[]; layout: Partial<Layout> } {
  const series = data.performance![metric];
  const xs = data.windows.map((_, i) => i);
  const labels = data.windows.map(w => w.window);
  const nan = (v: number | null) => (v === null ? NaN : v);
  const reference = series.reference.find(v => v !== null) ?? null;
  const base = driftLayout(colors);
  const ticks = tickIndices(labels, 900);
  const traces: Data[] = [
    {
      type: 'scatter',
      mode: 'lines',
      x: xs,
      y: series.upper.map(nan),
      line: { width: 0 },
      hoverinfo: 'skip',
      showlegend: false,
      connectgaps: false
    },
    {
      type: 'scatter',
      mode: 'lines',
      name: '95% band',
      x: xs,
      y: series.lower.map(nan),
      fill: 'tonexty',
      fillcolor: hexAlpha(colors.palette[0], 0.18),
      line: { width: 0 },
      hoverinfo: 'skip',
      connectgaps: false
    },
    {
      type: 'scatter',
      mode: 'lines+markers',
      name: 'estimated',
      x: xs,
      y: series.estimate.map(nan),
      text: labels,
      hovertemplate: '%{text}: estimated %{y:.4f}<extra></extra>',
      line: { color: colors.palette[0], width: 2 },
      marker: { size: 6 },
      connectgaps: false
    },
    {
      type: 'scatter',
      mode: 'markers',
      name: 'realized',
      x: xs,
      y: series.realized.map(nan),
      text: labels,
      hovertemplate: '%{text}: realized %{y:.4f}<extra></extra>',
      marker: {
        size: 9,
        symbol: 'diamond',
        color: colors.fontColor,
        line: { width: 1, color: colors.background }
      }
    }
  ];
  return {
    data: traces,
    layout: {
      ...base,
      margin: { l: 52, r: 12, t: 24, b: 36 },
      xaxis: {
        ...base.xaxis,
        tickvals: ticks,
        ticktext: ticks.map(i => labels[i]),
        tickangle: 0,
        range: [-0.6, Math.max(xs.length - 0.4, 0.6)],
        zeroline: false
      },
      yaxis: { ...base.yaxis, title: axisTitle(colors, METRIC_LABEL[metric] ?? metric, 11) },
      shapes: [
        ...(reference === null
          ? []
          : [
              {
                type: 'line' as const,
                xref: 'paper' as const,
                yref: 'y' as const,
                x0: 0,
                x1: 1,
                y0: reference,
                y1: reference,
                line: { color: colors.mutedColor, width: 1, dash: 'dash' as const }
              }
            ]),
        {
          type: 'rect' as const,
          xref: 'x' as const,
          yref: 'paper' as const,
          x0: selectedWindow - 0.5,
          x1: selectedWindow + 0.5,
          y0: 0,
          y1: 1,
          fillcolor: colors.palette[0],
          opacity: 0.08,
          line: { width: 0 },
          layer: 'below' as const
        }
      ],
      annotations:
        reference === null
          ? []
          : [
              {
                x: 1,
                y: reference,
                xref: 'paper',
                yref: 'y',
                text: `reference ${formatValue(reference)}`,
                showarrow: false,
                xanchor: 'right',
                yanchor: 'bottom',
                font: { size: 10, color: colors.mutedColor }
              }
            ]
    }
  };
}

/** `#1976d2` + 0.18 → `rgba(25, 118, 210, 0.18)`; other colour forms pass through. */
function hexAlpha(color: string, alpha: number): string {
  const m = /^#([0-9a-f]{6})$/i.exec(color.trim());
  if (!m) {
    return color;
  }
  const n = parseInt(m[1], 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}
