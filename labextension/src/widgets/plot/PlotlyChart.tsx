/**
 * The one plotly chart component of nbops: loads the plotly build its traces need
 * (plotly.ts), redraws with `Plotly.react` when its figure changes, follows its
 * container's size, purges the plot on unmount and shows loading and error placeholders.
 * Colours are the caller's business (see ./theme): the layout it passes is drawn as is.
 */
import React, { useEffect, useRef, useState } from 'react';

import { loadPlotly, Plotly, PlotlyBuild, plotlyBuildFor, preloadPlotly } from '../../plotly';

export interface IPlotlyChartProps {
  data: unknown[];
  layout: Record<string, unknown>;
  /** Accessible name of the chart, e.g. "Metric curves". */
  label: string;
  /** `data-id` of the plot element, for tests and styling. */
  dataId?: string;
  /** Extra classes of the chart's box, e.g. one that sets its height. */
  className?: string;
  /** Height in px; without it the layout's height, else the box's CSS height. */
  height?: number;
  /** Plotly config merged over the nbops defaults. */
  config?: Record<string, unknown>;
}

/** A quiet mode bar: no logo, no selection tools nbops has no use for. */
const CONFIG = {
  displaylogo: false,
  // The ResizeObserver below follows Lumino resizes; plotly's own only sees the window.
  responsive: false,
  modeBarButtonsToRemove: ['select2d', 'lasso2d', 'toImage']
};

/** Config for charts that keep all of plotly's mode bar buttons (e.g. saving a PNG). */
export const FULL_MODE_BAR = { modeBarButtonsToRemove: [] };

/** The plotly.js build `build`, or the reason it could not be loaded. */
function usePlotly(build: PlotlyBuild): { plotly: Plotly | null; error: string | null } {
  // Keyed by build: a chart whose traces come to need the other build waits for it.
  const [loaded, setLoaded] = useState<{ build: PlotlyBuild; plotly: Plotly } | null>(null);
  const [failed, setFailed] = useState<{ build: PlotlyBuild; error: string } | null>(null);
  useEffect(() => {
    let alive = true;
    loadPlotly(build).then(
      plotly => alive && setLoaded({ build, plotly }),
      reason =>
        alive &&
        setFailed({
          build,
          error: `Cannot load plotly.js: ${(reason as Error).message ?? reason}`
        })
    );
    return () => {
      alive = false;
    };
  }, [build]);
  return {
    plotly: loaded?.build === build ? loaded.plotly : null,
    error: failed?.build === build ? failed.error : null
  };
}

/** Resize the plot with its box (split, sidebar drag, window), once per frame. */
function useResize(plotly: Plotly | null, ref: React.RefObject<HTMLDivElement>): void {
  useEffect(() => {
    const element = ref.current;
    if (!plotly || !element || typeof ResizeObserver === 'undefined') {
      return;
    }
    let frame = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        if (element.isConnected && element.offsetWidth > 0 && element.querySelector('.main-svg')) {
          void plotly.Plots.resize(element);
        }
      });
    });
    observer.observe(element);
    return () => {
      cancelAnimationFrame(frame);
      observer.disconnect();
    };
  }, [plotly]);
}

export function PlotlyChart(props: IPlotlyChartProps): JSX.Element {
  const { data, layout, label, dataId, className, config } = props;
  const height = props.height ?? (layout.height as number | undefined);
  const ref = useRef<HTMLDivElement>(null);
  const { plotly, error: loadError } = usePlotly(plotlyBuildFor(data));
  const [drawError, setDrawError] = useState<string | null>(null);

  useEffect(() => {
    const element = ref.current;
    if (!plotly || !element) {
      return;
    }
    let alive = true;
    // Without a height, plotly sizes the plot to its box (the className's CSS).
    const figure =
      height === undefined ? { ...layout, autosize: true } : { ...layout, height, autosize: true };
    plotly.react(element, data as any, figure as any, { ...CONFIG, ...config } as any).then(
      () => {
        // With a chart on screen, fetch the full build for charts that need it at idle time.
        preloadPlotly('full');
        return alive && setDrawError(null);
      },
      reason => alive && setDrawError(`Cannot draw the chart: ${(reason as Error).message}`)
    );
    return () => {
      alive = false;
    };
  }, [plotly, data, layout, height, config]);

  useResize(plotly, ref);

  // Runs when the chart unmounts or changes build: the build that drew it clears it.
  useEffect(() => {
    const element = ref.current;
    return () => {
      if (plotly && element) {
        plotly.purge(element);
      }
    };
  }, [plotly]);

  const error = loadError ?? drawError;
  return (
    <div
      className={`jp-nbops-Chart ${className ?? ''}`}
      style={height === undefined ? undefined : { minHeight: height }}
    >
      {!plotly && !error && (
        <div className="jp-nbops-Chart-placeholder" role="status">
          Loading chart…
        </div>
      )}
      {error && (
        <div className="jp-nbops-Chart-error" role="alert">
          {error}
        </div>
      )}
      <div
        ref={ref}
        className="jp-nbops-Chart-plot"
        role="img"
        aria-label={label}
        data-id={dataId}
      />
    </div>
  );
}
