/**
 * The one place that loads plotly.js and decides which of its builds a chart needs.
 *
 * Two builds of the same plotly.js version, each its own chunk fetched on first use
 * (Lab start-up pays for neither):
 * - `basic` (plotly.js-basic-dist-min, ~1.2 MB) registers the scatter, bar and pie
 *   traces and every component (legend, hover, annotations, shapes, range sliders…):
 *   the metric curves, scatter and bar charts, drift and run-detail charts;
 * - `full` (plotly.js-dist-min, ~4.8 MB) registers every trace type: parallel
 *   coordinates, and logged figures of any other type.
 * The basic build is a quarter of the full one, so the first Compare chart no longer
 * waits for the full bundle to download and compile while Lab is starting.
 */
import type * as PlotlyModule from 'plotly.js-dist-min';

export type Plotly = typeof PlotlyModule;

/** Which plotly.js build draws a chart. */
export type PlotlyBuild = 'basic' | 'full';

/** The trace types the basic build registers (plotly.js's `lib/index-basic.js`). */
export const BASIC_TRACE_TYPES: ReadonlySet<string> = new Set(['scatter', 'bar', 'pie']);

/** A trace's type as plotly reads it (a trace without one is a scatter); null for a non-trace. */
function traceType(trace: unknown): string | null {
  if (trace === null || typeof trace !== 'object') {
    return null;
  }
  const type = (trace as { type?: unknown }).type;
  if (type === undefined || type === null) {
    return 'scatter';
  }
  return typeof type === 'string' ? type : null;
}

/**
 * The smallest build that draws every trace of `data`. Anything it cannot place
 * (an unknown type, a value that is not a trace) goes to the full build, whose
 * error or warning is plotly's own.
 */
export function plotlyBuildFor(data: readonly unknown[]): PlotlyBuild {
  const basic = data.every(trace => BASIC_TRACE_TYPES.has(traceType(trace) ?? ''));
  return basic ? 'basic' : 'full';
}

/** The dynamic import of each build: literal specifiers, so webpack makes one chunk each. */
const IMPORTS: Record<PlotlyBuild, () => Promise<unknown>> = {
  basic: () => import('plotly.js-basic-dist-min'),
  full: () => import('plotly.js-dist-min')
};

const loading = new Map<PlotlyBuild, Promise<Plotly>>();

/** Resolve a plotly.js build, loading its chunk the first time it is asked for. */
export function loadPlotly(build: PlotlyBuild): Promise<Plotly> {
  let promise = loading.get(build);
  if (promise === undefined) {
    promise = IMPORTS[build]().then(
      module => ((module as { default?: Plotly }).default ?? module) as Plotly,
      error => {
        loading.delete(build); // a failed fetch (e.g. server restarting) may be retried
        throw error;
      }
    );
    loading.set(build, promise);
  }
  return promise;
}

/**
 * Load a build once the browser is idle, so its download and compilation do not
 * compete with what the user is waiting for. Errors are left to the chart that needs it.
 */
export function preloadPlotly(build: PlotlyBuild): void {
  if (loading.has(build)) {
    return;
  }
  const preload = () => void loadPlotly(build).catch(() => undefined);
  if (typeof window !== 'undefined' && 'requestIdleCallback' in window) {
    window.requestIdleCallback(preload, { timeout: 5000 });
  } else {
    setTimeout(preload, 2000);
  }
}
