/**
 * What the Drift panel shows: the subjects, one subject's windows, the
 * selected feature/window/statistic and its overlay. Refreshed by a poll that
 * runs only while the panel is visible.
 */
import { driftAPI } from '../../api';
import { IDriftOverlay, IDriftSubject, IDriftWindowsResponse, LoadState } from '../../tokens';
import { PollingModel } from '../PollingModel';

const REFRESH_INTERVAL = 15_000;
const MAX_BACKOFF_INTERVAL = 5 * 60 * 1000;
export const WINDOW_LIMIT = 200;

type API = Pick<typeof driftAPI, 'subjects' | 'windows' | 'overlay'>;

export interface IDriftSelection {
  feature: string;
  /** Index into `data.windows`. */
  window: number;
}

export class DriftMonitorModel extends PollingModel {
  constructor(options: { api?: API; subject?: string | null } = {}) {
    super({
      interval: REFRESH_INTERVAL,
      maxInterval: MAX_BACKOFF_INTERVAL,
      name: 'nbops:drift-monitor'
    });
    this._api = options.api ?? driftAPI;
    this._subject = options.subject ?? null;
  }

  get state(): LoadState {
    return this._state;
  }

  get error(): string | null {
    return this._error;
  }

  get subjects(): ReadonlyArray<IDriftSubject> {
    return this._subjects;
  }

  get subject(): string | null {
    return this._subject;
  }

  set subject(name: string | null) {
    if (name === this._subject) {
      return;
    }
    this._subject = name;
    this._data = null;
    this._selection = null;
    this._overlay = null;
    this._state = 'loading';
    this.emitChanged();
    void this.refresh();
  }

  get data(): IDriftWindowsResponse | null {
    return this._data;
  }

  get selection(): IDriftSelection | null {
    return this._selection;
  }

  /** Statistic the timeline plots. */
  get statistic(): string {
    return this._statistic;
  }

  set statistic(name: string) {
    if (name !== this._statistic) {
      this._statistic = name;
      this.emitChanged();
    }
  }

  get overlay(): IDriftOverlay | null {
    return this._overlay;
  }

  get overlayState(): LoadState {
    return this._overlayState;
  }

  get overlayError(): string | null {
    return this._overlayError;
  }

  /** Select a feature and a window for the overlay, the timeline and the table. */
  select(feature: string, window: number): void {
    const current = this._selection;
    if (current && current.feature === feature && current.window === window) {
      return;
    }
    this._selection = { feature, window };
    this.emitChanged();
    void this._loadOverlay();
  }

  /** Reload now, windows included. */
  async refresh(): Promise<void> {
    this._force = true;
    await super.refresh();
  }

  protected async tick(): Promise<void> {
    try {
      const { subjects } = await this._api.subjects();
      this._subjects = subjects;
      if (this._subject === null && subjects.length > 0) {
        this._subject = subjects[0].name;
      }
      const subject = this._subject;
      const force = this._force;
      this._force = false;
      if (subject === null) {
        this._data = null;
      } else if (force || !this._unchanged(subjects.find(s => s.name === subject))) {
        const data = await this._api.windows(subject, WINDOW_LIMIT);
        if (subject !== this._subject) {
          return; // the user picked another subject meanwhile
        }
        this._adopt(data);
      }
      this._state = 'ready';
      this._error = null;
    } catch (error) {
      this._state = 'error';
      this._error = (error as Error).message;
      this.emitChanged();
      throw error; // the poll backs off
    }
    this.emitChanged();
  }

  /**
   * Whether the shown windows are still current: the subjects answer is tiny,
   * so a poll tick re-reads the (larger) windows only when a window was added.
   */
  private _unchanged(subject: IDriftSubject | undefined): boolean {
    const data = this._data;
    if (!data || !subject || data.subject.name !== subject.name) {
      return false;
    }
    const last = data.windows[data.windows.length - 1]?.id ?? null;
    return last === (subject.last_window?.id ?? null) && data.subject.windows === subject.windows;
  }

  /** Take new data, keeping the selection when its feature still exists. */
  private _adopt(data: IDriftWindowsResponse): void {
    const previous = this._data;
    const grew =
      previous !== null &&
      data.windows.length > 0 &&
      previous.windows[previous.windows.length - 1]?.id !==
        data.windows[data.windows.length - 1].id;
    this._data = data;
    if (!data.statistics.includes(this._statistic)) {
      this._statistic = 'effect';
    }
    const last = data.windows.length - 1;
    if (last < 0) {
      this._selection = null;
      this._overlay = null;
      return;
    }
    const keep = this._selection && data.features.some(f => f.feature === this._selection!.feature);
    if (keep && !grew) {
      this._selection = { ...this._selection!, window: Math.min(this._selection!.window, last) };
      if (this._overlay === null) {
        void this._loadOverlay();
      }
      return;
    }
    // A new window arrived or nothing is selected: show the newest window and
    // its most drifted feature; keep the chosen feature when nothing drifted.
    const worst = mostDrifted(data, last);
    const worstTier = data.features.find(f => f.feature === worst)?.tier[last];
    const feature = keep && worstTier !== 'drift' ? this._selection!.feature : worst;
    if (feature !== null) {
      this._selection = { feature, window: last };
      void this._loadOverlay();
    }
  }

  private async _loadOverlay(): Promise<void> {
    const selection = this._selection;
    const data = this._data;
    if (!selection || !data) {
      return;
    }
    const windowId = data.windows[selection.window]?.id;
    if (windowId === undefined) {
      return;
    }
    const token = ++this._overlayRequest;
    this._overlayState = 'loading';
    this.emitChanged();
    try {
      const overlay = await this._api.overlay(windowId, selection.feature);
      if (token !== this._overlayRequest) {
        return;
      }
      this._overlay = overlay;
      this._overlayState = 'ready';
      this._overlayError = null;
    } catch (error) {
      if (token !== this._overlayRequest) {
        return;
      }
      this._overlay = null;
      this._overlayState = 'error';
      this._overlayError = (error as Error).message;
    }
    this.emitChanged();
  }

  private _api: API;
  private _state: LoadState = 'loading';
  private _error: string | null = null;
  private _subjects: IDriftSubject[] = [];
  private _subject: string | null;
  private _data: IDriftWindowsResponse | null = null;
  private _selection: IDriftSelection | null = null;
  private _statistic = 'effect';
  private _overlay: IDriftOverlay | null = null;
  private _overlayState: LoadState = 'loading';
  private _overlayError: string | null = null;
  private _overlayRequest = 0;
  private _force = false;
}

/** The feature with the worst tier, then the largest effect, in window `index`. */
export function mostDrifted(data: IDriftWindowsResponse, index: number): string | null {
  const rank = { ok: 0, warn: 1, drift: 2 } as const;
  let best: string | null = null;
  let bestKey = -Infinity;
  for (const series of data.features) {
    const tier = series.tier[index];
    const key = (tier ? rank[tier] : -1) * 1e6 + (series.values.effect[index] ?? 0);
    if (key > bestKey) {
      bestKey = key;
      best = series.feature;
    }
  }
  return best;
}
