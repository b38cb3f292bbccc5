/**
 * The Drift charts' common layout: the shared plot theme in the card's small
 * sizes, with the legend above the plot where the cards have room for it.
 */
import { baseLayout, IPlotTheme } from '../plot/theme';

export function driftLayout(theme: IPlotTheme): Record<string, any> {
  return {
    ...baseLayout(theme, { fontSize: 11, tickSize: 10, quietAxes: true }),
    margin: { l: 48, r: 12, t: 8, b: 36 },
    legend: {
      orientation: 'h',
      x: 0,
      y: 1.02,
      yanchor: 'bottom',
      font: { color: theme.mutedColor, size: 10 }
    },
    showlegend: true
  };
}

/** The mode bar only on hover: the cards are small and the bar would cover the legend. */
export const DRIFT_CONFIG = {
  displayModeBar: 'hover',
  modeBarButtonsToRemove: ['select2d', 'lasso2d', 'autoScale2d', 'toImage']
};
