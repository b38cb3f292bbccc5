/**
 * Which columns the runs table shows: the metric and param keys (configured
 * or picked from the loaded runs), how many fit the sidebar's width, and the
 * server sort key of each.
 */
import { IRun } from '../../tokens';

/** A sortable column after the fixed status and name columns. */
export interface IDataColumn {
  /** Unique among the columns, e.g. `metric:auc`. */
  id: string;
  kind: 'start' | 'duration' | 'metric' | 'param';
  /** Metric or param key. */
  key: string;
  label: string;
  /** Header tooltip. */
  description: string;
  /** Field of the server's sort language, e.g. `metrics.auc`. */
  sortField: string;
  width: number;
  /** Right-aligned (numbers line up); text params stay left-aligned. */
  numeric: boolean;
}

/** Fixed widths in px; the run name takes what is left. */
export const WIDTHS = {
  checkbox: 24,
  statusIcon: 24,
  statusWord: 84,
  nameMin: 80,
  nameMax: 170,
  start: 62,
  duration: 58,
  metric: 58,
  param: 52,
  paramMax: 110
};

/** From this table width on, the status column shows its word too. */
export const WIDE_TABLE = 400;

/** `auc` stays bare; `learning rate` needs backticks in the filter/sort language. */
export function fieldName(family: 'metrics' | 'params', key: string): string {
  return /^[\w\-./]+$/.test(key) ? `${family}.${key}` : `${family}.\`${key}\``;
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
    return [...configured];
  }
  return byFrequency(runs.map(run => Object.keys(run.metrics))).slice(0, max);
}

/**
 * Param columns to show: the configured keys, else the params whose values
 * differ between the loaded runs (a constant param tells nothing in a list),
 * the most common first.
 */
export function pickParamColumns(
  runs: ReadonlyArray<IRun>,
  configured: ReadonlyArray<string>,
  max: number
): string[] {
  if (configured.length > 0) {
    return [...configured];
  }
  const values = new Map<string, Set<string>>();
  for (const run of runs) {
    for (const [key, value] of Object.entries(run.params)) {
      let seen = values.get(key);
      if (!seen) {
        seen = new Set();
        values.set(key, seen);
      }
      if (seen.size < 2) {
        seen.add(value);
      }
    }
  }
  const varying = new Set([...values].filter(([, v]) => v.size > 1).map(([k]) => k));
  return byFrequency(
    runs.map(run => Object.keys(run.params).filter(key => varying.has(key)))
  ).slice(0, max);
}

/** The params among `keys` whose loaded values are all numbers. */
export function numericParams(runs: ReadonlyArray<IRun>, keys: ReadonlyArray<string>): Set<string> {
  const numeric = new Set(keys);
  for (const run of runs) {
    for (const key of numeric) {
      const value = run.params[key];
      if (value !== undefined && (value.trim() === '' || isNaN(Number(value)))) {
        numeric.delete(key);
      }
    }
    if (numeric.size === 0) {
      break;
    }
  }
  return numeric;
}

function byFrequency(keyLists: string[][]): string[] {
  const counts = new Map<string, number>();
  for (const keys of keyLists) {
    for (const key of keys) {
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0], undefined, { numeric: true }))
    .map(([key]) => key);
}

function metricColumn(key: string): IDataColumn {
  return {
    id: `metric:${key}`,
    kind: 'metric',
    key,
    label: key,
    description: `Metric ${key} (latest value)`,
    sortField: fieldName('metrics', key),
    width: WIDTHS.metric,
    numeric: true
  };
}

function paramColumn(key: string, numeric: boolean, width: number = WIDTHS.param): IDataColumn {
  return {
    id: `param:${key}`,
    kind: 'param',
    key,
    label: key,
    description: `Param ${key}`,
    sortField: fieldName('params', key),
    width,
    numeric
  };
}

const START: IDataColumn = {
  id: 'start',
  kind: 'start',
  key: 'start_time',
  label: 'Started',
  description: 'When the run started',
  sortField: 'start_time',
  width: WIDTHS.start,
  numeric: true
};

