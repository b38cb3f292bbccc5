/**
 * Grouping runs by their params, e.g. seed replicates of one config.
 *
 * "Everything except seed" puts runs whose other params are all equal in one
 * group: the natural way to read replicates. "By lr" groups on one param.
 */
import { ICompareRow } from '../../tokens';

export type Grouping =
  { kind: 'none' } | { kind: 'by'; param: string } | { kind: 'except'; param: string };

export interface IRunGroup {
  /** Stable key of the group (its defining values). */
  key: string;
  /** Human label, e.g. `lr=0.1 · model=rf`. */
  label: string;
  /** Member run ids in display order. */
  runs: string[];
}

const UNSET = '(unset)';

/** Serialize a grouping for the restorer and `<select>` values. */
export function groupingValue(grouping: Grouping): string {
  return grouping.kind === 'none' ? 'none' : `${grouping.kind}:${grouping.param}`;
}

export function parseGrouping(value: string): Grouping {
  const [kind, ...rest] = value.split(':');
  const param = rest.join(':');
  if ((kind === 'by' || kind === 'except') && param) {
    return { kind, param };
  }
  return { kind: 'none' };
}

/**
 * Split `runIds` into groups by `grouping`, groups in order of their first run.
 * Labels name only params that differ between runs, so they stay short.
 */
export function groupRuns(
  runIds: string[],
  params: ICompareRow[],
  grouping: Grouping
): IRunGroup[] {
  if (grouping.kind === 'none') {
    return runIds.map(id => ({ key: id, label: id, runs: [id] }));
  }
  const keyParams =
    grouping.kind === 'by'
      ? params.filter(row => row.key === grouping.param)
      : params.filter(row => row.key !== grouping.param && row.differs);
  const groups = new Map<string, IRunGroup>();
  for (const id of runIds) {
    const values = keyParams.map(row => row.values[id] ?? UNSET);
    const key = JSON.stringify(values);
    let group = groups.get(key);
    if (!group) {
      const label = keyParams.length
        ? keyParams.map((row, i) => `${row.key}=${values[i]}`).join(' · ')
        : 'all runs';
      group = { key, label, runs: [] };
      groups.set(key, group);
    }
    group.runs.push(id);
  }
  return [...groups.values()];
}

/**
 * The grouping choices worth offering: for each param that differs, "except"
 * (replicates) and "by". Seed-like params come first since they are the usual case.
 */
export function groupingChoices(params: ICompareRow[]): Grouping[] {
  const differing = params.filter(row => row.differs).map(row => row.key);
  const seedFirst = [...differing].sort(
    (a, b) => Number(!/seed/i.test(a)) - Number(!/seed/i.test(b))
  );
  const choices: Grouping[] = [];
  for (const param of seedFirst) {
    choices.push({ kind: 'except', param });
  }
  for (const param of differing) {
    choices.push({ kind: 'by', param });
  }
  return choices;
}

export function groupingLabel(grouping: Grouping): string {
  switch (grouping.kind) {
    case 'none':
      return 'No grouping';
    case 'by':
      return `By ${grouping.param}`;
    case 'except':
      return `By everything except ${grouping.param}`;
  }
}
