/**
 * Metric curves: metric selector, x axis, smoothing, log scale; lines per run
 * or mean ± std bands per group.
 */
import React, { useEffect, useMemo, useState } from 'react';

import { ICompareRun, IMetricSeries } from '../../tokens';
import { PlotlyChart } from '../plot/PlotlyChart';
import { axisTitle, baseLayout, IPlotTheme } from '../plot/theme';
import { ControlSelect } from './ControlSelect';
import { groupTraces, runTraces, X_AXES, XAxis } from './curves';
import { IRunGroup } from './grouping';
import { CompareModel, MAX_POINTS, runLabel } from './model';

export interface ICurvesViewProps {
  model: CompareModel;
  runs: ICompareRun[];
  metricKeys: string[];
  colors: Map<string, string>;
  groups: IRunGroup[] | null;
  groupColors: Map<string, string>;
  theme: IPlotTheme;
  /** Save the chosen metric and options with the panel (the main curves do; the system group does not). */
  persist?: boolean;
  /** Names the chart for locators and screen readers. */
  dataId?: string;
}

/** Loss-like metrics are what people look at first. */
export function defaultMetric(keys: string[]): string {
  return (
    keys.find(key => /loss/i.test(key)) ??
    keys.find(key => key === 'system/cpu_utilization_percentage') ??
    keys[0] ??
    ''
  );
}

type Loaded = { key: string; series: Map<string, IMetricSeries | null> };

export function CurvesView(props: ICurvesViewProps): JSX.Element {
  const { model, runs, metricKeys, colors, groups, groupColors, theme } = props;
  const view = model.view;
  const [xAxis, setXAxis] = useState<XAxis>(view.xAxis ?? 'step');
  const [smoothing, setSmoothing] = useState(view.smoothing ?? 0);
  const [logY, setLogY] = useState(view.logY ?? false);

  const persist = props.persist ?? true;
  const [metric, setMetric] = useState(() =>
    persist && view.metric && metricKeys.includes(view.metric)
      ? view.metric
      : defaultMetric(metricKeys)
  );
  useEffect(() => {
    if (persist) {
      model.setView({ metric, xAxis, smoothing, logY });
    }
  }, [model, metric, xAxis, smoothing, logY]);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!metricKeys.includes(metric)) {
      setMetric(defaultMetric(metricKeys));
    }
  }, [metricKeys]);

  useEffect(() => {
    if (!metric) {
      return;
    }
    let alive = true;
    setError(null);
    model.series(metric).then(
      series => alive && setLoaded({ key: metric, series }),
      reason => alive && setError((reason as Error).message)
    );
    return () => {
      alive = false;
    };
  }, [model, metric, runs]);

  const series = loaded?.series ?? null;
  const data = useMemo(() => {
    if (!series) {
      return [];
    }
    const options = { xAxis, smoothing };
    return groups
      ? groupTraces(groups, series, groupColors, options)
      : runTraces(runs, series, colors, options);
  }, [series, xAxis, smoothing, groups, groupColors, runs, colors]);

  const layout = useMemo(() => {
    const base = baseLayout(theme);
    const xTitle = X_AXES.find(axis => axis.value === xAxis)!.title;
    return {
      ...base,
      margin: { l: 56, r: 16, t: 8, b: 40 },
      showlegend: true,
      // Above the plot: below it, the legend ran over the x axis title.
      legend: {
        orientation: 'h',
        x: 0,
        xanchor: 'left',
        y: 1.02,
        yanchor: 'bottom',
        font: { color: theme.fontColor },
        traceorder: 'normal'
      },
      xaxis: {
        ...base.xaxis,
        title: axisTitle(theme, xTitle),
        type: xAxis === 'wall_time' ? 'date' : 'linear'
      },
      yaxis: {
        ...base.yaxis,
        title: axisTitle(theme, loaded?.key ?? metric),
        type: logY ? 'log' : 'linear'
      },
      hovermode: 'x unified'
    };
  }, [theme, xAxis, logY, loaded, metric]);

  if (metricKeys.length === 0) {
    return <p className="jp-nbops-Empty jp-nbops-Compare-empty">These runs logged no metrics.</p>;
  }

  const lacking = series ? runs.filter(run => !series.get(run.id)) : [];
  const downsampled = series ? [...series.values()].some(s => s?.downsampled) : false;
  const loading = !error && (!loaded || loaded.key !== metric);

  return (
    <div className="jp-nbops-Curves">
      <div className="jp-nbops-Compare-controls" role="toolbar" aria-label="Curve options">
        <ControlSelect label="Metric" value={metric} options={metricKeys} onChange={setMetric} />
        <ControlSelect
          label="X axis"
          value={xAxis}
          options={X_AXES}
          onChange={value => setXAxis(value as XAxis)}
        />
        <label className="jp-nbops-Compare-control jp-nbops-Compare-smoothing">
          Smoothing
          <input
            type="range"
            aria-label="Smoothing"
            min={0}
            max={0.99}
            step={0.01}
            value={smoothing}
            onChange={event => setSmoothing(Number(event.target.value))}
          />
          <span className="jp-nbops-Compare-hint jp-nbops-Compare-value">
            {smoothing.toFixed(2)}
          </span>
        </label>
        <label className="jp-nbops-Compare-control">
          <input type="checkbox" checked={logY} onChange={event => setLogY(event.target.checked)} />
          Log scale
        </label>
        {loading && <span className="jp-nbops-Compare-hint">Loading {metric}…</span>}
      </div>
      {error && <div className="jp-nbops-Compare-notice jp-mod-error">{error}</div>}
      {lacking.length > 0 && (
        <p className="jp-nbops-Compare-hint">
          {metric} was not logged by {lacking.map(runLabel).join(', ')}.
        </p>
      )}
      <PlotlyChart
        data={data}
        layout={layout}
        label={`Curves of ${metric}`}
        dataId={props.dataId ?? 'compare-curves'}
        height={340}
      />
      {groups ? (
        <p className="jp-nbops-Compare-hint">
          Lines are group means, bands ±1 standard deviation across the group's runs, aligned on
          common steps{smoothing > 0 ? ' after smoothing each run' : ''}.
        </p>
      ) : (
        downsampled && (
          <p className="jp-nbops-Compare-hint">
            Long runs are downsampled to {MAX_POINTS} points; the shaded envelope keeps each
            bucket's min and max, so spikes stay visible.
          </p>
        )
      )}
    </div>
  );
}
