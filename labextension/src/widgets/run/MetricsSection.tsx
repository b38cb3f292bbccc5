/**
 * Latest value, range and step count of every metric, and a small line chart
 * per metric drawn from the server's downsampled series.
 */
import * as React from 'react';

import { runsAPI } from '../../api';
import { IMetricSeries, IRunRecord } from '../../tokens';
import { formatMetric } from '../format';
import { FULL_MODE_BAR, PlotlyChart } from '../plot/PlotlyChart';
import { IPlotTheme, withTheme } from '../plot/theme';
import { Empty, Section } from './Section';

/** Enough points for a 300 px wide chart; the server keeps min/max envelopes. */
const CHART_POINTS = 400;
/** Charts beyond this many metrics would make the panel slow; the table has them all. */
const MAX_CHARTS = 24;
/** Grey reads on light and dark backgrounds alike. */
const ENVELOPE = 'rgba(128,128,128,0.25)';

/** Keys the system-metrics sampler logs (MLflow's names); they get their own section. */
export const SYSTEM_PREFIX = 'system/';

export function isSystemMetric(key: string): boolean {
  return key.startsWith(SYSTEM_PREFIX);
}

/**
 * The run's own metrics (`group="metrics"`) or the sampler's `system/...` metrics
 * (`group="system"`, rendered only when the run has any).
 */
export function MetricsSection(props: {
  run: IRunRecord;
  theme: IPlotTheme;
  group?: 'metrics' | 'system';
}): JSX.Element | null {
  const { run } = props;
  const system = props.group === 'system';
  const summary = run.metric_summary ?? {};
  const keys = Object.keys(run.metrics)
    .filter(key => isSystemMetric(key) === system)
    .sort((a, b) => a.localeCompare(b));
  const [series, setSeries] = React.useState<Record<string, IMetricSeries> | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  // Refetch when a running run logged more (its latest step moves).
  const revision = keys.map(k => `${k}:${summary[k]?.step ?? ''}`).join(',');

  React.useEffect(() => {
    let cancelled = false;
    if (keys.length === 0) {
      setSeries({});
      return;
    }
    runsAPI
      .runMetrics(run.id, keys.slice(0, MAX_CHARTS), CHART_POINTS)
      .then(body => !cancelled && (setSeries(body.metrics), setError(null)))
      .catch(reason => !cancelled && setError((reason as Error).message));
    return () => {
      cancelled = true;
    };
  }, [run.id, revision]);

  if (system && keys.length === 0) {
    return null;
  }
  return (
    <Section
      id={system ? 'system-metrics' : 'metrics'}
      title={system ? 'System metrics' : 'Metrics'}
      badge={keys.length}
    >
      {keys.length === 0 ? (
        <Empty>No metrics were logged.</Empty>
      ) : (
        <>
          <table
            className="jp-nbops-Table jp-nbops-MetricsTable"
            aria-label={system ? 'System metrics' : 'Metrics'}
          >
            <thead>
              <tr>
                <th scope="col">Metric</th>
                <th scope="col">Latest</th>
                <th scope="col">Min</th>
                <th scope="col">Max</th>
                <th scope="col">Steps</th>
              </tr>
            </thead>
            <tbody>
              {keys.map(key => (
                <tr key={key}>
                  <th scope="row">{system ? key.slice(SYSTEM_PREFIX.length) : key}</th>
                  <td>{formatMetric(run.metrics[key])}</td>
                  <td>{formatMetric(summary[key]?.min)}</td>
                  <td>{formatMetric(summary[key]?.max)}</td>
                  <td>{summary[key]?.count ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {error && <p className="jp-nbops-InlineError">{error}</p>}
          {series === null && !error && <p className="jp-nbops-Loading">Loading charts…</p>}
          {series && (
            <div className="jp-nbops-ChartGrid">
              {keys
                .filter(key => (series[key]?.step.length ?? 0) > 1)
                .map(key => (
                  <MetricChart key={key} name={key} series={series[key]} theme={props.theme} />
                ))}
            </div>
          )}
        </>
      )}
    </Section>
  );
}

function MetricChart(props: {
  name: string;
  series: IMetricSeries;
  theme: IPlotTheme;
}): JSX.Element {
  const { series } = props;
  const data = React.useMemo(() => {
    const traces: unknown[] = [];
    if (series.downsampled) {
      // The min/max envelope keeps spikes that the bucket mean would hide.
      traces.push(
        {
          x: series.step,
          y: series.max,
          mode: 'lines',
          line: { width: 0, color: ENVELOPE },
          hoverinfo: 'skip',
          showlegend: false
        },
        {
          x: series.step,
          y: series.min,
          mode: 'lines',
          line: { width: 0, color: ENVELOPE },
          fill: 'tonexty',
          fillcolor: ENVELOPE,
          hoverinfo: 'skip',
          showlegend: false
        }
      );
    }
    traces.push({
      x: series.step,
      y: series.value,
      mode: 'lines',
      name: props.name,
      line: { width: 1.5, color: props.theme.palette[0] },
      showlegend: false
    });
    return traces;
  }, [series, props.name, props.theme]);
  const layout = React.useMemo(
    () =>
      withTheme(
        props.theme,
        {
          height: 180,
          margin: { l: 44, r: 12, t: 26, b: 30 },
          title: { text: props.name, font: { size: 12 }, x: 0.02, xanchor: 'left' },
          // Fixed margins: the small multiples line up even when tick labels differ.
          xaxis: { title: { text: '' }, automargin: false },
          yaxis: { automargin: false },
          hovermode: 'x'
        },
        { fontSize: 11, quietAxes: true }
      ),
    [props.name, props.theme]
  );
  return (
    <figure className="jp-nbops-MetricChart" data-metric={props.name}>
      <PlotlyChart
        data={data}
        layout={layout}
        config={FULL_MODE_BAR}
        label={`${props.name} by step`}
      />
    </figure>
  );
}
