/**
 * The runs table of the Experiments sidebar, virtualized: rows have a fixed
 * height and only the visible ones (plus an overscan) are in the DOM, so
 * 10,000 loaded runs scroll as lightly as 50. Scrolling near the end asks for
 * the next page.
 */
import * as React from 'react';

import { IRun } from '../../tokens';
import {
  columnFormat,
  elapsed,
  formatAge,
  formatDateTime,
  formatDuration,
  formatMetric
} from '../format';
import {
  fitColumns,
  fixedWidth,
  IDataColumn,
  nameWidth,
  numericParams,
  paramWidth,
  parseSort,
  WIDE_TABLE,
  WIDTHS
} from './columns';
import { RunSelection } from './selection';
import { StatusBadge } from '../StatusBadge';
import { SyncBadge } from '../SyncBadge';

/** Row height in px; CSS gives rows exactly this height. */
export const ROW_HEIGHT = 24;
/** Rows rendered above and below the visible ones. */
const OVERSCAN = 12;
/** Ask for the next page when this few loaded rows are left below the view. */
const LOAD_AHEAD = 60;

export interface IRunsTableProps {
  runs: ReadonlyArray<IRun>;
  metricKeys: ReadonlyArray<string>;
  paramKeys: ReadonlyArray<string>;
  /** Current sort in the server's language, e.g. `-metrics.auc`. */
  sort: string;
  /** Changes when the list is another one: scroll back to the top. */
  listKey: string;
  /** Follow run names with their experiment (when every experiment is listed). */
  showExperiment: boolean;
  /** Current time in ms, so ages and running durations advance. */
  now: number;
  selection: RunSelection;
  hasMore: boolean;
  loadingMore: boolean;
  onSort: (column: { sortField: string; kind: string }) => void;
  onToggle: (index: number, range: boolean) => void;
  onToggleAll: (select: boolean) => void;
  /** Opens the run's detail; `null` while no plugin provides it. */
  onOpen: ((run: IRun) => void) | null;
  onOpenNotebook: ((run: IRun) => void) | null;
  onLoadMore: () => void;
}

const STATUS_COLUMN = { sortField: 'status', kind: 'status' };
const NAME_COLUMN = { sortField: 'name', kind: 'name' };

