/**
 * Plot colours and fonts read from JupyterLab's CSS variables at draw time, so
 * charts follow the light, dark and high-contrast themes.
 */

/** Run colours, in order; distinct in light and dark themes alike. */
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
  gridColor: string;
  lineColor: string;
  hoverBackground: string;
  palette: string[];
}

function cssVariable(style: CSSStyleDeclaration, name: string, fallback: string): string {
  const value = style.getPropertyValue(name).trim();
  return value || fallback;
}

/** Read the current theme from the document's computed CSS variables. */
export function readPlotTheme(element: Element = document.body): IPlotTheme {
  const style = getComputedStyle(element);
  const read = (name: string, fallback: string) => cssVariable(style, name, fallback);
  return {
    font: read('--jp-ui-font-family', 'sans-serif'),
    fontSize: parseFloat(read('--jp-ui-font-size1', '13px')) || 13,
    fontColor: read('--jp-ui-font-color1', '#333'),
    mutedColor: read('--jp-ui-font-color2', '#777'),
    gridColor: read('--jp-border-color2', '#e0e0e0'),
    lineColor: read('--jp-border-color1', '#bdbdbd'),
    hoverBackground: read('--jp-layout-color1', '#fff'),
    palette: PALETTE_VARIABLES.map(name => read(name, '#1976d2'))
  };
}

/** The colour of the `index`-th run or group. */
export function seriesColor(theme: IPlotTheme, index: number): string {
  return theme.palette[index % theme.palette.length];
}

/** `color` at `alpha` opacity; understands #rgb, #rrggbb and rgb()/rgba(). */
export function withAlpha(color: string, alpha: number): string {
  const hex = color.match(/^#([0-9a-f]{3}|[0-9a-f]{6})$/i);
  if (hex) {
    const digits =
      hex[1].length === 3 ? hex[1].replace(/./g, c => c + c) : hex[1];
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

/** Axis styling shared by every chart. */
export function axisStyle(theme: IPlotTheme): Record<string, unknown> {
  return {
    gridcolor: theme.gridColor,
    linecolor: theme.lineColor,
    zerolinecolor: theme.lineColor,
    tickfont: { color: theme.mutedColor },
    title: { font: { color: theme.mutedColor } },
    automargin: true
  };
}

/** A transparent plotly layout in the theme's font and colours. */
export function baseLayout(theme: IPlotTheme): Record<string, unknown> {
  return {
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: 'rgba(0,0,0,0)',
    font: { family: theme.font, size: theme.fontSize - 1, color: theme.fontColor },
    margin: { l: 56, r: 16, t: 8, b: 40 },
    hoverlabel: {
      bgcolor: theme.hoverBackground,
      bordercolor: theme.lineColor,
      font: { family: theme.font, color: theme.fontColor }
    },
    legend: { orientation: 'h', y: -0.2, font: { color: theme.fontColor } },
    xaxis: axisStyle(theme),
    yaxis: axisStyle(theme)
  };
}
