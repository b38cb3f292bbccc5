/**
 * A plotly chart as a React component: loads plotly lazily (plotly.ts), redraws
 * with `Plotly.react` when its figure changes and follows its box's size.
 */
import type { Config, Data, Layout } from 'plotly.js-dist-min';
import * as React from 'react';

import { loadPlotly } from '../../plotly';

export interface IPlotlyChartProps {
  data: Data[];
  layout: Partial<Layout>;
  /** Accessible name of the chart. */
  label: string;
  className?: string;
}

const CONFIG: Partial<Config> = {
  displaylogo: false,
  responsive: false,
  modeBarButtonsToRemove: ['select2d', 'lasso2d', 'autoScale2d', 'toImage'],
  displayModeBar: 'hover'
};

export function PlotlyChart(props: IPlotlyChartProps): JSX.Element {
  const ref = React.useRef<HTMLDivElement>(null);
  const [error, setError] = React.useState<string | null>(null);

  React.useEffect(() => {
    let cancelled = false;
    const node = ref.current;
    if (!node) {
      return;
    }
    loadPlotly()
      .then(async Plotly => {
        if (!cancelled) {
          await Plotly.react(node, props.data, { ...props.layout, autosize: true }, CONFIG);
        }
      })
      .catch(reason => {
        if (!cancelled) {
          setError(`Cannot draw the chart: ${(reason as Error).message}`);
        }
      });
    return () => {
      cancelled = true;
    };
  }, [props.data, props.layout]);

  // Follow the panel's size: plotly does not see Lumino resizes by itself.
  React.useEffect(() => {
    const node = ref.current;
    if (!node || typeof ResizeObserver === 'undefined') {
      return;
    }
    const observer = new ResizeObserver(() => {
      if (node.offsetWidth > 0 && node.querySelector('.main-svg')) {
        void loadPlotly().then(Plotly => Plotly.Plots.resize(node));
      }
    });
    observer.observe(node);
    return () => {
      observer.disconnect();
      void loadPlotly().then(Plotly => Plotly.purge(node)).catch(() => undefined);
    };
  }, []);

  if (error) {
    return <div className="jp-nbops-DriftMessage jp-mod-error">{error}</div>;
  }
  return (
    <div
      ref={ref}
      className={`jp-nbops-DriftChart ${props.className ?? ''}`}
      role="img"
      aria-label={props.label}
    />
  );
}

/** Concrete colours of the current theme, read from JupyterLab's CSS variables. */
export interface IThemeColors {
  text: string;
  muted: string;
  grid: string;
  background: string;
  reference: string;
  current: string;
  ok: string;
  warn: string;
  drift: string;
  marker: string;
  font: string;
}

export function themeColors(node: Element = document.body): IThemeColors {
  const style = getComputedStyle(node);
  const css = (name: string, fallback: string) =>
    style.getPropertyValue(name).trim() || fallback;
  return {
    text: css('--jp-ui-font-color1', '#000'),
    muted: css('--jp-ui-font-color2', '#666'),
    grid: css('--jp-border-color2', '#ddd'),
    background: css('--jp-layout-color1', '#fff'),
    reference: css('--jp-ui-font-color3', '#999'),
    current: css('--jp-brand-color1', '#1976d2'),
    ok: css('--jp-success-color1', '#388e3c'),
    warn: css('--jp-warn-color1', '#f57c00'),
    drift: css('--jp-error-color1', '#d32f2f'),
    marker: css('--jp-ui-font-color2', '#666'),
    font: css('--jp-ui-font-family', 'sans-serif')
  };
}

/** Layout defaults shared by the Drift charts: transparent, theme fonts and grid. */
export function baseLayout(colors: IThemeColors): Partial<Layout> {
  const axis = {
    gridcolor: colors.grid,
    zerolinecolor: colors.grid,
    linecolor: colors.grid,
    tickfont: { color: colors.muted, size: 10 },
    title: { font: { color: colors.muted, size: 11 } }
  };
  return {
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: 'rgba(0,0,0,0)',
    font: { family: colors.font, color: colors.text, size: 11 },
    margin: { l: 48, r: 12, t: 8, b: 36 },
    xaxis: { ...axis },
    yaxis: { ...axis },
    legend: {
      orientation: 'h',
      x: 0,
      y: 1.02,
      yanchor: 'bottom',
      font: { color: colors.muted, size: 10 }
    },
    hoverlabel: { font: { family: colors.font } },
    showlegend: true
  };
}
