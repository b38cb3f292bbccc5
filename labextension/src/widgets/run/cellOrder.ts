/**
 * Did a run's cells execute in notebook order? The kernel records cells in the
 * order they ran; the notebook (when it can still be read) gives their position.
 */
import { IExecutedCell } from '../../tokens';

/** One executed cell, with its position in the notebook when it was found there. */
export interface IPlacedCell extends IExecutedCell {
  /** 0-based index of the notebook cell with this source, or null. */
  notebookIndex: number | null;
  /** The same source ran earlier in this run. */
  rerun: boolean;
  /** It ran after a cell placed below it in the notebook. */
  late: boolean;
}

export interface ICellOrderReport {
  cells: IPlacedCell[];
  /** Sources executed more than once, with the execution counts of each run. */
  repeated: { source: string; counts: number[] }[];
  /** A cell that ran after a cell placed below it in the notebook. */
  outOfOrder: { cell: IPlacedCell; after: IPlacedCell }[];
}

function normalize(source: string): string {
  return source.replace(/\r\n/g, '\n').trim();
}

/**
 * Place each executed cell in the notebook (by its source) and list what ran
 * twice or before a cell above it.
 *
 * @param cells - as recorded, in execution order
 * @param notebookSources - sources of the notebook's code cells in notebook order, or null
 */
export function checkCellOrder(
  cells: IExecutedCell[],
  notebookSources: string[] | null
): ICellOrderReport {
  const positions = new Map<string, number>();
  (notebookSources ?? []).forEach((source, index) => {
    const key = normalize(source);
    if (key && !positions.has(key)) {
      positions.set(key, index);
    }
  });
  const seen = new Set<string>();
  const placed: IPlacedCell[] = cells.map(cell => {
    const key = normalize(cell.source);
    const rerun = key !== '' && seen.has(key);
    seen.add(key);
    return {
      ...cell,
      notebookIndex: positions.get(key) ?? null,
      rerun,
      late: false
    };
  });

  const bySource = new Map<string, number[]>();
  for (const cell of placed) {
    const key = normalize(cell.source);
    if (key) {
      bySource.set(key, [...(bySource.get(key) ?? []), cell.execution_count]);
    }
  }
  const repeated = [...bySource.entries()]
    .filter(([, counts]) => counts.length > 1)
    .map(([source, counts]) => ({ source, counts }));

  const outOfOrder: ICellOrderReport['outOfOrder'] = [];
  let furthest: IPlacedCell | null = null;
  for (const cell of placed) {
    if (cell.notebookIndex === null) {
      continue;
    }
    if (furthest !== null && cell.notebookIndex < furthest.notebookIndex!) {
      cell.late = true;
      outOfOrder.push({ cell, after: furthest });
    } else {
      furthest = cell;
    }
  }
  return { cells: placed, repeated, outOfOrder };
}