export function RunsTable(props: IRunsTableProps): JSX.Element {
  const { runs } = props;
  const scroller = React.useRef<HTMLDivElement>(null);
  const [viewport, setViewport] = React.useState({ top: 0, height: 600, width: 300 });

  // Track the scroller's size (sidebar resized) and scroll position, at most once a frame.
  React.useLayoutEffect(() => {
    const node = scroller.current!;
    let frame = 0;
    const measure = () => {
      frame = 0;
      setViewport(old =>
        old.top === node.scrollTop &&
        old.height === node.clientHeight &&
        old.width === node.clientWidth
          ? old
          : { top: node.scrollTop, height: node.clientHeight, width: node.clientWidth }
      );
    };
    const schedule = () => {
      if (!frame) {
        frame = requestAnimationFrame(measure);
      }
    };
    measure();
    node.addEventListener('scroll', schedule, { passive: true });
    const observer = new ResizeObserver(schedule);
    observer.observe(node);
    return () => {
      node.removeEventListener('scroll', schedule);
      observer.disconnect();
      cancelAnimationFrame(frame);
    };
  }, []);

  // A resize the observer reported while the panel was mid-change (theme swap,
  // hidden sidebar) can leave a stale width: check it on every render too.
  React.useLayoutEffect(() => {
    const node = scroller.current;
    if (node && node.clientWidth > 0 && node.clientWidth !== viewport.width) {
      setViewport(old => ({ ...old, width: node.clientWidth, height: node.clientHeight }));
    }
  });

  React.useEffect(() => {
    if (scroller.current) {
      scroller.current.scrollTop = 0;
    }
  }, [props.listKey]);

  const first = Math.max(0, Math.floor(viewport.top / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(
    runs.length,
    Math.ceil((viewport.top + viewport.height) / ROW_HEIGHT) + OVERSCAN
  );

  const nearEnd = last >= runs.length - LOAD_AHEAD;
  React.useEffect(() => {
    if (nearEnd && props.hasMore && !props.loadingMore) {
      props.onLoadMore();
    }
  }, [nearEnd, props.hasMore, props.loadingMore, runs.length]);

  const wide = viewport.width >= WIDE_TABLE;
  const numeric = React.useMemo(
    () => numericParams(runs, props.paramKeys),
    [runs, props.paramKeys.join('\n')]
  );
  const nameMin = React.useMemo(
    () => nameWidth(runs.map(run => run.name || run.id.slice(0, 8))),
    [runs]
  );
  const paramWidths = React.useMemo(
    () => new Map(props.paramKeys.map(key => [key, paramWidth(runs.map(run => run.params[key]))])),
    [runs, props.paramKeys.join('\n')]
  );
  const columns = fitColumns(
    viewport.width,
    props.metricKeys,
    props.paramKeys,
    numeric,
    nameMin,
    parseSort(props.sort).field,
    paramWidths
  );
  // Names that more than one loaded run has get a short id after them.
  const repeated = React.useMemo(() => repeatedNames(runs), [runs]);
  // One number format per metric column, over the loaded runs.
  const formats = React.useMemo(() => {
    const found = new Map<string, (value: number | null | undefined) => string>();
    for (const key of props.metricKeys) {
      found.set(key, columnFormat(runs.map(run => run.metrics[key])));
    }
    return found;
  }, [runs, props.metricKeys.join('\n')]);
  const columnCount = 3 + columns.length;
  const checked = props.selection.countIn(runs);

  return (
    <div className="jp-nbops-RunsTable-scroller" ref={scroller}>
      <table
        className={'jp-nbops-Table jp-nbops-RunsTable' + (wide ? '' : ' jp-mod-narrow')}
        aria-label="Runs"
        aria-rowcount={runs.length + 1}
      >
        <colgroup>
          <col style={{ width: WIDTHS.checkbox }} />
          <col style={{ width: fixedWidth(viewport.width) - WIDTHS.checkbox }} />
          <col />
          {columns.map(column => (
            <col key={column.id} style={{ width: column.width }} />
          ))}
        </colgroup>
        <thead>
          <tr aria-rowindex={1}>
            <th scope="col" className="jp-nbops-col-select">
              <SelectAll checked={checked} total={runs.length} onChange={props.onToggleAll} />
            </th>
            <SortHeader
              className="jp-nbops-col-status"
              label="Status"
              description="Run status"
              column={STATUS_COLUMN}
              sort={props.sort}
              onSort={props.onSort}
            />
            <SortHeader
              className="jp-nbops-col-name"
              label="Run"
              description="Run name (unnamed runs show their id)"
              column={NAME_COLUMN}
              sort={props.sort}
              onSort={props.onSort}
            />
            {columns.map(column => (
              <SortHeader
                key={column.id}
                className={
                  `jp-nbops-col-${column.kind}` + (column.numeric ? ' jp-mod-numeric' : '')
                }
                label={column.label}
                description={column.description}
                column={column}
                sort={props.sort}
                onSort={props.onSort}
              />
            ))}
          </tr>
        </thead>
        <tbody>
          {first > 0 && <Spacer rows={first} columns={columnCount} />}
          {runs.slice(first, last).map((run, offset) => (
            <RunRow
              key={run.id}
              run={run}
              index={first + offset}
              columns={columns}
              formats={formats}
              repeated={repeated}
              props={props}
            />
          ))}
          {last < runs.length && <Spacer rows={runs.length - last} columns={columnCount} />}
        </tbody>
      </table>
      {props.hasMore && (
        <div className="jp-nbops-RunsTable-more" role="status">
          {props.loadingMore ? 'Loading more runs…' : `${runs.length} loaded`}
        </div>
      )}
    </div>
  );
}

/** Stands for rows not rendered, so the scrollbar has the full list's height. */
function Spacer(props: { rows: number; columns: number }): JSX.Element {
  return (
    <tr className="jp-nbops-RunsTable-spacer" aria-hidden="true">
      <td colSpan={props.columns} style={{ height: props.rows * ROW_HEIGHT }} />
    </tr>
  );
}

function SelectAll(props: {
  checked: number;
  total: number;
  onChange: (select: boolean) => void;
}): JSX.Element {
  const ref = React.useRef<HTMLInputElement>(null);
  const all = props.total > 0 && props.checked === props.total;
  React.useEffect(() => {
    if (ref.current) {
      ref.current.indeterminate = props.checked > 0 && !all;
    }
  });
  return (
    <input
      ref={ref}
      type="checkbox"
      className="jp-nbops-RunsTable-check"
      aria-label="Select all loaded runs"
      title={`Select all ${props.total} loaded runs`}
      checked={all}
      disabled={props.total === 0}
      onChange={() => props.onChange(!all)}
    />
  );
}

function SortHeader(props: {
  className: string;
  label: string;
  description: string;
  column: { sortField: string; kind: string };
  sort: string;
  onSort: (column: { sortField: string; kind: string }) => void;
}): JSX.Element {
  const { field, descending } = parseSort(props.sort);
  const active = field === props.column.sortField;
  const direction = active ? (descending ? 'descending' : 'ascending') : 'none';
  return (
    <th
      scope="col"
      className={props.className + (active ? ' jp-mod-sorted' : '')}
      aria-sort={direction}
      title={`${props.description}. Click to sort` + (active ? ` (now ${direction})` : '')}
    >
      <button
        type="button"
        className="jp-nbops-SortButton"
        onClick={() => props.onSort(props.column)}
      >
        <span className="jp-nbops-SortButton-label">{props.label}</span>
        {active && <SortArrow descending={descending} />}
      </button>
    </th>
  );
}

function SortArrow(props: { descending: boolean }): JSX.Element {
  return (
    <svg
      className="jp-nbops-SortArrow"
      viewBox="0 0 8 8"
      width="8"
      height="8"
      aria-hidden="true"
      focusable="false"
    >
      <path fill="currentColor" d={props.descending ? 'M0 2h8L4 7z' : 'M0 6h8L4 1z'} />
    </svg>
  );
}

function RunRow(props: {
  run: IRun;
  index: number;
  columns: IDataColumn[];
  formats: Map<string, (value: number | null | undefined) => string>;
  repeated: ReadonlySet<string>;
  props: IRunsTableProps;
}): JSX.Element {
  const { run, index, columns, formats } = props;
  const table = props.props;
  const selected = table.selection.has(run.id);
  const label = run.name || run.id;

  const onClick = (event: React.MouseEvent) => {
    // The checkbox and the notebook button do their own thing.
    if ((event.target as HTMLElement).closest('input, button')) {
      return;
    }
    table.onOpen?.(run);
  };
  const onKeyDown = (event: React.KeyboardEvent) => {
    if (event.target !== event.currentTarget) {
      return;
    }
    if (event.key === 'Enter') {
      table.onOpen?.(run);
    } else if (event.key === ' ') {
      event.preventDefault();
      table.onToggle(index, event.shiftKey);
    }
  };

  return (
    <tr
      data-run-id={run.id}
      className={
        'jp-nbops-RunsTable-row' +
        (selected ? ' jp-mod-selected' : '') +
        (table.onOpen ? ' jp-mod-openable' : '')
      }
      aria-selected={selected}
      aria-rowindex={index + 2}
      tabIndex={0}
      onClick={onClick}
      onKeyDown={onKeyDown}
    >
      <td className="jp-nbops-col-select">
        <input
          type="checkbox"
          className="jp-nbops-RunsTable-check"
          aria-label={`Select run ${label}`}
          checked={selected}
          onChange={() => undefined}
          onClick={event => table.onToggle(index, event.shiftKey)}
        />
      </td>
      <td className="jp-nbops-col-status">
        <StatusBadge status={run.status} />
      </td>
      <td
        className="jp-nbops-col-name"
        title={runTooltip(run, table.now, table.onOpen !== null, table.paramKeys)}
      >
        <SyncBadge sync={run.sync} />
        <span className="jp-nbops-RunName">
          <RunName
            run={run}
            showExperiment={table.showExperiment}
            repeated={props.repeated.has(run.name ?? '')}
          />
        </span>
        {run.notebook_path && table.onOpenNotebook && (
          <button
            type="button"
            className="jp-nbops-RunsTable-notebook"
            aria-label={`Open notebook of run ${label}`}
            title={`Open ${run.notebook_path}`}
            onClick={() => table.onOpenNotebook!(run)}
          >
            <NotebookGlyph />
          </button>
        )}
      </td>
      {columns.map(column => (
        <DataCell
          key={column.id}
          run={run}
          column={column}
          now={table.now}
          format={formats.get(column.key) ?? formatMetric}
        />
      ))}
    </tr>
  );
}

function DataCell(props: {
  run: IRun;
  column: IDataColumn;
  now: number;
  format: (value: number | null | undefined) => string;
}): JSX.Element {
  const { run, column, now } = props;
  switch (column.kind) {
    case 'start':
      return (
        <td className="jp-nbops-col-start jp-mod-numeric" title={formatDateTime(run.start_time)}>
          {formatAge(run.start_time, now)}
        </td>
      );
    case 'duration':
      return (
        <td className="jp-nbops-col-duration jp-mod-numeric">
          {formatDuration(elapsed(run, now))}
        </td>
      );
    case 'metric': {
      const value = run.metrics[column.key];
      return (
        <td
          className={'jp-nbops-col-metric jp-mod-numeric' + (value === null ? ' jp-mod-nan' : '')}
          data-metric={column.key}
          title={
            value === undefined ? `No ${column.key}` : `${column.key} = ${formatMetric(value)}`
          }
        >
          {props.format(value)}
        </td>
      );
    }
    case 'param': {
      const value = run.params[column.key];
      return (
        <td
          className={'jp-nbops-col-param' + (column.numeric ? ' jp-mod-numeric' : '')}
          data-param={column.key}
          title={value === undefined ? `No ${column.key}` : `${column.key} = ${value}`}
        >
          {value ?? ''}
        </td>
      );
    }
  }
}

/**
 * The run's name (unnamed runs show the start of their id), then its
 * experiment when runs of several experiments are listed: truncation eats
 * the experiment first.
 */
function RunName(props: { run: IRun; showExperiment: boolean; repeated: boolean }): JSX.Element {
  const { run, showExperiment } = props;
  return (
    <>
      {run.name ? (
        <span className="jp-nbops-RunName-name">{run.name}</span>
      ) : (
        <span className="jp-nbops-RunName-id">{run.id.slice(0, 8)}</span>
      )}
      {run.name && props.repeated && (
        <span className="jp-nbops-RunName-suffix"> · {run.id.slice(-4)}</span>
      )}
      {showExperiment && <span className="jp-nbops-RunName-experiment"> · {run.experiment}</span>}
    </>
  );
}

/** Names shared by two or more runs. */
export function repeatedNames(runs: ReadonlyArray<{ name: string | null }>): Set<string> {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const run of runs) {
    if (run.name) {
      (seen.has(run.name) ? repeated : seen).add(run.name);
    }
  }
  return repeated;
}

function NotebookGlyph(): JSX.Element {
  return (
    <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M3 1.5h7.5L13 4v10.5H3zm1.5 1.5v10h7V4.7L9.8 3zM6 6.5h4V8H6zm0 2.5h4v1.5H6z"
      />
    </svg>
  );
}

/** Everything about a run, for the name cell's tooltip; first what sets it apart. */
function runTooltip(
  run: IRun,
  now: number,
  openable: boolean,
  differing: ReadonlyArray<string>
): string {
  const distinct = differing
    .filter(key => run.params[key] !== undefined)
    .map(key => `${key}=${run.params[key]}`);
  const lines = [
    (run.name || run.id.slice(0, 8)) + (distinct.length > 0 ? ` — ${distinct.join(', ')}` : ''),
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
    lines.push('Metrics: ' + metrics.map(([k, v]) => `${k}=${formatMetric(v)}`).join(', '));
  }
  if (openable) {
    lines.push('Click to open the run');
  }
  return lines.join('\n');
}
