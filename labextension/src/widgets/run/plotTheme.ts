/**
 * Plotly layout colours taken from the current JupyterLab theme, so charts
 * follow light and dark themes (plotly needs concrete colours, not CSS vars).
 */
/** The value of a JupyterLab CSS variable on the current theme. */
export function themeColor(name: string, fallback: string): string {
  return cssVar(name, fallback);
}

function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.body).getPropertyValue(name).trim();
  return value || fallback;
}

/** Layout fragment to merge into every nbops chart. */
export function themedLayout(): Record<string, unknown> {
  const font = cssVar('--jp-ui-font-color1', '#444');
  const grid = cssVar('--jp-border-color2', '#ddd');
  const axis = {
    gridcolor: grid,
    zerolinecolor: grid,
    linecolor: grid,
    tickfont: { color: cssVar('--jp-ui-font-color2', '#666') }
  };
  return {
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: 'rgba(0,0,0,0)',
    font: {
      color: font,
      family: cssVar('--jp-ui-font-family', 'sans-serif'),
      size: 11
    },
    colorway: [
      cssVar('--jp-brand-color1', '#1976d2'),
      cssVar('--jp-warn-color1', '#f57c00'),
      cssVar('--jp-success-color1', '#388e3c'),
      cssVar('--jp-error-color1', '#d32f2f'),
      cssVar('--jp-accent-color1', '#7b1fa2')
    ],
    xaxis: axis,
    yaxis: axis
  };
}

/** Merge the theme under a figure's own layout (the figure's choices win, axes deeply). */
export function withTheme(layout: Record<string, unknown> = {}): Record<string, unknown> {
  const theme = themedLayout();
  const merged: Record<string, unknown> = { ...theme, ...layout };
  for (const key of Object.keys(layout)) {
    if (/^[xy]axis\d*$/.test(key) && typeof layout[key] === 'object') {
      merged[key] = { ...(theme.xaxis as object), ...(layout[key] as object) };
    }
  }
  // A figure saved with its own template background would ignore the theme.
  merged.paper_bgcolor = theme.paper_bgcolor;
  merged.plot_bgcolor = theme.plot_bgcolor;
  merged.font = { ...(theme.font as object) };
  merged.template = undefined;
  return merged;
}
