/**
 * The runs model: what the Experiments sidebar shows, kept fresh by a poll
 * that runs while the panel is visible and backs off when the server fails.
 */
import { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { nbopsAPI } from './api';
import {
  FRONTEND_VERSION,
  IExperiment,
  IRun,
  IRunsModel,
  LoadState
} from './tokens';

/** Defaults; the refresh interval is overridden by the plugin settings. */
export const DEFAULT_REFRESH_INTERVAL = 5000;
/** While a run is still logging the list refreshes at least this often. */
export const RUNNING_REFRESH_INTERVAL = 2000;
const MAX_BACKOFF_INTERVAL = 5 * 60 * 1000;
const PAGE_SIZE = 100;
/** A refresh re-reads every run already shown, up to this many. */
const MAX_REFRESH_LIMIT = 1000;

type API = Pick<typeof nbopsAPI, 'version' | 'experiments' | 'runs'>;

export namespace RunsModel {
  export interface IOptions {
    /** REST client; tests pass a fake. */
    api?: API;
    /** Milliseconds between refreshes while visible. */
    refreshInterval?: number;
    pageSize?: number;
  }
}

export class RunsModel implements IRunsModel, IDisposable {
  constructor(options: RunsModel.IOptions = {}) {
    this._api = options.api ?? nbopsAPI;
    this._interval = options.refreshInterval ?? DEFAULT_REFRESH_INTERVAL;
    this._pageSize = options.pageSize ?? PAGE_SIZE;
    this._poll = new Poll({
      auto: false,
      factory: () => this._fetch(),
      frequency: {
        interval: this._interval,
        backoff: true,
        max: MAX_BACKOFF_INTERVAL
      },
      name: 'nbops:runs',
      // Sleep while the sidebar panel is closed or the browser tab is hidden.
      standby: () => !this._visible || 'when-hidden'
    });
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get state(): LoadState {
    return this._state;
  }

  get error(): string | null {
    return this._error;
  }

  /** A non-fatal notice, e.g. a server/frontend version mismatch. */
  get warning(): string | null {
    return this._warning;
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

  get serverVersion(): string | null {
    return this._serverVersion;
  }

  get lastUpdated(): Date | null {
    return this._lastUpdated;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Experiment whose runs are listed; `null` lists every experiment. */
  get experiment(): string | null {
    return this._experiment;
  }

  set experiment(name: string | null) {
    if (name === this._experiment) {
      return;
    }
    this._experiment = name;
    this._runs = [];
    this._nextCursor = null;
    this._state = 'loading';
    this._changed.emit();
    void this._poll.refresh();
  }

  /** Whether the panel showing this model is visible; polls only then. */
  get visible(): boolean {
    return this._visible;
  }

  set visible(visible: boolean) {
    if (visible === this._visible) {
      return;
    }
    this._visible = visible;
    if (visible) {
      void this._poll.start();
      void this._poll.refresh();
    }
  }

  get refreshInterval(): number {
    return this._interval;
  }

  set refreshInterval(ms: number) {
    this._interval = Math.max(500, ms);
    this._applyFrequency();
  }

  async refresh(): Promise<void> {
    if (this._visible) {
      await this._poll.start();
    }
    await this._poll.refresh();
    await this._poll.tick;
  }

  /** Append the next page of runs. */
  async loadMore(): Promise<void> {
    if (this._nextCursor === null || this._loadingMore) {
      return;
    }
    this._loadingMore = true;
    const experiment = this._experiment;
    try {
      const page = await this._api.runs({
        experiment,
        limit: this._pageSize,
        cursor: this._nextCursor
      });
      if (experiment !== this._experiment) {
        return;
      }
      const known = new Set(this._runs.map(run => run.id));
      this._runs = this._runs.concat(page.runs.filter(run => !known.has(run.id)));
      this._nextCursor = page.next_cursor;
      this._changed.emit();
    } catch (error) {
      this._fail(error);
    } finally {
      this._loadingMore = false;
    }
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._poll.dispose();
    Signal.clearData(this);
  }

  private async _fetch(): Promise<void> {
    const experiment = this._experiment;
    try {
      if (this._serverVersion === null) {
        const { version } = await this._api.version();
        this._serverVersion = version;
        this._warning = versionWarning(version);
      }
      const limit = Math.min(
        Math.max(this._pageSize, this._runs.length),
        MAX_REFRESH_LIMIT
      );
      const [experiments, page] = await Promise.all([
        this._api.experiments(),
        this._api.runs({ experiment, limit })
      ]);
      if (experiment !== this._experiment || this._isDisposed) {
        return;
      }
      this._experiments = experiments.experiments;
      this._runs = page.runs;
      this._nextCursor = page.next_cursor;
      this._state = 'ready';
      this._error = null;
      this._lastUpdated = new Date();
      this._applyFrequency();
      this._changed.emit();
    } catch (error) {
      this._fail(error);
      // Rejecting makes the poll back off until the server answers again.
      throw error;
    }
  }

  private _fail(error: unknown): void {
    this._state = 'error';
    this._error = error instanceof Error ? error.message : String(error);
    if (!this._isDisposed) {
      this._changed.emit();
    }
  }

  /** Refresh faster while some listed run is still logging. */
  private _applyFrequency(): void {
    const running = this._runs.some(run => run.status === 'running');
    const interval = running
      ? Math.min(this._interval, RUNNING_REFRESH_INTERVAL)
      : this._interval;
    this._poll.frequency = {
      interval,
      backoff: true,
      max: Math.max(MAX_BACKOFF_INTERVAL, interval)
    };
  }

  private _api: API;
  private _changed = new Signal<this, void>(this);
  private _error: string | null = null;
  private _experiment: string | null = null;
  private _experiments: IExperiment[] = [];
  private _interval: number;
  private _isDisposed = false;
  private _lastUpdated: Date | null = null;
  private _loadingMore = false;
  private _nextCursor: string | null = null;
  private _pageSize: number;
  private _poll: Poll;
  private _runs: IRun[] = [];
  private _serverVersion: string | null = null;
  private _state: LoadState = 'loading';
  private _visible = false;
  private _warning: string | null = null;
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
