/**
 * The runs model: what the Experiments sidebar shows.
 *
 * It holds one query (experiment, filter, sort) and the window of runs loaded
 * for it so far, page by page with the server's keyset cursor. A poll that runs
 * only while the panel is visible asks the change feed what changed since the
 * last answer: an idle project costs one tiny request per tick, a run that logs
 * is patched in place, and the loaded window is reloaded only when rows may
 * have come, gone or moved.
 */

import { NbopsAPIError, runsAPI, serverAPI } from '../../api';
import {
  FRONTEND_VERSION,
  IChangedRun,
  IExperiment,
  IRun,
  IRunsModel,
  LoadState
} from '../../tokens';
import { PollingModel } from '../PollingModel';

/** Defaults; the refresh interval is overridden by the plugin settings. */
export const DEFAULT_REFRESH_INTERVAL = 5000;
/** While a run is still logging the list refreshes at least this often. */
export const RUNNING_REFRESH_INTERVAL = 2000;
/** Newest first, as a tracker's run list usually opens. */
export const DEFAULT_SORT = '-start_time';
const MAX_BACKOFF_INTERVAL = 5 * 60 * 1000;
const PAGE_SIZE = 100;
/** The server's largest page; a window reload reads at most this per request. */
const MAX_PAGE = 1000;
/** Sort keys a run's updates cannot change, so patching in place keeps the order. */
const STABLE_SORT_KEYS = new Set(['start_time', 'id']);

type API = Pick<typeof serverAPI, 'version'> &
  Pick<typeof runsAPI, 'experiments' | 'searchRuns' | 'changes'>;

/** What the runs are filtered and sorted by, in the server's languages. */
export interface IRunsQueryState {
  experiment: string | null;
  filter: string;
  sort: string;
}

export namespace RunsModel {
  export interface IOptions {
    /** REST client; tests pass a fake. */
    api?: API;
    /** Milliseconds between refreshes while visible. */
    refreshInterval?: number;
    pageSize?: number;
  }
}

export class RunsModel extends PollingModel implements IRunsModel {
  constructor(options: RunsModel.IOptions = {}) {
    const interval = options.refreshInterval ?? DEFAULT_REFRESH_INTERVAL;
    super({ interval, maxInterval: MAX_BACKOFF_INTERVAL, name: 'nbops:runs' });
    this._api = options.api ?? { ...serverAPI, ...runsAPI };
    this._interval = interval;
    this._pageSize = options.pageSize ?? PAGE_SIZE;
  }

  get state(): LoadState {
    return this._state;
  }

  get error(): string | null {
    return this._error;
  }

  /** The server's message about the last filter or sort it refused. */
  get queryError(): string | null {
    return this._queryError;
  }

  /** A non-fatal notice, e.g. a server/frontend version mismatch. */
  get warning(): string | null {
    return this._warning;
  }

  /** Why the current filter matched nothing, when the server knows (an unknown key). */
  get notice(): string | null {
    return this._notice;
  }

  /** The filter the server last refused (shown while {@link queryError} is set). */
  get refusedFilter(): string | null {
    return this._refusedFilter;
  }

  /** Runs the change feed reported deleted since the sidebar opened (e.g. to uncheck them). */
  get deletedIds(): ReadonlySet<string> {
    return this._deletedIds;
  }

  get runs(): ReadonlyArray<IRun> {
    return this._runs;
  }

  get experiments(): ReadonlyArray<IExperiment> {
    return this._experiments;
  }

  get hasMore(): boolean {
    return this._nextCursor !== null;
  }

  get loadingMore(): boolean {
    return this._loadingMore;
  }

  get serverVersion(): string | null {
    return this._serverVersion;
  }

  get lastUpdated(): Date | null {
    return this._lastUpdated;
  }

  /** The query whose runs are shown (the last one the server accepted). */
  get query(): Readonly<IRunsQueryState> {
    return this._query;
  }

  /** Experiment whose runs are listed; `null` lists every experiment. */
  get experiment(): string | null {
    return this._query.experiment;
  }

  set experiment(name: string | null) {
    void this.setQuery({ experiment: name });
  }

  /** Number of runs the current query matches, when the server says so. */
  get total(): number | null {
    if (this._query.filter) {
      return this.hasMore ? null : this._runs.length;
    }
    const { experiment } = this._query;
    if (experiment === null) {
      return this._experiments.reduce((sum, e) => sum + e.run_count, 0);
    }
    return this._experiments.find(e => e.name === experiment)?.run_count ?? null;
  }

