/**
 * One feature's statistic over the windows, with the warn and drift bands
 * shaded and a dashed marker where a model version was registered.
 */
import type { Annotation, Data, Layout, Shape } from 'plotly.js-dist-min';
import * as React from 'react';

import { IDriftWindowsResponse } from '../../tokens';
import { PlotlyChart } from '../plot/PlotlyChart';
import { axisTitle, IPlotTheme } from '../plot/theme';
import { longStatistic, shortStatistic } from './format';
import { DRIFT_CONFIG, driftLayout } from './layout';

export interface ITimelineProps {
  data: IDriftWindowsResponse;
  feature: string;
  statistic: string;
  selectedWindow: number;
  colors: IPlotTheme;
}

export function Timeline(props: ITimelineProps): JSX.Element {
  const { data, feature, statistic, selectedWindow, colors } = props;
  const figure = React.useMemo(
    () => timelineFigure(data, feature, statistic, selectedWindow, colors),
    [data, feature, statistic, selectedWindow, colors]
  );
  return (
    <PlotlyChart
      data={figure.data}
      layout={figure.layout}
      label={`Timeline of ${shortStatistic(statistic)} for ${feature}`}
      className="jp-nbops-DriftChart jp-nbops-DriftTimeline"
      config={DRIFT_CONFIG}
    />
  );
}

/** Which statistic's thresholds shade the band: the decision's own for `effect`. */
function bandsFor(data: IDriftWindowsResponse, feature: string, statistic: string, at: number) {
  const series = data.features.find(f => f.feature === feature);
  const name = statistic === 'effect' ? series?.statistic[at] ?? null : statistic;
  return name ? data.thresholds[name] ?? null : null;
}

export function timelineFigure(
  data: IDriftWindowsResponse,
  feature: string,
  statistic: string,
  selectedWindow: number,
  colors: IPlotTheme
): { data: Data[]; layout: Partial<Layout> } {
  const series = data.features.find(f => f.feature === feature);
  const values = series?.values[statistic] ?? [];
  const xs = data.windows.map((_, i) => i);
  const labels = data.windows.map(w => w.window);
  const tierColor = (i: number) => {
    const tier = series?.tier[i];
    return tier === 'drift' ? colors.error : tier === 'warn' ? colors.warn : colors.ok;
  };
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const bands = bandsFor(data, feature, statistic, selectedWindow);
  const top = Math.max(...finite, bands ? bands.drift * 1.5 : 0, 1e-6) * 1.1;

  const shapes: Partial<Shape>[] = [];
  const annotations: Partial<Annotation>[] = [];
  if (bands) {
    shapes.push(
      band(bands.warn, bands.drift, colors.warn, 0.14),
      band(bands.drift, top, colors.error, 0.07)
    );
  }
  // Model versions: placed just before the first window checked after them.
  for (const version of data.model_versions) {
    const after = data.windows.findIndex(w => w.created_at >= version.created_at);
    const x = after === -1 ? data.windows.length - 0.5 : after - 0.5;
    if (x < -0.5) {
      continue;
    }
    shapes.push({
      type: 'line',
      xref: 'x',
      yref: 'paper',
      x0: x,
      x1: x,
      y0: 0,
      y1: 1,
      line: { color: colors.mutedColor, width: 1, dash: 'dash' }
    });
    const alias = version.aliases.length ? ` ${version.aliases.join(', ')}` : '';
    annotations.push({
      x,
      y: 1,
      xref: 'x',
      yref: 'paper',
      text: `${version.model} v${version.version}${alias}`,
      showarrow: false,
      xanchor: 'left',
      yanchor: 'top',
      font: { size: 10, color: colors.mutedColor }
    });
  }
  shapes.push({
    type: 'rect',
    xref: 'x',
    yref: 'paper',
    x0: selectedWindow - 0.5,
    x1: selectedWindow + 0.5,
    y0: 0,
    y1: 1,
    fillcolor: colors.palette[0],
    opacity: 0.08,
    line: { width: 0 },
    layer: 'below'
  });

  const base = driftLayout(colors);
  const step = Math.max(1, Math.ceil(labels.length / 10));
  return {
    data: [
      {
        type: 'scatter',
        mode: 'lines+markers',
        name: longStatistic(statistic),
        x: xs,
        y: values.map(v => (v === null ? NaN : v)),
        text: labels,
        hovertemplate: `%{text}: %{y:.4g}<extra>${feature}</extra>`,
        line: { color: colors.palette[0], width: 2 },
        marker: { size: 7, color: xs.map(tierColor), line: { width: 1, color: colors.background } },
        connectgaps: false
      }
    ],
    layout: {
      ...base,
      showlegend: false,
      margin: { l: 48, r: 12, t: 18, b: 36 },
      xaxis: {
        ...base.xaxis,
        tickvals: xs.filter(i => i % step === 0 || i === xs.length - 1),
        ticktext: labels.filter((_, i) => i % step === 0 || i === xs.length - 1),
        range: [-0.6, Math.max(xs.length - 0.4, 0.6)],
        zeroline: false
      },
      yaxis: {
        ...base.yaxis,
        range: [0, top],
        title: axisTitle(colors, shortStatistic(statistic), 11)
      },
      shapes,
      annotations
    }
  };
}

function band(y0: number, y1: number, color: string, opacity: number): Partial<Shape> {
  return {
    type: 'rect',
    xref: 'paper',
    yref: 'y',
    x0: 0,
    x1: 1,
    y0,
    y1,
    fillcolor: color,
    opacity,
    line: { width: 0 },
    layer: 'below'
  };
}
