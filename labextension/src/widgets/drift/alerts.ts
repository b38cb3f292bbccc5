/**
 * The drift alert watcher: polls the unseen alert events while JupyterLab is
 * open (also while the user works in a notebook, so it never stands by) and
 * announces the new ones. Asking only for ids after the last one seen keeps
 * an unchanged answer tiny.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { driftAPI } from '../../api';
import { IDriftAlert, IDriftAlerts } from '../../tokens';
import { PollingModel } from '../PollingModel';

export const DEFAULT_ALERT_INTERVAL = 5000;
const MAX_BACKOFF_INTERVAL = 2 * 60 * 1000;
/** More unseen events than this (at start-up or in one tick) are announced as one summary. */
const PAGE = 200;

type API = Pick<typeof driftAPI, 'alerts' | 'markSeen'>;

export class DriftAlertsModel extends PollingModel implements IDriftAlerts {
  constructor(options: { api?: API; interval?: number } = {}) {
    super({
      interval: options.interval ?? DEFAULT_ALERT_INTERVAL,
      maxInterval: MAX_BACKOFF_INTERVAL,
      when: 'always',
      name: 'nbops:drift-alerts'
    });
    this._api = options.api ?? driftAPI;
  }

  /** New alert events, oldest first, each announced once per Lab session. */
  get arrived(): ISignal<this, IDriftAlert[]> {
    return this._arrived;
  }

  get unseen(): number {
    return this._unseen;
  }

  get unseenBySubject(): ReadonlyMap<string, number> {
    return this._bySubject;
  }

  /** The subject of the newest unseen alert, to open from the status bar. */
  get latestSubject(): string | null {
    return this._latestSubject;
  }

  get interval(): number {
    return this.pollInterval;
  }

  set interval(ms: number) {
    this.pollInterval = Math.max(1000, ms);
  }

  async markSeen(subject?: string): Promise<void> {
    const page = await this._api.alerts({ unseen: true, limit: 1000 });
    const ids = page.alerts
      .filter(alert => subject === undefined || alert.subject === subject)
      .map(alert => alert.id);
    if (ids.length > 0) {
      await this._api.markSeen(ids);
    }
    await this.refresh();
  }

  /** Mark the given alert events seen (those a notification summarised). */
  async markIdsSeen(ids: number[]): Promise<void> {
    if (ids.length > 0) {
      await this._api.markSeen(ids);
    }
    await this.refresh();
  }

  protected async tick(): Promise<void> {
    const first = this._lastId === null;
    const page = await this._api.alerts({
      unseen: true,
      after: this._lastId ?? 0,
      limit: PAGE
    });
    const bySubject = new Map(Object.entries(page.unseen_by_subject ?? {}));
    const fresh = page.alerts.slice().reverse();
    const changed =
      page.unseen !== this._unseen || fresh.length > 0 || !sameCounts(bySubject, this._bySubject);
    this._lastId = Math.max(this._lastId ?? 0, page.latest_id);
    this._unseen = page.unseen;
    this._bySubject = bySubject;
    if (fresh.length > 0) {
      this._latestSubject = fresh[fresh.length - 1].subject;
    } else if (page.unseen === 0) {
      this._latestSubject = null;
    }
    if (changed) {
      this.emitChanged();
    }
    // Alerts that were already waiting when Lab opened are announced too: the
    // user has not seen them yet.
    if (fresh.length > 0 || (first && page.unseen > 0)) {
      this._arrived.emit(fresh);
    }
  }

  private _api: API;
  private _lastId: number | null = null;
  private _unseen = 0;
  private _bySubject: Map<string, number> = new Map();
  private _latestSubject: string | null = null;
  private _arrived = new Signal<this, IDriftAlert[]>(this);
}

function sameCounts(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean {
  if (a.size !== b.size) {
    return false;
  }
  for (const [key, value] of a) {
    if (b.get(key) !== value) {
      return false;
    }
  }
  return true;
}
