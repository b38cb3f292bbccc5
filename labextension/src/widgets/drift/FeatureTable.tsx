/**
 * The selected window's features: tier chip, statistic, effect, adjusted p, n
 * and a sparkline of the effect over the windows. Columns sort on click.
 */
import * as React from 'react';

import { DriftTier, IDriftFeatureSeries, IDriftWindowsResponse } from '../../tokens';
import { formatCount, formatP, formatValue, shortStatistic } from './format';
import { IDriftSelection } from './model';
import { Sparkline } from './Sparkline';

export interface IFeatureTableProps {
  data: IDriftWindowsResponse;
  selection: IDriftSelection | null;
  onSelect: (feature: string, window: number) => void;
}

type SortKey = 'feature' | 'tier' | 'statistic' | 'effect' | 'p' | 'n';

interface IColumn {
  key: SortKey | null;
  label: string;
  numeric?: boolean;
  title?: string;
}

const COLUMNS: IColumn[] = [
  { key: 'feature', label: 'Feature' },
  { key: 'tier', label: 'Tier' },
  { key: 'statistic', label: 'Stat.', title: 'The statistic whose effect decides' },
  { key: 'effect', label: 'Effect', numeric: true },
  { key: 'p', label: 'p (adj.)', numeric: true, title: 'Benjamini–Hochberg-adjusted p-value' },
  { key: 'n', label: 'n', numeric: true, title: 'Values in the window' },
  { key: null, label: 'Trend', title: 'Effect over the windows; dashed: drift threshold' }
];

const TIER_RANK: Record<DriftTier, number> = { ok: 0, warn: 1, drift: 2 };

export function FeatureTable(props: IFeatureTableProps): JSX.Element {
  const { data, selection } = props;
  const window = selection?.window ?? data.windows.length - 1;
  const [sort, setSort] = React.useState<{ key: SortKey; descending: boolean }>({
    key: 'tier',
    descending: true
  });

  const rows = React.useMemo(() => {
    const value = (s: IDriftFeatureSeries): string | number => {
      switch (sort.key) {
        case 'feature':
          return s.feature;
        case 'statistic':
          return s.statistic[window] ?? '';
        case 'tier': {
          const tier = s.tier[window];
          // ties broken by effect, so "worst first" is a useful default order
          return (tier ? TIER_RANK[tier] : -1) * 1e6 + (s.values.effect[window] ?? 0);
        }
        case 'effect':
          return s.values.effect[window] ?? -Infinity;
        case 'p':
          return s.p_adjusted[window] ?? Infinity;
        case 'n':
          return s.n_current[window] ?? -1;
      }
    };
    const sorted = [...data.features].sort((a, b) => {
      const x = value(a);
      const y = value(b);
      const order = typeof x === 'string' ? x.localeCompare(y as string) : x - (y as number);
      return sort.descending ? -order : order;
    });
    return sorted;
  }, [data, window, sort]);

  const onSort = (key: SortKey) =>
    setSort(current =>
      current.key === key
        ? { key, descending: !current.descending }
        : { key, descending: key !== 'feature' && key !== 'statistic' && key !== 'p' }
    );

  return (
    <div className="jp-nbops-DriftTable-scroll">
      <table
        className="jp-nbops-Table jp-nbops-DriftTable"
        aria-label="Features of the selected window"
      >
        <thead>
          <tr>
            {COLUMNS.map(column => {
              const active = column.key !== null && sort.key === column.key;
              return (
                <th
                  key={column.label}
                  scope="col"
                  title={column.title}
                  className={column.numeric ? 'jp-mod-numeric' : undefined}
                  aria-sort={active ? (sort.descending ? 'descending' : 'ascending') : undefined}
                >
                  {column.key === null ? (
                    column.label
                  ) : (
                    <button
                      className="jp-nbops-DriftTable-sort"
                      onClick={() => onSort(column.key as SortKey)}
                    >
                      {column.label}
                      <span className="jp-nbops-DriftTable-arrow" aria-hidden="true">
                        {active ? (sort.descending ? '▾' : '▴') : ''}
                      </span>
                    </button>
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {rows.map(series => {
            const tier = series.tier[window];
            const selected = selection?.feature === series.feature;
            return (
              <tr
                key={series.feature}
                data-feature={series.feature}
                aria-selected={selected}
                className={selected ? 'jp-mod-selected' : undefined}
                onClick={() => props.onSelect(series.feature, window)}
              >
                <td className="jp-nbops-DriftTable-feature" title={series.feature}>
                  {series.feature}
                </td>
                <td>
                  <TierChip tier={tier} note={series.note[window]} />
                </td>
                <td title={series.statistic[window] ?? undefined}>
                  {shortStatistic(series.statistic[window])}
                </td>
                <td className="jp-mod-numeric">{formatValue(series.values.effect[window])}</td>
                <td className="jp-mod-numeric">{formatP(series.p_adjusted[window])}</td>
                <td className="jp-mod-numeric">{formatCount(series.n_current[window])}</td>
                <td>
                  <Sparkline
                    values={series.values.effect}
                    threshold={series.threshold[window]}
                    tiers={series.tier}
                    selected={window}
                  />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function TierChip(props: { tier: DriftTier | null; note?: string | null }): JSX.Element {
  const tier = props.tier ?? 'none';
  return (
    <span className={`jp-nbops-TierChip jp-mod-${tier}`} title={props.note ?? undefined}>
      {props.tier ?? '—'}
    </span>
  );
}
