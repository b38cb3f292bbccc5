/**
 * A plotly chart as a React component: plotly.js is loaded lazily on first
 * render and the plot is redrawn when its figure or the theme changes.
 */
import * as React from 'react';

import { loadPlotly } from '../../plotly';
import { withTheme } from './plotTheme';

export interface IPlotlyChartProps {
  data: unknown[];
  layout?: Record<string, unknown>;
  /** Bumped by the panel when the Lab theme changes. */
  themeVersion: number;
  className?: string;
  label: string;
}

export function PlotlyChart(props: IPlotlyChartProps): JSX.Element {
  const node = React.useRef<HTMLDivElement>(null);
  const [error, setError] = React.useState<string | null>(null);

  React.useEffect(() => {
    let cancelled = false;
    const element = node.current;
    loadPlotly()
      .then(Plotly => {
        if (cancelled || !element) {
          return;
        }
        type Args = Parameters<typeof Plotly.react>;
        return Plotly.react(
          element,
          props.data as Args[1],
          withTheme(props.layout) as Args[2],
          { displaylogo: false, responsive: true } as Args[3]
        );
      })
      .catch(reason => {
        if (!cancelled) {
          setError(`Cannot draw the chart: ${(reason as Error).message}`);
        }
      });
    return () => {
      cancelled = true;
    };
  }, [props.data, props.layout, props.themeVersion]);

  React.useEffect(() => {
    const element = node.current;
    return () => {
      void loadPlotly().then(Plotly => element && Plotly.purge(element));
    };
  }, []);

  if (error) {
    return <div className="jp-nbops-ChartError">{error}</div>;
  }
  return (
    <div
      ref={node}
      className={`jp-nbops-Chart ${props.className ?? ''}`}
      role="img"
      aria-label={props.label}
    />
  );
}
