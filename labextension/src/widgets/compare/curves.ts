/**
 * Plotly traces of metric curves: one line per run (with the raw curve faint
 * behind the smoothed one and the min/max envelope when downsampled), or one
 * mean line with a ±1 std band per group.
 */
import { ICompareRun, IMetricSeries } from '../../tokens';
import { withAlpha } from '../plot/theme';
import { IRunGroup } from './grouping';
import { runLabel } from './model';
import { aggregate, ema, ICurve } from './series';

export type XAxis = 'step' | 'wall_time' | 'relative_time';

export const X_AXES: { value: XAxis; label: string; title: string }[] = [
  { value: 'step', label: 'Step', title: 'Step' },
  { value: 'wall_time', label: 'Wall time', title: 'Wall time' },
  { value: 'relative_time', label: 'Relative time', title: 'Relative time (s)' }
];

type Trace = Record<string, unknown>;

export interface ICurveOptions {
  xAxis: XAxis;
  smoothing: number;
}

/** Epoch seconds as a local `YYYY-MM-DD HH:MM:SS.mmm` string, as plotly dates want. */
export function localDate(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
  );
}

type X = number | string | null;

function xValues(xs: number[], axis: XAxis): X[] {
  if (axis !== 'wall_time') {
    return xs;
  }
  return xs.map(t => (Number.isFinite(t) ? localDate(t) : null));
}

/** Two traces: an invisible upper edge, then the lower edge filled up to it. */
function band(
  x: X[],
  lower: (number | null)[],
  upper: (number | null)[],
  fill: string,
  role: string,
  name: string
): Trace[] {
  const edge = { x, mode: 'lines', line: { width: 0 }, hoverinfo: 'skip', showlegend: false };
  return [
    { ...edge, y: upper, meta: { role: `${role}-edge` }, name },
    { ...edge, y: lower, fill: 'tonexty', fillcolor: fill, meta: { role }, name }
  ];
}

/** Traces for each run on its own. */
export function runTraces(
  runs: ICompareRun[],
  series: Map<string, IMetricSeries | null>,
  colors: Map<string, string>,
  options: ICurveOptions
): Trace[] {
  const traces: Trace[] = [];
  for (const run of runs) {
    const data = series.get(run.id);
    if (!data || data.step.length === 0) {
      continue;
    }
    const color = colors.get(run.id) ?? '#888';
    const x = xValues(data[options.xAxis], options.xAxis);
    const label = runLabel(run);
    if (data.downsampled) {
      traces.push(...band(x, data.min, data.max, withAlpha(color, 0.12), 'envelope', label));
    }
    if (options.smoothing > 0) {
      traces.push({
        x,
        y: data.value,
        mode: 'lines',
        line: { color: withAlpha(color, 0.25), width: 1 },
        hoverinfo: 'skip',
        showlegend: false,
        meta: { role: 'raw', run: run.id },
        name: label
      });
    }
    traces.push({
      x,
      y: ema(data.value, options.smoothing),
      mode: data.step.length === 1 ? 'markers' : 'lines',
      line: { color, width: 2 },
      marker: { color, size: 7 },
      name: label,
      meta: { role: 'line', run: run.id },
      hovertemplate: `${label}<br>%{x}: %{y:.4g}<extra></extra>`
    });
  }
  return traces;
}

/**
 * Traces for groups of runs: members are smoothed, aligned on common steps and
 * summarized as mean ± 1 std. On a time axis the x of a step is the members'
 * mean time at that step.
 */
export function groupTraces(
  groups: IRunGroup[],
  series: Map<string, IMetricSeries | null>,
  groupColors: Map<string, string>,
  options: ICurveOptions
): Trace[] {
  const traces: Trace[] = [];
  for (const group of groups) {
    const members = group.runs
      .map(id => series.get(id))
      .filter((s): s is IMetricSeries => !!s && s.step.length > 0);
    if (members.length === 0) {
      continue;
    }
    const values: ICurve[] = members.map(s => ({ x: s.step, y: ema(s.value, options.smoothing) }));
    const stats = aggregate(values);
    let x: X[] = stats.x;
    if (options.xAxis !== 'step') {
      const times = aggregate(members.map(s => ({ x: s.step, y: s[options.xAxis] })));
      x = xValues(
        times.mean.map(t => t ?? NaN),
        options.xAxis
      );
    }
    const color = groupColors.get(group.key) ?? '#888';
    const name = `${group.label} (${members.length})`;
    if (members.length > 1) {
      traces.push(...band(x, stats.lower, stats.upper, withAlpha(color, 0.28), 'band', name));
    }
    traces.push({
      x,
      y: stats.mean,
      mode: stats.x.length === 1 ? 'markers' : 'lines',
      line: { color, width: 2 },
      marker: { color, size: 7 },
      name,
      meta: { role: 'mean', group: group.key },
      customdata: stats.count,
      hovertemplate: `${group.label}<br>%{x}: %{y:.4g} (mean of %{customdata})<extra></extra>`
    });
  }
  return traces;
}
