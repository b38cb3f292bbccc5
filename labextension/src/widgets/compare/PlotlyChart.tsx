/**
 * A plotly chart as a React view: loads plotly lazily, redraws with
 * `Plotly.react` when its figure changes and resizes with its container.
 */
import React, { useEffect, useRef, useState } from 'react';

import { loadPlotly, Plotly } from '../../plotly';

export interface IPlotlyChartProps {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
  /** Accessible name of the chart, e.g. "Metric curves". */
  label: string;
  /** `data-id` for tests and styling. */
  dataId: string;
  height?: number;
}

const CONFIG = {
  displaylogo: false,
  responsive: false,
  modeBarButtonsToRemove: ['select2d', 'lasso2d', 'toImage']
};

export function PlotlyChart(props: IPlotlyChartProps): JSX.Element {
  const { data, layout, label, dataId, height = 340 } = props;
  const ref = useRef<HTMLDivElement>(null);
  const [plotly, setPlotly] = useState<Plotly | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let alive = true;
    loadPlotly().then(
      module => alive && setPlotly(module),
      reason => alive && setError(`Cannot load plotly.js: ${reason}`)
    );
    return () => {
      alive = false;
    };
  }, []);

  useEffect(() => {
    const element = ref.current;
    if (!plotly || !element) {
      return;
    }
    void plotly.react(
      element,
      data as any,
      { ...layout, height, autosize: true } as any,
      CONFIG as any
    );
  }, [plotly, data, layout, height]);

  // Resize with the panel (split, sidebar drag, window) without a window listener.
  useEffect(() => {
    const element = ref.current;
    if (!plotly || !element) {
      return;
    }
    let frame = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        if (element.isConnected && element.offsetWidth > 0) {
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

  useEffect(() => {
    const element = ref.current;
    return () => {
      if (plotly && element) {
        plotly.purge(element);
      }
    };
  }, [plotly]);

  return (
    <div className="jp-nbops-Chart" style={{ minHeight: height }}>
      {!plotly && !error && (
        <div className="jp-nbops-Chart-placeholder" style={{ height }}>
          Loading chart…
        </div>
      )}
      {error && <div className="jp-nbops-Compare-notice jp-mod-error">{error}</div>}
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
