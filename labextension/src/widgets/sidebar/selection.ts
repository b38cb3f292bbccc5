/**
 * The runs checked in the sidebar: ids, so the selection survives refreshes,
 * re-sorting and runs that scroll out of the loaded window.
 */
import { IRun } from '../../tokens';

export class RunSelection {
  get size(): number {
    return this._ids.size;
  }

  has(id: string): boolean {
    return this._ids.has(id);
  }

  /**
   * Toggle the run at `index` of `runs`; with `range` (shift-click) every run
   * between the last toggled one and this one takes this one's new state.
   */
  toggle(runs: ReadonlyArray<IRun>, index: number, range: boolean): void {
    const run = runs[index];
    const select = !this._ids.has(run.id);
    const anchor = this._anchor === null ? -1 : runs.findIndex(r => r.id === this._anchor);
    if (range && anchor >= 0) {
      const [from, to] = anchor < index ? [anchor, index] : [index, anchor];
      for (let i = from; i <= to; i++) {
        this._set(runs[i].id, select);
      }
    } else {
      this._set(run.id, select);
    }
    this._anchor = run.id;
  }

  /** Check or uncheck every loaded run. */
  setAll(runs: ReadonlyArray<IRun>, select: boolean): void {
    for (const run of runs) {
      this._set(run.id, select);
    }
    this._anchor = null;
  }

  /** How many of `runs` are checked: drives the select-all box. */
  countIn(runs: ReadonlyArray<IRun>): number {
    let count = 0;
    for (const run of runs) {
      if (this._ids.has(run.id)) {
        count++;
      }
    }
    return count;
  }

  /** Uncheck runs that are gone (deleted), so the count says what Compare would get. */
  forget(ids: Iterable<string>): void {
    for (const id of ids) {
      this._ids.delete(id);
    }
  }

  clear(): void {
    this._ids.clear();
    this._anchor = null;
  }

  /** Selected ids in table order; ids not loaded any more come last. */
  ordered(runs: ReadonlyArray<IRun>): string[] {
    const shown = runs.filter(run => this._ids.has(run.id)).map(run => run.id);
    const seen = new Set(shown);
    return shown.concat([...this._ids].filter(id => !seen.has(id)));
  }

  private _set(id: string, select: boolean): void {
    if (select) {
      this._ids.add(id);
    } else {
      this._ids.delete(id);
    }
  }

  private _anchor: string | null = null;
  private _ids = new Set<string>();
}