  /**
   * Show the runs of another query. A filter or sort the server refuses
   * leaves the shown runs alone and sets {@link queryError}.
   *
   * @returns whether the server accepted the query
   */
  async setQuery(change: Partial<IRunsQueryState>): Promise<boolean> {
    // On top of a query still in flight: a sort clicked while a filter loads keeps the filter.
    const next = { ...(this._pending ?? this._query), ...change };
    next.filter = next.filter.trim();
    if (sameQuery(next, this._query) && this._pending === null && this._queryError === null) {
      return true;
    }
    const generation = ++this._generation;
    if (next.experiment !== this._query.experiment) {
      // Another experiment is another list: do not show the old one meanwhile.
      this._runs = [];
      this._nextCursor = null;
      this._state = 'loading';
    }
    this._pending = next;
    this.emitChanged();
    try {
      const page = await this._api.searchRuns({ ...next, limit: this._pageSize });
      if (generation !== this._generation || this.isDisposed) {
        return true;
      }
      this._query = next;
      this._queryError = null;
      this._refusedFilter = null;
      this._notice = page.notice ?? null;
      this._pending = null;
      this._setWindow(page.runs, page.next_cursor);
      return true;
    } catch (error) {
      if (generation !== this._generation || this.isDisposed) {
        return false;
      }
      this._pending = null;
      if (error instanceof NbopsAPIError && error.status === 400) {
        this._queryError = error.message;
        this._refusedFilter = next.filter;
        if (this._state === 'loading') {
          this._state = 'ready';
        }
        this.emitChanged();
        return false;
      }
      this._fail(error);
      return false;
    }
  }

  /** A query sent but not answered yet (the view shows it as loading). */
  get pendingQuery(): Readonly<IRunsQueryState> | null {
    return this._pending;
  }

  /** Changes may have piled up while hidden: read the window afresh. */
  protected onShow(): void {
    this._stale = true;
  }

  get refreshInterval(): number {
    return this._interval;
  }

  set refreshInterval(ms: number) {
    this._interval = Math.max(500, ms);
    this._applyFrequency();
  }

  /** Reload the experiments and the loaded window now. */
  async refresh(): Promise<void> {
    this._stale = true;
    await super.refresh();
  }

  /** Append the next page of runs (the view asks as the user scrolls near the end). */
  async loadMore(): Promise<void> {
    if (this._nextCursor === null || this._loadingMore) {
      return;
    }
    this._loadingMore = true;
    const generation = this._generation;
    this.emitChanged();
    try {
      // Pages grow with the list: a user scrolling deep gets there in a few requests.
      const limit = Math.min(MAX_PAGE, Math.max(this._pageSize, Math.floor(this._runs.length / 2)));
      const page = await this._api.searchRuns({
        ...this._query,
        limit,
        cursor: this._nextCursor
      });
      if (generation !== this._generation || this.isDisposed) {
        return;
      }
      const known = new Set(this._runs.map(run => run.id));
      const fresh = page.runs.filter(run => !known.has(run.id));
      this._runs = this._runs.concat(fresh);
      // A page with nothing new would be asked for again and again.
      this._nextCursor = fresh.length > 0 ? page.next_cursor : null;
    } catch (error) {
      if (generation === this._generation) {
        this._fail(error);
      }
    } finally {
      this._loadingMore = false;
      if (!this.isDisposed) {
        this.emitChanged();
      }
    }
  }

  /** One poll tick: a full read when stale, else the change feed. */
  protected async tick(): Promise<void> {
    try {
      if (this._serverVersion === null) {
        const { version } = await this._api.version();
        this._serverVersion = version;
        this._warning = versionWarning(version);
      }
      if (this._stale || this._seq === null || this._state === 'error') {
        await this._reload();
        return;
      }
      const changes = await this._api.changes(this._seq);
      if (changes.reset || changes.more) {
        // The store was replaced, or so much changed that rereading is cheaper.
        await this._reload();
        return;
      }
      this._seq = changes.seq;
      if (changes.runs.length > 0) {
        await this._applyChanges(changes.runs);
      }
    } catch (error) {
      this._fail(error);
      // Rejecting makes the poll back off until the server answers again.
      throw error;
    }
  }

