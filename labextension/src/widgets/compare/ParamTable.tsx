/**
 * The side-by-side table: one column per run, one row per param (differing
 * values highlighted), then each metric's last / min / max.
 */
import React from 'react';

import { columnFormat } from '../format';
import { ICompareMetricRow, ICompareRow, ICompareRun, ICompareMetricSummary } from '../../tokens';
import { IRunGroup } from './grouping';
import { runLabel } from './model';

export interface IParamTableProps {
  runs: ICompareRun[];
  params: ICompareRow[];
  metrics: ICompareMetricRow[];
  colors: Map<string, string>;
  /** Groups to show as a header row above the runs; `null` when not grouped. */
  groups: IRunGroup[] | null;
  groupColors: Map<string, string>;
  differencesOnly: boolean;
  onDifferencesOnlyChange: (value: boolean) => void;
}

const SUMMARIES: { field: keyof ICompareMetricSummary; label: string }[] = [
  { field: 'last', label: 'last' },
  { field: 'min', label: 'min' },
  { field: 'max', label: 'max' }
];

function Swatch(props: { color: string | undefined }): JSX.Element {
  return (
    <span
      className="jp-nbops-Compare-swatch"
      style={{ background: props.color }}
      aria-hidden="true"
    />
  );
}

function ParamValue(props: { value: string | null | undefined }): JSX.Element {
  if (props.value === null || props.value === undefined) {
    return <span className="jp-nbops-Compare-unset">—</span>;
  }
  return <>{props.value}</>;
}

/** Cells whose value differs from the first column's are marked, like a diff. */
function changedClass(
  values: Record<string, string | null>,
  runs: ICompareRun[],
  id: string
): string | undefined {
  const first = values[runs[0].id] ?? null;
  return (values[id] ?? null) !== first ? 'jp-mod-changed' : undefined;
}

export function ParamTable(props: IParamTableProps): JSX.Element {
  const { runs, params, metrics, colors, groups, groupColors, differencesOnly } = props;
  const shownParams = differencesOnly ? params.filter(row => row.differs) : params;
  const shownMetrics = differencesOnly ? metrics.filter(row => row.differs) : metrics;
  const hidden = params.length - shownParams.length;
  const span = runs.length + 2;

  return (
    <div className="jp-nbops-CompareTable">
      <div className="jp-nbops-Compare-controls">
        <label className="jp-nbops-Compare-control">
          <input
            type="checkbox"
            checked={differencesOnly}
            onChange={event => props.onDifferencesOnlyChange(event.target.checked)}
          />
          Show differences only
        </label>
        {differencesOnly && hidden > 0 && (
          <span className="jp-nbops-Compare-hint">
            {hidden} equal param{hidden === 1 ? '' : 's'} hidden
          </span>
        )}
      </div>
      <div className="jp-nbops-CompareTable-scroll">
        <table
          className="jp-nbops-Table jp-nbops-CompareTable-table"
          aria-label="Parameters and metrics"
        >
          <thead>
            {groups && (
              <tr className="jp-nbops-CompareTable-groups">
                <th colSpan={2} />
                {groups.map(group => (
                  <th
                    key={group.key}
                    colSpan={group.runs.length}
                    scope="colgroup"
                    title={group.label}
                  >
                    <Swatch color={groupColors.get(group.key)} />
                    {group.label}
                    <span className="jp-nbops-Compare-hint"> ({group.runs.length})</span>
                  </th>
                ))}
              </tr>
            )}
            <tr>
              <th colSpan={2} className="jp-nbops-CompareTable-corner">
                Run
              </th>
              {runs.map(run => (
                <th key={run.id} scope="col" title={`${runLabel(run)}\n${run.id}`}>
                  <Swatch color={colors.get(run.id)} />
                  {runLabel(run)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            <tr className="jp-nbops-CompareTable-section">
              <th colSpan={span} scope="colgroup">
                Params
              </th>
            </tr>
            {shownParams.length === 0 && (
              <tr>
                <td colSpan={span} className="jp-nbops-Compare-hint">
                  {params.length === 0 ? 'No params logged.' : 'All params are equal.'}
                </td>
              </tr>
            )}
            {shownParams.map(row => (
              <tr
                key={row.key}
                data-param={row.key}
                className={row.differs ? 'jp-mod-differs' : undefined}
              >
                <th scope="row" colSpan={2} className="jp-nbops-CompareTable-key">
                  {row.key}
                </th>
                {runs.map(run => (
                  <td key={run.id} className={changedClass(row.values, runs, run.id)}>
                    <ParamValue value={row.values[run.id]} />
                  </td>
                ))}
              </tr>
            ))}
            <tr className="jp-nbops-CompareTable-section">
              <th colSpan={span} scope="colgroup">
                Metrics
              </th>
            </tr>
            {shownMetrics.length === 0 && (
              <tr>
                <td colSpan={span} className="jp-nbops-Compare-hint">
                  {metrics.length === 0 ? 'No metrics logged.' : 'All metrics are equal.'}
                </td>
              </tr>
            )}
            {shownMetrics.map(row => {
              // One number format per metric, so last/min/max of every run line up.
              const format = columnFormat(
                Object.values(row.values).flatMap(s =>
                  s ? SUMMARIES.map(({ field }) => s[field] as number | null) : []
                )
              );
              return SUMMARIES.map(({ field, label }, index) => (
                <tr
                  key={`${row.key}:${field}`}
                  data-metric={row.key}
                  className={
                    'jp-nbops-CompareTable-metric' +
                    (index === 0 ? ' jp-mod-first' : '') +
                    (row.differs ? ' jp-mod-differs' : '')
                  }
                >
                  {index === 0 && (
                    <th
                      scope="rowgroup"
                      rowSpan={SUMMARIES.length}
                      className="jp-nbops-CompareTable-key"
                    >
                      {row.key}
                    </th>
                  )}
                  <th scope="row" className="jp-nbops-CompareTable-stat">
                    {label}
                  </th>
                  {runs.map(run => {
                    const summary = row.values[run.id];
                    const changed =
                      row.differs && summary?.[field] !== row.values[runs[0].id]?.[field];
                    return (
                      <td key={run.id} className={changed ? 'jp-mod-changed' : undefined}>
                        {summary ? (
                          format(summary[field] as number | null)
                        ) : (
                          <span className="jp-nbops-Compare-unset" title="Not logged by this run">
                            —
                          </span>
                        )}
                      </td>
                    );
                  })}
                </tr>
              ));
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
