/**
 * Drift alert notifications, grouped and rate-limited.
 *
 * One check (one window) raises one notification, whatever the number of rules
 * and features that fired: "3 features drifted in churn v6, window 2024-W19".
 * Alerts that arrive while a notification of the last minute is still open are
 * merged into it ("12 alerts in 4 checks"), so a sweep over many windows leaves
 * one toast, not one per window. At most two nbops drift toasts are ever open:
 * older ones are dismissed rather than pushed off-screen where they could not
 * be closed.
 */
import { Notification } from '@jupyterlab/apputils';

import { IDriftAlert } from '../../tokens';

/** Alerts within this time of the open notification are merged into it. */
export const RATE_WINDOW = 60_000;
/** Never more open drift toasts than this. */
export const MAX_OPEN = 2;

export interface IAnnouncerOptions {
  /** Open the Drift Monitor on `subject` and mark `ids` seen. */
  open: (subject: string, ids: number[]) => void;
  /** Injected for tests. */
  now?: () => number;
  notification?: Pick<typeof Notification, 'warning' | 'update' | 'dismiss'>;
}

interface IOpenToast {
  id: string;
  shownAt: number;
  alerts: IDriftAlert[];
}

export class AlertAnnouncer {
  constructor(options: IAnnouncerOptions) {
    this._open = options.open;
    this._now = options.now ?? (() => Date.now());
    this._notification = options.notification ?? Notification;
  }

  /** Announce newly arrived alert events (oldest first). */
  announce(fresh: IDriftAlert[]): void {
    if (fresh.length === 0) {
      return;
    }
    const now = this._now();
    const last = this._toasts[this._toasts.length - 1];
    if (last && now - last.shownAt < RATE_WINDOW) {
      // Merge into the open toast. If the user closed it, stay quiet until the
      // rate window has passed: the status bar and the Drift Monitor count these.
      last.alerts = last.alerts.concat(fresh);
      this._notification.update({
        id: last.id,
        message: summarize(last.alerts),
        type: 'warning',
        autoClose: false,
        actions: [this._action(last.alerts)]
      });
      return;
    }
    const id = this._notification.warning(summarize(fresh), {
      autoClose: false,
      actions: [this._action(fresh)]
    });
    this._toasts.push({ id, shownAt: now, alerts: fresh.slice() });
    while (this._toasts.length > MAX_OPEN) {
      this._notification.dismiss(this._toasts.shift()!.id);
    }
  }

  private _action(alerts: IDriftAlert[]): Notification.IAction {
    const latest = alerts[alerts.length - 1];
    return {
      label: 'Open Drift Monitor',
      caption: `Open the Drift Monitor on ${latest.subject} and mark these alerts seen`,
      displayType: 'accent',
      callback: () =>
        this._open(
          latest.subject,
          alerts.map(a => a.id)
        )
    };
  }

  private _open: IAnnouncerOptions['open'];
  private _now: () => number;
  private _notification: NonNullable<IAnnouncerOptions['notification']>;
  private _toasts: IOpenToast[] = [];
}

/** Alert events grouped by check (window), in arrival order. */
export function byCheck(alerts: IDriftAlert[]): IDriftAlert[][] {
  const groups = new Map<number, IDriftAlert[]>();
  for (const alert of alerts) {
    const group = groups.get(alert.window_id);
    if (group) {
      group.push(alert);
    } else {
      groups.set(alert.window_id, [alert]);
    }
  }
  return [...groups.values()];
}

/**
 * One check: its headline (the rule that flagged most features, which already
 * names the subject and window). Several checks: "12 alerts in 4 checks".
 */
export function summarize(alerts: IDriftAlert[]): string {
  const checks = byCheck(alerts);
  if (checks.length === 1) {
    const rules = checks[0];
    const head = rules.reduce((a, b) => (b.features.length > a.features.length ? b : a));
    const others = rules.length - 1;
    return others > 0
      ? `${head.message} (+${others} more ${others === 1 ? 'rule' : 'rules'})`
      : head.message;
  }
  const subjects = [...new Set(alerts.map(a => a.subject))];
  const names = [...new Set(alerts.flatMap(a => a.features))];
  const latest = checks[checks.length - 1][0];
  return (
    `${alerts.length} drift alerts in ${checks.length} checks of ${subjects.slice(0, 3).join(', ')}` +
    `${subjects.length > 3 ? ', …' : ''}: ${names.slice(0, 3).join(', ')}${names.length > 3 ? `, +${names.length - 3} more` : ''}` +
    `; latest window ${latest.window}`
  );
}