  /** Patch runs in place when that keeps the list right; else reload the window. */
  private async _applyChanges(changed: IChangedRun[]): Promise<void> {
    for (const run of changed) {
      if (run.deleted_at) {
        this._deletedIds.add(run.id);
      } else {
        this._deletedIds.delete(run.id);
      }
    }
    const { experiment, filter, sort } = this._query;
    const relevant = changed.filter(run => experiment === null || run.experiment === experiment);
    const index = new Map(this._runs.map((run, i) => [run.id, i]));
    const comesOrGoes = changed.some(run => !index.has(run.id) || run.deleted_at);
    const stableOrder = !filter && STABLE_SORT_KEYS.has(sort.replace(/^-/, ''));
    const patchable = relevant.every(run => index.has(run.id) && !run.deleted_at && stableOrder);
    if (!patchable) {
      await this._reload(comesOrGoes);
      return;
    }
    const runs = this._runs.slice();
    for (const run of relevant) {
      runs[index.get(run.id)!] = run;
    }
    this._runs = runs;
    if (comesOrGoes) {
      // Runs of other experiments came or went: only the counts change.
      this._experiments = (await this._api.experiments()).experiments;
    }
    this._lastUpdated = new Date();
    this._applyFrequency();
    this.emitChanged();
  }

  /**
   * Read the change-feed position, the experiments and as many runs as are
   * loaded now, so scrolling position and selection survive the refresh.
   */
  private async _reload(withExperiments = true): Promise<void> {
    const generation = ++this._generation;
    const query = this._query;
    // The seq first: a change made while the pages load is seen next tick.
    const { seq } = await this._api.changes(null);
    const wanted = Math.max(this._pageSize, this._runs.length);
    const [experiments, window] = await Promise.all([
      withExperiments || this._experiments.length === 0
        ? this._api.experiments().then(r => r.experiments)
        : Promise.resolve(this._experiments),
      this._readWindow(query, wanted)
    ]);
    if (generation !== this._generation || this.isDisposed) {
      return;
    }
    this._seq = seq;
    this._stale = false;
    this._experiments = experiments;
    this._setWindow(window.runs, window.cursor);
  }

  private async _readWindow(
    query: IRunsQueryState,
    wanted: number
  ): Promise<{ runs: IRun[]; cursor: string | null }> {
    let runs: IRun[] = [];
    let cursor: string | null = null;
    do {
      const page = await this._api.searchRuns({
        ...query,
        limit: Math.min(MAX_PAGE, wanted - runs.length),
        cursor
      });
      runs = runs.concat(page.runs);
      cursor = page.next_cursor;
    } while (cursor !== null && runs.length < wanted);
    return { runs, cursor };
  }

  private _setWindow(runs: IRun[], cursor: string | null): void {
    this._runs = runs;
    this._nextCursor = cursor;
    this._state = 'ready';
    this._error = null;
    this._lastUpdated = new Date();
    this._applyFrequency();
    this.emitChanged();
  }

  private _fail(error: unknown): void {
    this._state = 'error';
    this._error = error instanceof Error ? error.message : String(error);
    if (!this.isDisposed) {
      this.emitChanged();
    }
  }

  /** Refresh faster while some listed run is still logging. */
  private _applyFrequency(): void {
    const running = this._runs.some(run => run.status === 'running');
    const interval = running ? Math.min(this._interval, RUNNING_REFRESH_INTERVAL) : this._interval;
    this.pollInterval = interval;
  }

  private _api: API;
  private _error: string | null = null;
  private _experiments: IExperiment[] = [];
  /** Bumped by every query change and window reload; stale answers are dropped. */
  private _generation = 0;
  private _interval: number;
  private _lastUpdated: Date | null = null;
  private _loadingMore = false;
  private _nextCursor: string | null = null;
  private _pageSize: number;
  private _pending: IRunsQueryState | null = null;
  private _query: IRunsQueryState = { experiment: null, filter: '', sort: DEFAULT_SORT };
  private _queryError: string | null = null;
  private _runs: IRun[] = [];
  private _deletedIds = new Set<string>();
  private _notice: string | null = null;
  private _refusedFilter: string | null = null;
  private _seq: number | null = null;
  private _serverVersion: string | null = null;
  private _stale = true;
  private _state: LoadState = 'loading';
  private _warning: string | null = null;
}

function sameQuery(a: IRunsQueryState, b: IRunsQueryState): boolean {
  return a.experiment === b.experiment && a.filter === b.filter && a.sort === b.sort;
}

/** Warn when server and frontend come from different nbops releases. */
export function versionWarning(serverVersion: string): string | null {
  const majorMinor = (version: string) => version.split('.').slice(0, 2).join('.');
  if (majorMinor(serverVersion) === majorMinor(FRONTEND_VERSION)) {
    return null;
  }
  return (
    `nbops server ${serverVersion} and Lab extension ${FRONTEND_VERSION} ` +
    'differ: reinstall nbops and restart JupyterLab.'
  );
}
