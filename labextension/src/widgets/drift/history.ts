/**
 * The Drift Monitor's alert history: the selected subject's alert events,
 * newest first, seen and unseen, and the webhook deliveries of its alerts. Re-read when the alert watcher reports a
 * change (a new alert, or alerts marked seen) and when the subject changes.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { driftAPI } from '../../api';
import { IDriftAlert, IDriftWebhookDelivery } from '../../tokens';

const HISTORY_LIMIT = 50;
// A queued or running retrain ends without a new alert (unless it fails): look again this often.
const RETRAIN_POLL_MS = 3000;

type API = Pick<typeof driftAPI, 'alerts' | 'webhookDeliveries'>;

export class AlertHistoryModel implements IDisposable {
  constructor(options: { api?: API } = {}) {
    this._api = options.api ?? driftAPI;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get alerts(): ReadonlyArray<IDriftAlert> {
    return this._alerts;
  }

  /** The subject's webhook delivery attempts, newest first. */
  get deliveries(): ReadonlyArray<IDriftWebhookDelivery> {
    return this._deliveries;
  }

  get error(): string | null {
    return this._error;
  }

  get subject(): string | null {
    return this._subject;
  }

  set subject(name: string | null) {
    if (name !== this._subject) {
      this._subject = name;
      this._alerts = [];
      void this.reload();
    }
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  async reload(): Promise<void> {
    const subject = this._subject;
    if (subject === null) {
      return;
    }
    try {
      const [page, log] = await Promise.all([
        this._api.alerts({ subject, limit: HISTORY_LIMIT }),
        this._api.webhookDeliveries(HISTORY_LIMIT)
      ]);
      if (subject !== this._subject || this._disposed) {
        return;
      }
      this._alerts = page.alerts;
      this._deliveries = log.deliveries.filter(d => d.subject === subject);
      this._error = null;
    } catch (error) {
      this._error = (error as Error).message;
    }
    this._changed.emit();
    this._pollRetrains();
  }

  private _pollRetrains(): void {
    clearTimeout(this._retrainTimer);
    const pending = this._alerts.some(
      a => a.retrain?.status === 'queued' || a.retrain?.status === 'running'
    );
    if (pending && !this._disposed) {
      this._retrainTimer = setTimeout(() => void this.reload(), RETRAIN_POLL_MS);
    }
  }

  dispose(): void {
    this._disposed = true;
    clearTimeout(this._retrainTimer);
    Signal.clearData(this);
  }

  private _api: API;
  private _subject: string | null = null;
  private _alerts: IDriftAlert[] = [];
  private _deliveries: IDriftWebhookDelivery[] = [];
  private _error: string | null = null;
  private _disposed = false;
  private _retrainTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  private _changed = new Signal<this, void>(this);
}
