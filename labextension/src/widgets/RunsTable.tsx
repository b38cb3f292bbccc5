/**
 * The compact runs table of the Experiments sidebar.
 */
import * as React from 'react';

import { IRun } from '../tokens';
import {
  elapsed,
  formatAge,
  formatDateTime,
  formatDuration,
  formatMetric
} from './format';
import { StatusBadge } from './StatusBadge';

export interface IRunsTableProps {
  runs: ReadonlyArray<IRun>;
  metricColumns: ReadonlyArray<string>;
  /** Follow run names with their experiment (when every experiment is listed). */
  showExperiment: boolean;
  /** Current time in ms, so ages and running durations advance. */
  now: number;
  selectedId: string | null;
  hasMore: boolean;
  onSelect: (run: IRun) => void;
  onOpen: (run: IRun) => void;
  onLoadMore: () => void;
}

/**
 * Metric columns to show: the configured keys, else the keys most runs have.
 */
export function pickMetricColumns(
  runs: ReadonlyArray<IRun>,
  configured: ReadonlyArray<string>,
  max: number
): string[] {
  if (configured.length > 0) {
    return configured.slice(0, Math.max(max, configured.length));
  }
  const counts = new Map<string, number>();
  for (const run of runs) {
    for (const key of Object.keys(run.metrics)) {
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, max)
    .map(([key]) => key);
}

function runTooltip(run: IRun, now: number): string {
  const lines = [
    `Run ${run.id}` + (run.name ? ` (${run.name})` : ''),
    `Experiment: ${run.experiment}`,
    `Status: ${run.status}`,
    `Started: ${formatDateTime(run.start_time)}`,
    `Duration: ${formatDuration(elapsed(run, now))}`
  ];
  if (run.notebook_path) {
    lines.push(`Notebook: ${run.notebook_path}`);
  }
  const params = Object.entries(run.params);
  if (params.length > 0) {
    lines.push('Params: ' + params.map(([k, v]) => `${k}=${v}`).join(', '));
  }
  const metrics = Object.entries(run.metrics);
  if (metrics.length > 0) {
    lines.push(
      'Metrics: ' + metrics.map(([k, v]) => `${k}=${formatMetric(v)}`).join(', ')
    );
  }
  if (run.notebook_path) {
    lines.push('Double-click to open the notebook');
  }
  return lines.join('\n');
}

/**
 * The run's name (unnamed runs show the start of their id), then its
 * experiment when runs of several experiments are listed: truncation eats
 * the experiment first.
 */
function RunName(props: { run: IRun; showExperiment: boolean }): JSX.Element {
  const { run, showExperiment } = props;
  return (
    <>
      {run.name ? (
        <span className="jp-nbops-RunName-name">{run.name}</span>
      ) : (
        <span className="jp-nbops-RunName-id">{run.id.slice(0, 8)}</span>
      )}
      {showExperiment && (
        <span className="jp-nbops-RunName-experiment"> · {run.experiment}</span>
      )}
    </>
  );
}

export function RunsTable(props: IRunsTableProps): JSX.Element {
  const { runs, metricColumns, showExperiment, now, selectedId } = props;

  const onKeyDown = (event: React.KeyboardEvent, run: IRun) => {
    if (event.key === 'Enter') {
      props.onOpen(run);
    } else if (event.key === ' ') {
      event.preventDefault();
      props.onSelect(run);
    }
  };

  return (
    <div className="jp-nbops-RunsTable-scroller">
      <table className="jp-nbops-RunsTable" aria-label="Runs">
        <thead>
          <tr>
            <th scope="col" className="jp-nbops-col-status">
              <span>Status</span>
            </th>
            <th scope="col" className="jp-nbops-col-name">
              Run
            </th>
            <th scope="col" className="jp-nbops-col-start">
              Started
            </th>
            <th scope="col" className="jp-nbops-col-duration">
              Duration
            </th>
            {metricColumns.map(key => (
              <th
                scope="col"
                key={`metric:${key}`}
                className="jp-nbops-col-metric"
                title={`Latest value of metric ${key}`}
              >
                {key}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {runs.map(run => {
            const selected = run.id === selectedId;
            return (
              <tr
                key={run.id}
                data-run-id={run.id}
                className={
                  'jp-nbops-RunsTable-row' + (selected ? ' jp-mod-selected' : '')
                }
                aria-selected={selected}
                tabIndex={0}
                title={runTooltip(run, now)}
                onClick={() => props.onSelect(run)}
                onDoubleClick={() => props.onOpen(run)}
                onKeyDown={event => onKeyDown(event, run)}
              >
                <td className="jp-nbops-col-status">
                  <StatusBadge status={run.status} />
                </td>
                <td className="jp-nbops-col-name">
                  <RunName run={run} showExperiment={showExperiment} />
                </td>
                <td
                  className="jp-nbops-col-start"
                  title={formatDateTime(run.start_time)}
                >
                  {formatAge(run.start_time, now)}
                </td>
                <td className="jp-nbops-col-duration">
                  {formatDuration(elapsed(run, now))}
                </td>
                {metricColumns.map(key => (
                  <td
                    key={`metric:${key}`}
                    className={
                      'jp-nbops-col-metric' +
                      (run.metrics[key] === null ? ' jp-nbops-mod-nan' : '')
                    }
                    data-metric={key}
                  >
                    {formatMetric(run.metrics[key])}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
      {props.hasMore && (
        <button
          type="button"
          className="jp-nbops-LoadMore jp-mod-styled"
          onClick={props.onLoadMore}
        >
          Load more runs
        </button>
      )}
    </div>
  );
}
