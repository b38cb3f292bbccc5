/**
 * The data behind one Compare panel: the comparison of its runs and, on demand,
 * the downsampled series of the metric being plotted.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { compareAPI, runsAPI } from '../../api';
import { ICompareRun, IComparison, IMetricSeries } from '../../tokens';

/** Points per run and metric: enough for a panel-wide chart, light to draw. */
export const MAX_POINTS = 1000;

export type CompareState = 'loading' | 'ready' | 'error';

/** What the user chose to look at; saved with the panel so a reload keeps it. */
export interface ICompareView {
  metric?: string;
  xAxis?: 'step' | 'wall_time' | 'relative_time';
  smoothing?: number;
  logY?: boolean;
  grouping?: string;
  differencesOnly?: boolean;
}

export class CompareModel {
  constructor(
    readonly runIds: string[],
    view: ICompareView = {}
  ) {
    this._view = { ...view };
  }

  /** Emitted when the view changes (not the data): the panel saves it. */
  get viewChanged(): ISignal<CompareModel, void> {
    return this._viewChanged;
  }

  get view(): Readonly<ICompareView> {
    return this._view;
  }

  setView(patch: ICompareView): void {
    const next = { ...this._view, ...patch };
    if (JSON.stringify(next) !== JSON.stringify(this._view)) {
      this._view = next;
      this._viewChanged.emit();
    }
  }

  get changed(): ISignal<CompareModel, void> {
    return this._changed;
  }

  get state(): CompareState {
    return this._state;
  }

  get error(): string | null {
    return this._error;
  }

  get comparison(): IComparison | null {
    return this._comparison;
  }

  /** Runs shown: those that exist and are not deleted, in the requested order. */
  get runs(): ICompareRun[] {
    return (this._comparison?.runs ?? []).filter(run => run.deleted_at === null);
  }

  /** Runs left out because they were soft-deleted. */
  get deletedRuns(): ICompareRun[] {
    return (this._comparison?.runs ?? []).filter(run => run.deleted_at !== null);
  }

  get missingRuns(): string[] {
    return this._comparison?.missing_runs ?? [];
  }

  async load(): Promise<void> {
    this._state = 'loading';
    this._error = null;
    this._changed.emit();
    try {
      this._comparison = await compareAPI.compare(this.runIds);
      labelDuplicates(this._comparison.runs);
      this._series.clear();
      this._state = 'ready';
    } catch (error) {
      this._error = (error as Error).message;
      this._state = 'error';
    }
    this._changed.emit();
  }

  /**
   * The series of `key` for each shown run; a run that never logged it maps to
   * `null`. Cached per run and key, so switching metrics back is instant.
   */
  async series(key: string): Promise<Map<string, IMetricSeries | null>> {
    const entries = await Promise.all(
      this.runs.map(async run => {
        const cacheKey = `${run.id}\u0000${key}`;
        let pending = this._series.get(cacheKey);
        if (!pending) {
          pending = runsAPI
            .runMetrics(run.id, [key], MAX_POINTS)
            .then(answer => answer.metrics[key] ?? null);
          pending.catch(() => this._series.delete(cacheKey));
          this._series.set(cacheKey, pending);
        }
        return [run.id, await pending] as const;
      })
    );
    return new Map(entries);
  }

  private _changed = new Signal<CompareModel, void>(this);
  private _viewChanged = new Signal<CompareModel, void>(this);
  private _view: ICompareView;
  private _state: CompareState = 'loading';
  private _error: string | null = null;
  private _comparison: IComparison | null = null;
  private _series = new Map<string, Promise<IMetricSeries | null>>();
}

/** Labels of runs whose names collide within one comparison. */
const distinctLabels = new WeakMap<object, string>();

/** Runs sharing a name get the end of their id (its random part) after it (`sgd · 3f9c`). */
export function labelDuplicates(runs: ReadonlyArray<{ id: string; name: string | null }>): void {
  const counts = new Map<string, number>();
  for (const run of runs) {
    if (run.name) {
      counts.set(run.name, (counts.get(run.name) ?? 0) + 1);
    }
  }
  for (const run of runs) {
    if (run.name && counts.get(run.name)! > 1) {
      distinctLabels.set(run, `${run.name} · ${run.id.slice(-4)}`);
    }
  }
}

/** `name` or the short id: what a column header or legend shows for a run. */
export function runLabel(run: { id: string; name: string | null }): string {
  return distinctLabels.get(run) ?? (run.name || run.id.slice(0, 8));
}
