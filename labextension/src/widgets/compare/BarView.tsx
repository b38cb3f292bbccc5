/**
 * One metric's last value per run as bars, coloured like the runs everywhere else.
 */
import React, { useMemo, useState } from 'react';

import { ICompareMetricRow, ICompareRun } from '../../tokens';
import { PlotlyChart } from '../plot/PlotlyChart';
import { axisTitle, baseLayout, IPlotTheme } from '../plot/theme';
import { ControlSelect } from './ControlSelect';
import { runLabel } from './model';
import { lastValues } from './params';

export function BarView(props: {
  runs: ICompareRun[];
  metrics: ICompareMetricRow[];
  colors: Map<string, string>;
  theme: IPlotTheme;
  initialMetric: string;
}): JSX.Element {
  const { runs, metrics, colors, theme } = props;
  const [metric, setMetric] = useState(props.initialMetric);
  const row = metrics.find(r => r.key === metric) ?? metrics[0];
  const values = useMemo(() => lastValues(row, runs), [row, runs]);
  const data = useMemo(
    () => [
      {
        type: 'bar',
        x: runs.map(runLabel),
        y: values,
        marker: { color: runs.map(run => colors.get(run.id)) },
        hovertemplate: `%{x}<br>${row?.key}=%{y:.4g}<extra></extra>`
      }
    ],
    [runs, values, colors, row]
  );
  const layout = useMemo(() => {
    const base = baseLayout(theme);
    return {
      ...base,
      margin: { l: 56, r: 16, t: 8, b: 72 },
      xaxis: { ...base.xaxis, type: 'category', automargin: true },
      yaxis: { ...base.yaxis, title: axisTitle(theme, row?.key ?? '') },
      bargap: 0.35
    };
  }, [theme, row]);
  if (metrics.length === 0) {
    return <p className="jp-nbops-Empty jp-nbops-Compare-empty">These runs logged no metrics.</p>;
  }
  const missing = runs.filter((_, i) => values[i] === null);
  return (
    <div>
      <div className="jp-nbops-Compare-controls">
        <ControlSelect
          label="Metric"
          ariaLabel="Bar chart metric"
          value={row?.key ?? ''}
          options={metrics.map(r => r.key)}
          onChange={setMetric}
        />
      </div>
      {missing.length > 0 && (
        <p className="jp-nbops-Compare-hint">
          No finite {row?.key} for {missing.map(runLabel).join(', ')}.
        </p>
      )}
      <PlotlyChart
        data={data}
        layout={layout}
        label={`${row?.key} by run`}
        dataId="compare-bars"
        height={300}
      />
    </div>
  );
}
