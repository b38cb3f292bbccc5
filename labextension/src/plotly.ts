/**
 * The one place that loads plotly.js. It is ~4.6 MB, so it is fetched on
 * first use (a separate chunk) rather than when JupyterLab starts.
 */
import type * as PlotlyModule from 'plotly.js-dist-min';

export type Plotly = typeof PlotlyModule;

let loading: Promise<Plotly> | null = null;

/** Resolve plotly.js, loading its chunk the first time it is asked for. */
export function loadPlotly(): Promise<Plotly> {
  if (loading === null) {
    loading = import('plotly.js-dist-min').then(
      module => ((module as unknown as { default?: Plotly }).default ?? module) as Plotly,
      error => {
        loading = null;
        throw error;
      }
    );
  }
  return loading;
}