const DURATION: IDataColumn = {
  id: 'duration',
  kind: 'duration',
  key: 'duration',
  label: 'Duration',
  description: 'How long the run took (so far, while running)',
  sortField: 'duration',
  width: WIDTHS.duration,
  numeric: true
};

/** Width the run names need (about 7 px a character at the table's font), within bounds. */
export function nameWidth(names: ReadonlyArray<string>): number {
  const longest = names.reduce((most, name) => Math.max(most, name.length), 0);
  return Math.min(WIDTHS.nameMax, Math.max(WIDTHS.nameMin, 7 * longest + 12));
}

/** Width a param column needs for its longest loaded value (`0.0001` is not cut to `0.0…`). */
export function paramWidth(values: ReadonlyArray<string | undefined>): number {
  const longest = values.reduce((most, value) => Math.max(most, value?.length ?? 0), 0);
  return Math.min(WIDTHS.paramMax, Math.max(WIDTHS.param, 8 * longest + 14));
}

/**
 * The data columns that fit `tableWidth`, in display order (start, duration,
 * metrics, params). The name keeps `nameMin` px: runs are told apart by name
 * first. Then the first metric and param (what a user compares), the start,
 * the duration; the name cell's tooltip always has everything. The sorted
 * column is widened so its header and arrow are not cut.
 */
export function fitColumns(
  tableWidth: number,
  metricKeys: ReadonlyArray<string>,
  paramKeys: ReadonlyArray<string>,
  numericParams: ReadonlySet<string> = new Set(),
  nameMin: number = WIDTHS.nameMin,
  sortField = '',
  paramWidths: ReadonlyMap<string, number> = new Map()
): IDataColumn[] {
  const widen = (column: IDataColumn): IDataColumn =>
    column.sortField === sortField
      ? { ...column, width: Math.min(140, Math.max(column.width, 7 * column.label.length + 22)) }
      : column;
  const metrics = metricKeys.map(metricColumn).map(widen);
  const params = paramKeys
    .map(key => paramColumn(key, numericParams.has(key), paramWidths.get(key)))
    .map(widen);
  const start = widen(START);
  const duration = widen(DURATION);
  const priority: IDataColumn[] = [];
  if (metrics[0]) {
    priority.push(metrics[0]);
  }
  if (params[0]) {
    priority.push(params[0]);
  }
  priority.push(start, duration);
  const rest = Math.max(metrics.length, params.length);
  for (let i = 1; i < rest; i++) {
    if (metrics[i]) {
      priority.push(metrics[i]);
    }
    if (params[i]) {
      priority.push(params[i]);
    }
  }
  let left = tableWidth - fixedWidth(tableWidth) - nameMin;
  const shown = new Set<string>();
  for (const column of priority) {
    if (column.width > left) {
      break;
    }
    left -= column.width;
    shown.add(column.id);
  }
  return [start, duration, ...metrics, ...params].filter(c => shown.has(c.id));
}

/** Checkbox and status columns. */
export function fixedWidth(tableWidth: number): number {
  return WIDTHS.checkbox + (tableWidth >= WIDE_TABLE ? WIDTHS.statusWord : WIDTHS.statusIcon);
}

/** Parse a sort string of the server: `-metrics.auc` → field and direction. */
export function parseSort(sort: string): { field: string; descending: boolean } {
  return sort.startsWith('-')
    ? { field: sort.slice(1), descending: true }
    : { field: sort, descending: false };
}

/**
 * The sort after clicking a column header: the same column flips direction; a
 * new column starts with what one looks for first (best metric, newest or
 * longest run, names and params A→Z).
 */
export function nextSort(current: string, field: string, kind: string): string {
  const { field: currentField, descending } = parseSort(current);
  if (currentField === field) {
    return descending ? field : `-${field}`;
  }
  const descFirst = kind === 'metric' || kind === 'start' || kind === 'duration';
  return descFirst ? `-${field}` : field;
}
