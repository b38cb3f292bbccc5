/**
 * Parallel coordinates over the params (numeric and categorical), one line per
 * run coloured by a chosen metric.
 */
import React, { useMemo, useState } from 'react';

import { ICompareMetricRow, ICompareRow, ICompareRun } from '../../tokens';
import { PlotlyChart } from '../plot/PlotlyChart';
import { IPlotTheme } from '../plot/theme';
import { ControlSelect } from './ControlSelect';
import { runLabel } from './model';
import { lastValues, logDimension, paramAxis, plottedParams, wantsLogAxis } from './params';

export interface IParallelViewProps {
  runs: ICompareRun[];
  params: ICompareRow[];
  metrics: ICompareMetricRow[];
  theme: IPlotTheme;
  initialMetric: string;
}

export function ParallelView(props: IParallelViewProps): JSX.Element {
  const { runs, params, metrics, theme } = props;
  const [metric, setMetric] = useState(props.initialMetric);
  const metricRow = metrics.find(row => row.key === metric) ?? metrics[0];

  const { data, excluded } = useMemo(() => {
    const last = lastValues(metricRow, runs);
    const kept = runs.filter((_, i) => last[i] !== null || !metricRow);
    const colors = last.filter((v): v is number => v !== null);
    const dimensions = plottedParams(params).map(row => {
      const axis = paramAxis(row, kept);
      if (axis.numeric && wantsLogAxis(axis.values)) {
        return { label: `${axis.key} (log)`, ...logDimension(axis.values) };
      }
      return axis.numeric
        ? { label: axis.key, values: axis.values }
        : {
            label: axis.key,
            values: axis.values,
            tickvals: axis.categories.map((_, i) => i),
            ticktext: axis.categories,
            range: [-0.25, Math.max(axis.categories.length - 1, 0) + 0.25]
          };
    });
    if (metricRow) {
      dimensions.push({ label: metricRow.key, values: colors });
    }
    const trace = {
      type: 'parcoords',
      dimensions,
      labelfont: { color: theme.fontColor, size: theme.fontSize, shadow: 'none' },
      tickfont: { color: theme.mutedColor, size: theme.fontSize - 2, shadow: 'none' },
      // The axis range repeats the end ticks; hide it rather than clutter.
      rangefont: { color: 'rgba(0,0,0,0)', size: 1 },
      line: metricRow
        ? {
            color: colors,
            colorscale: [
              [0, theme.palette[1]],
              [1, theme.palette[0]]
            ],
            showscale: true,
            colorbar: {
              title: { text: metricRow.key, font: { color: theme.mutedColor } },
              tickfont: { color: theme.mutedColor },
              outlinewidth: 0,
              thickness: 10
            }
          }
        : { color: theme.palette[0] }
    };
    return { data: [trace], excluded: runs.filter(run => !kept.includes(run)) };
  }, [runs, params, metricRow, theme]);

  const layout = useMemo(
    () => ({
      paper_bgcolor: 'rgba(0,0,0,0)',
      plot_bgcolor: 'rgba(0,0,0,0)',
      font: { family: theme.font, color: theme.fontColor },
      margin: { l: 56, r: 88, t: 40, b: 24 }
    }),
    [theme]
  );

  if (params.length === 0) {
    return <p className="jp-nbops-Empty jp-nbops-Compare-empty">These runs logged no params.</p>;
  }
  return (
    <div>
      <div className="jp-nbops-Compare-controls">
        <ControlSelect
          label="Colour by"
          value={metricRow?.key ?? ''}
          options={metrics.map(row => row.key)}
          onChange={setMetric}
        />
      </div>
      {excluded.length > 0 && (
        <p className="jp-nbops-Compare-hint">
          Not shown (no {metricRow?.key} value): {excluded.map(runLabel).join(', ')}.
        </p>
      )}
      <PlotlyChart
        data={data}
        layout={layout}
        label="Parallel coordinates"
        dataId="compare-parallel"
        height={320}
      />
    </div>
  );
}
