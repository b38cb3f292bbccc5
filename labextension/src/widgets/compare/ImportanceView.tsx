/**
 * Which params matter for a metric across the compared runs: the server's random-forest
 * importance and Pearson correlation per param, as a table sortable by any column.
 */
import React, { useEffect, useMemo, useState } from 'react';

import { compareAPI } from '../../api';
import { IImportanceRow, IParamImportance } from '../../tokens';
import { ControlSelect } from './ControlSelect';

type SortKey = 'key' | 'importance' | 'correlation';

const COLUMNS: { key: SortKey; label: string }[] = [
  { key: 'key', label: 'Param' },
  { key: 'importance', label: 'Importance' },
  { key: 'correlation', label: 'Correlation' }
];

export function ImportanceView(props: {
  runIds: string[];
  metricKeys: string[];
  initialMetric: string;
}): JSX.Element {
  const [metric, setMetric] = useState(props.initialMetric);
  const [answer, setAnswer] = useState<IParamImportance | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sort, setSort] = useState<{ key: SortKey; descending: boolean }>({
    key: 'importance',
    descending: true
  });
  const runs = props.runIds.join(',');
  useEffect(() => {
    let cancelled = false;
    setError(null);
    compareAPI
      .importance(props.runIds, metric)
      .then(result => !cancelled && setAnswer(result))
      .catch(reason => !cancelled && setError((reason as Error).message));
    return () => {
      cancelled = true;
    };
  }, [runs, metric]);
  const rows = useMemo(
    () => sortRows(answer?.params ?? [], sort.key, sort.descending),
    [answer, sort]
  );
  if (props.metricKeys.length === 0) {
    return <p className="jp-nbops-Empty jp-nbops-Compare-empty">These runs logged no metrics.</p>;
  }
  const onSort = (key: SortKey) =>
    setSort(current => ({
      key,
      descending: current.key === key ? !current.descending : key !== 'key'
    }));
  return (
    <div className="jp-nbops-Importance">
      <div className="jp-nbops-Compare-controls">
        <ControlSelect
          label="Metric"
          ariaLabel="Importance metric"
          value={metric}
          options={props.metricKeys}
          onChange={setMetric}
        />
        {answer?.method === 'random_forest' && (
          <span className="jp-nbops-Compare-hint">
            Random forest on {answer.runs} runs; correlation is Pearson's with {answer.metric}.
          </span>
        )}
      </div>
      {error && (
        <p className="jp-nbops-Compare-notice jp-mod-error" role="alert">
          {error}
        </p>
      )}
      {answer?.notice && !error && (
        <p className="jp-nbops-Compare-notice" role="status">
          {answer.notice}
        </p>
      )}
      {rows.length > 0 && !error && (
        <table
          className="jp-nbops-Table jp-nbops-ImportanceTable"
          aria-label={`Param importance for ${answer?.metric}`}
        >
          <thead>
            <tr>
              {COLUMNS.map(column => (
                <th
                  key={column.key}
                  scope="col"
                  aria-sort={
                    sort.key === column.key
                      ? sort.descending
                        ? 'descending'
                        : 'ascending'
                      : 'none'
                  }
                >
                  <button
                    className="jp-nbops-ImportanceTable-sort"
                    onClick={() => onSort(column.key)}
                  >
                    {column.label}
                    <span aria-hidden="true">
                      {sort.key === column.key ? (sort.descending ? ' ▾' : ' ▴') : ''}
                    </span>
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map(row => (
              <tr key={row.key} data-param={row.key}>
                <th scope="row" className="jp-nbops-ImportanceTable-param">
                  {row.value === null ? (
                    row.param
                  ) : (
                    <>
                      {row.param}
                      <span className="jp-nbops-Muted"> = {row.value}</span>
                    </>
                  )}
                </th>
                <td>
                  <Bar value={row.importance} signed={false} />
                </td>
                <td>
                  <Bar value={row.correlation} signed={true} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** A number with a bar behind it; a signed one grows left (negative) or right from the middle. */
function Bar(props: { value: number | null; signed: boolean }): JSX.Element {
  const { value, signed } = props;
  if (value === null) {
    return (
      <span className="jp-nbops-Muted" title="Undefined: no variation">
        –
      </span>
    );
  }
  const width = `${Math.min(1, Math.abs(value)) * (signed ? 50 : 100)}%`;
  const left = signed && value < 0 ? `${50 - Math.min(1, -value) * 50}%` : signed ? '50%' : '0';
  return (
    <span className="jp-nbops-ImportanceBar">
      <span
        className={'jp-nbops-ImportanceBar-fill' + (signed && value < 0 ? ' jp-mod-negative' : '')}
        style={{ width, left }}
        aria-hidden="true"
      />
      <span className="jp-nbops-ImportanceBar-value">{value.toFixed(3)}</span>
    </span>
  );
}

function sortRows(rows: IImportanceRow[], key: SortKey, descending: boolean): IImportanceRow[] {
  const value = (row: IImportanceRow): number | string =>
    key === 'key'
      ? row.key
      : key === 'correlation'
        ? Math.abs(row.correlation ?? -1)
        : (row.importance ?? -1);
  const sign = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    return (x < y ? -1 : x > y ? 1 : 0) * sign;
  });
}
