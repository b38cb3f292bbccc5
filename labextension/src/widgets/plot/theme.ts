/**
 * Plot colours and fonts read from JupyterLab's CSS variables, so every nbops
 * chart follows the light, dark and high-contrast themes. Plotly needs
 * concrete colours (not `var(--jp-…)`), so panels re-read the theme after a
 * switch (`watchTheme`) and rebuild their layouts from the new values.
 */
import type { IThemeManager } from '@jupyterlab/apputils';

/** Series colours, in order; distinct in light and dark themes alike. */
const PALETTE_VARIABLES = [
  '--jp-brand-color1',
  '--jp-warn-color1',
  '--jp-success-color1',
  '--jp-error-color1',
  '--md-purple-400',
  '--jp-info-color1',
  '--md-pink-400',
  '--md-brown-400',
  '--md-lime-700',
  '--md-blue-grey-400'
];

export interface IPlotTheme {
  font: string;
  fontSize: number;
  fontColor: string;
  mutedColor: string;
  /** Faintest text colour, e.g. a reference distribution drawn behind the current one. */
  faintColor: string;
  gridColor: string;
  lineColor: string;
  background: string;
  /** Semantic colours: fine, warning, failure. */
  ok: string;
  warn: string;
  error: string;
  palette: string[];
}

/** Read the current theme from the computed CSS variables of `element`. */
export function readPlotTheme(element: Element = document.body): IPlotTheme {
  const style = getComputedStyle(element);
  const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    font: read('--jp-ui-font-family', 'sans-serif'),
    fontSize: parseFloat(read('--jp-ui-font-size1', '13px')) || 13,
    fontColor: read('--jp-ui-font-color1', '#333'),
    mutedColor: read('--jp-ui-font-color2', '#777'),
    faintColor: read('--jp-ui-font-color3', '#999'),
    gridColor: read('--jp-border-color2', '#e0e0e0'),
    lineColor: read('--jp-border-color1', '#bdbdbd'),
    background: read('--jp-layout-color1', '#fff'),
    ok: read('--jp-success-color1', '#388e3c'),
    warn: read('--jp-warn-color1', '#f57c00'),
    error: read('--jp-error-color1', '#d32f2f'),
    palette: PALETTE_VARIABLES.map(name => read(name, '#1976d2'))
  };
}

/**
 * Call `repaint` after every theme switch. The new theme's CSS can land a
 * little after the signal, so colours are read a frame later and once more
 * when the stylesheet has surely applied.
 */
export function watchTheme(manager: IThemeManager | null, repaint: () => void): void {
  manager?.themeChanged.connect(() => {
    requestAnimationFrame(repaint);
    window.setTimeout(repaint, 500);
  });
}

/** The colour of the `index`-th series (run, group, metric). */
export function seriesColor(theme: IPlotTheme, index: number): string {
  return theme.palette[index % theme.palette.length];
}

/** `color` at `alpha` opacity; understands #rgb, #rrggbb and rgb()/rgba(). */
export function withAlpha(color: string, alpha: number): string {
  const hex = color.match(/^#([0-9a-f]{3}|[0-9a-f]{6})$/i);
  if (hex) {
    const digits = hex[1].length === 3 ? hex[1].replace(/./g, c => c + c) : hex[1];
    const [r, g, b] = [0, 2, 4].map(i => parseInt(digits.slice(i, i + 2), 16));
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  const rgb = color.match(/^rgba?\(([^)]+)\)$/i);
  if (rgb) {
    const [r, g, b] = rgb[1].split(/[\s,/]+/).filter(Boolean);
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  return color;
}

/** Sizes a panel may choose; colours always come from the theme. */
export interface ILayoutOptions {
  /** Base font size in px (default: the theme's UI size minus one). */
  fontSize?: number;
  /** Tick label size in px (default: the base font size). */
  tickSize?: number;
  /** Axis lines in the grid colour (quieter) rather than the border colour. */
  quietAxes?: boolean;
}

/** Axis styling shared by every chart. */
export function axisStyle(theme: IPlotTheme, options: ILayoutOptions = {}): Record<string, any> {
  const line = options.quietAxes ? theme.gridColor : theme.lineColor;
  const tickfont: Record<string, unknown> = { color: theme.mutedColor };
  if (options.tickSize !== undefined) {
    tickfont.size = options.tickSize;
  }
  return {
    gridcolor: theme.gridColor,
    linecolor: line,
    zerolinecolor: line,
    tickfont,
    title: { font: { color: theme.mutedColor } },
    automargin: true
  };
}

/** An axis title in the theme's muted colour. */
export function axisTitle(theme: IPlotTheme, text: string, size?: number): Record<string, any> {
  return {
    text,
    font: size === undefined ? { color: theme.mutedColor } : { color: theme.mutedColor, size }
  };
}

/** A transparent plotly layout in the theme's font and colours. */
export function baseLayout(theme: IPlotTheme, options: ILayoutOptions = {}): Record<string, any> {
  return {
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: 'rgba(0,0,0,0)',
    font: {
      family: theme.font,
      size: options.fontSize ?? theme.fontSize - 1,
      color: theme.fontColor
    },
    colorway: theme.palette,
    hoverlabel: {
      bgcolor: theme.background,
      bordercolor: theme.lineColor,
      font: { family: theme.font, color: theme.fontColor }
    },
    xaxis: axisStyle(theme, options),
    yaxis: axisStyle(theme, options)
  };
}

/**
 * Theme a figure made elsewhere (e.g. a logged plotly figure): its own layout
 * choices win, axes merged deeply, but backgrounds, font and template come
 * from the theme so a figure saved with a white template stays readable.
 */
export function withTheme(
  theme: IPlotTheme,
  layout: Record<string, unknown> = {},
  options: ILayoutOptions = {}
): Record<string, unknown> {
  const base = baseLayout(theme, options);
  const merged: Record<string, unknown> = { ...base, ...layout };
  for (const key of Object.keys(layout)) {
    if (/^[xy]axis\d*$/.test(key) && typeof layout[key] === 'object') {
      merged[key] = { ...base.xaxis, ...(layout[key] as object) };
    }
  }
  merged.paper_bgcolor = base.paper_bgcolor;
  merged.plot_bgcolor = base.plot_bgcolor;
  merged.font = base.font;
  merged.template = undefined;
  return merged;
}
