/**
 * Scatter of any param against any metric's last value: one point per run,
 * coloured like the run (or its group).
 */
import React, { useMemo, useState } from 'react';

import { ICompareMetricRow, ICompareRow, ICompareRun } from '../../tokens';
import { PlotlyChart } from '../plot/PlotlyChart';
import { axisTitle, baseLayout, IPlotTheme } from '../plot/theme';
import { ControlSelect } from './ControlSelect';
import { runLabel } from './model';
import { lastValues, paramAxis, wantsLogAxis } from './params';

export interface IScatterViewProps {
  runs: ICompareRun[];
  params: ICompareRow[];
  metrics: ICompareMetricRow[];
  colors: Map<string, string>;
  theme: IPlotTheme;
  initialParam: string;
  initialMetric: string;
}

export function ScatterView(props: IScatterViewProps): JSX.Element {
  const { runs, params, metrics, colors, theme } = props;
  const [param, setParam] = useState(props.initialParam);
  const [metric, setMetric] = useState(props.initialMetric);
  const paramRow = params.find(row => row.key === param) ?? params[0];
  const metricRow = metrics.find(row => row.key === metric) ?? metrics[0];

  const data = useMemo(() => {
    if (!paramRow || !metricRow) {
      return [];
    }
    const axis = paramAxis(paramRow, runs);
    const y = lastValues(metricRow, runs);
    return runs.flatMap((run, i) => {
      if (y[i] === null) {
        return [];
      }
      const label = runLabel(run);
      const x = axis.numeric ? axis.values[i] : axis.categories[axis.values[i]];
      return [
        {
          type: 'scatter',
          mode: 'markers',
          x: [x],
          y: [y[i]],
          name: label,
          showlegend: false,
          marker: {
            color: colors.get(run.id),
            size: 11,
            line: { width: 1, color: theme.lineColor }
          },
          hovertemplate: `${label}<br>${paramRow.key}=%{x}<br>${metricRow.key}=%{y:.4g}<extra></extra>`
        }
      ];
    });
  }, [runs, paramRow, metricRow, colors, theme]);

  const layout = useMemo(() => {
    const base = baseLayout(theme);
    const axis = paramRow ? paramAxis(paramRow, runs) : null;
    const logX = axis !== null && axis.numeric && wantsLogAxis(axis.values);
    return {
      ...base,
      margin: { l: 56, r: 16, t: 8, b: 40 },
      xaxis: {
        ...base.xaxis,
        title: axisTitle(theme, (paramRow?.key ?? '') + (logX ? ' (log scale)' : '')),
        type: axis && !axis.numeric ? 'category' : logX ? 'log' : '-',
        categoryorder: 'category ascending'
      },
      yaxis: { ...base.yaxis, title: axisTitle(theme, metricRow?.key ?? '') },
      hovermode: 'closest'
    };
  }, [theme, paramRow, metricRow, runs]);

  if (params.length === 0 || metrics.length === 0) {
    return (
      <p className="jp-nbops-Empty jp-nbops-Compare-empty">
        A scatter needs at least one param and one metric.
      </p>
    );
  }
  return (
    <div>
      <div className="jp-nbops-Compare-controls">
        <ControlSelect
          label="Param"
          ariaLabel="Scatter param"
          value={paramRow?.key ?? ''}
          options={params.map(row => row.key)}
          onChange={setParam}
        />
        <ControlSelect
          label="Metric"
          ariaLabel="Scatter metric"
          value={metricRow?.key ?? ''}
          options={metrics.map(row => row.key)}
          onChange={setMetric}
        />
      </div>
      <PlotlyChart
        data={data}
        layout={layout}
        label={`Scatter of ${paramRow?.key} against ${metricRow?.key}`}
        dataId="compare-scatter"
        height={320}
      />
    </div>
  );
}
