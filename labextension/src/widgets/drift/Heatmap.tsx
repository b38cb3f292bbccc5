/**
 * Feature × window heatmap coloured by tier. A CSS grid of cells (not a chart):
 * cheap for hundreds of cells, themable by class, and every cell is a button
 * that selects its feature and window.
 */
import * as React from 'react';

import { IDriftWindowsResponse } from '../../tokens';
import { formatP, formatValue, shortStatistic } from './format';
import { IDriftSelection } from './model';

export interface IHeatmapProps {
  data: IDriftWindowsResponse;
  selection: IDriftSelection | null;
  onSelect: (feature: string, window: number) => void;
}

/** Window labels shown under the grid: at most this many, evenly spaced. */
const MAX_AXIS_LABELS = 40;
/** Up to this many windows, labels read horizontally; beyond, they stand upright under their column. */
const HORIZONTAL_LABELS = 6;

export function Heatmap(props: IHeatmapProps): JSX.Element {
  const { data, selection } = props;
  const [hover, setHover] = React.useState<{ feature: string; window: number } | null>(null);
  const n = data.windows.length;
  const step = Math.max(1, Math.ceil(n / MAX_AXIS_LABELS));
  const labelled = (j: number) => j % step === 0 || j === n - 1 || selection?.window === j;
  const shown = hover ?? selection;
  const grid = React.useRef<HTMLDivElement>(null);
  // Many windows scroll sideways: start at the newest ones.
  React.useEffect(() => {
    if (grid.current) {
      grid.current.scrollLeft = grid.current.scrollWidth;
    }
  }, [n]);

  return (
    <div className="jp-nbops-DriftHeatmap">
      <div className="jp-nbops-DriftHeatmap-readout" aria-live="polite">
        {shown ? describe(data, shown.feature, shown.window) : '\u00a0'}
      </div>
      <div
        ref={grid}
        className="jp-nbops-DriftHeatmap-grid"
        role="grid"
        aria-label={`Drift heatmap: ${data.features.length} features × ${n} windows`}
        style={{ gridTemplateColumns: `minmax(72px, max-content) repeat(${n}, minmax(6px, 1fr))` }}
        onMouseLeave={() => setHover(null)}
      >
        {data.features.map(series => (
          <div
            role="row"
            className="jp-nbops-DriftHeatmap-row"
            key={series.feature}
            data-feature={series.feature}
          >
            <div
              role="rowheader"
              className={
                'jp-nbops-DriftHeatmap-feature' +
                (selection?.feature === series.feature ? ' jp-mod-selected' : '')
              }
              title={series.feature}
            >
              {series.feature}
            </div>
            {data.windows.map((win, j) => {
              const tier = series.tier[j];
              const selected = selection?.feature === series.feature && selection.window === j;
              return (
                <div
                  key={win.id}
                  role="gridcell"
                  tabIndex={selected ? 0 : -1}
                  aria-selected={selected}
                  aria-label={describe(data, series.feature, j)}
                  data-window={win.window}
                  data-tier={tier ?? 'none'}
                  className={`jp-nbops-DriftCell jp-mod-${tier ?? 'none'}${selected ? ' jp-mod-selected' : ''}`}
                  onMouseEnter={() => setHover({ feature: series.feature, window: j })}
                  onClick={() => props.onSelect(series.feature, j)}
                  onKeyDown={event => {
                    if (event.key === 'Enter' || event.key === ' ') {
                      props.onSelect(series.feature, j);
                    }
                  }}
                />
              );
            })}
          </div>
        ))}
        <div
          className={
            'jp-nbops-DriftHeatmap-axis' + (n > HORIZONTAL_LABELS ? ' jp-mod-vertical' : '')
          }
          role="presentation"
        >
          <div />
          {data.windows.map((win, j) => (
            <div
              key={win.id}
              className={
                'jp-nbops-DriftHeatmap-tick' + (selection?.window === j ? ' jp-mod-selected' : '')
              }
              title={win.window}
            >
              {labelled(j) ? win.window : ''}
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}

function describe(data: IDriftWindowsResponse, feature: string, window: number): string {
  const series = data.features.find(f => f.feature === feature);
  const win = data.windows[window];
  if (!series || !win) {
    return '';
  }
  const tier = series.tier[window] ?? 'not checked';
  const stat = shortStatistic(series.statistic[window]);
  const note = series.note[window] ? ` · ${series.note[window]}` : '';
  return (
    `${feature} · ${win.window}: ${tier} · ${stat} ${formatValue(series.values.effect[window])}` +
    ` · p ${formatP(series.p_adjusted[window])}${note}`
  );
}
