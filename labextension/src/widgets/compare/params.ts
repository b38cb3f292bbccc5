/**
 * Params as chart axes: numeric when every run has a number, else categorical.
 */
import { ICompareMetricRow, ICompareRow, ICompareRun } from '../../tokens';

export interface IParamAxis {
  key: string;
  numeric: boolean;
  /** Position of each run on the axis (category index when categorical). */
  values: number[];
  /** Labels of the categories, in axis order (empty when numeric). */
  categories: string[];
}

const UNSET = '(unset)';

export function paramAxis(row: ICompareRow, runs: ICompareRun[]): IParamAxis {
  const raw = runs.map(run => row.values[run.id]);
  const numbers = raw.map(value =>
    value === null || value === undefined || value.trim() === '' ? NaN : Number(value)
  );
  if (numbers.every(Number.isFinite)) {
    return { key: row.key, numeric: true, values: numbers, categories: [] };
  }
  const labels = raw.map(value => value ?? UNSET);
  const categories = [...new Set(labels)].sort((a, b) =>
    a.localeCompare(b, undefined, { numeric: true })
  );
  return {
    key: row.key,
    numeric: false,
    values: labels.map(label => categories.indexOf(label)),
    categories
  };
}

/** The params worth plotting: those that differ, or all when none does. */
export function plottedParams(params: ICompareRow[]): ICompareRow[] {
  const differing = params.filter(row => row.differs);
  return differing.length > 0 ? differing : params;
}

/** Each run's last value of `metric`, `null` when it lacks it or it is NaN. */
export function lastValues(
  row: ICompareMetricRow | undefined,
  runs: ICompareRun[]
): (number | null)[] {
  return runs.map(run => {
    const value = row?.values[run.id]?.last;
    return value === null || value === undefined || !Number.isFinite(value) ? null : value;
  });
}

/**
 * Whether numbers spread over two decades or more, all positive (alpha 1e-4 … 1e-1):
 * a linear axis would put most of them at 0.
 */
export function wantsLogAxis(values: number[]): boolean {
  const finite = values.filter(Number.isFinite);
  if (finite.length < 2 || finite.some(v => v <= 0)) {
    return false;
  }
  return Math.max(...finite) / Math.min(...finite) >= 100;
}

/** Log10 positions with ticks at the powers of ten, for axes without a log type (parcoords). */
export function logDimension(values: number[]): {
  values: number[];
  tickvals: number[];
  ticktext: string[];
} {
  const logs = values.map(Math.log10);
  const low = Math.floor(Math.min(...logs));
  const high = Math.ceil(Math.max(...logs));
  const tickvals: number[] = [];
  for (let power = low; power <= high; power++) {
    tickvals.push(power);
  }
  return { values: logs, tickvals, ticktext: tickvals.map(power => `1e${power}`) };
}
