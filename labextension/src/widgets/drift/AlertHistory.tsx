/**
 * "Alerts" card: the subject's alert history, unseen ones marked, each with
 * its window (and "re-checked" when the window's result was replaced since).
 */
import * as React from 'react';

import { IDriftAlert } from '../../tokens';
import { formatTime } from './format';
import { AlertHistoryModel } from './history';

export function AlertHistory(props: { model: AlertHistoryModel }): JSX.Element {
  const { alerts, error } = props.model;
  const unseen = alerts.filter(a => a.seen_at === null).length;
  return (
    <section className="jp-nbops-DriftCard jp-nbops-DriftAlertHistory" aria-label="Alert history">
      <header>
        <h3>
          Alerts{' '}
          <span className="jp-nbops-DriftCard-sub">
            · {alerts.length === 0 ? 'none yet' : `${alerts.length} latest, ${unseen} unseen`}
          </span>
        </h3>
      </header>
      {error !== null && (
        <div className="jp-nbops-DriftMessage jp-mod-error" role="alert">
          {error}
        </div>
      )}
      {alerts.length > 0 && (
        <ol className="jp-nbops-DriftAlertHistory-list">
          {alerts.map(alert => (
            <AlertRow key={alert.id} alert={alert} />
          ))}
        </ol>
      )}
    </section>
  );
}

function AlertRow(props: { alert: IDriftAlert }): JSX.Element {
  const { alert } = props;
  const unseen = alert.seen_at === null;
  return (
    <li
      className={`jp-nbops-DriftAlertHistory-item${unseen ? ' jp-mod-unseen' : ''}`}
      data-id={`nbops-drift-alert-${alert.id}`}
    >
      <span className="jp-nbops-DriftAlertHistory-state" title={unseen ? 'Unseen' : 'Seen'}>
        {unseen ? 'unseen' : 'seen'}
      </span>
      <span className="jp-nbops-DriftAlertHistory-window">
        {alert.window}
        {alert.window_replaced ? ' (re-checked)' : ''}
      </span>
      <span className="jp-nbops-DriftAlertHistory-message">{alert.message}</span>
      <span className="jp-nbops-DriftAlertHistory-rule">{alert.rule}</span>
      <time className="jp-nbops-DriftAlertHistory-time">{formatTime(alert.created_at)}</time>
    </li>
  );
}
