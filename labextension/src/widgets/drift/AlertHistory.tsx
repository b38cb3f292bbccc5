/**
 * "Alerts" card: the subject's alert history, unseen ones marked, each with
 * its window (and "re-checked" when the window's result was replaced since)
 * and, when its rule retrains, what the retrain became ("retrained → v7").
 */
import * as React from 'react';

import { IDriftAlert, IDriftRetrain, IDriftWebhookDelivery } from '../../tokens';
import { formatTime } from './format';
import { AlertHistoryModel } from './history';

export function AlertHistory(props: { model: AlertHistoryModel }): JSX.Element {
  const { alerts, deliveries, error } = props.model;
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
      {deliveries.length > 0 && (
        <>
          <h4 className="jp-nbops-DriftAlertHistory-subhead">Webhook deliveries</h4>
          <ol className="jp-nbops-DriftAlertHistory-list" aria-label="Webhook deliveries">
            {deliveries.map(d => (
              <DeliveryRow key={d.id} delivery={d} />
            ))}
          </ol>
        </>
      )}
    </section>
  );
}

function DeliveryRow(props: { delivery: IDriftWebhookDelivery }): JSX.Element {
  const d = props.delivery;
  const outcome = d.delivered ? `delivered (HTTP ${d.status})` : (d.error ?? `HTTP ${d.status}`);
  return (
    <li
      className={`jp-nbops-DriftAlertHistory-item${d.delivered ? '' : ' jp-mod-failed'}`}
      data-id={`nbops-drift-delivery-${d.id}`}
    >
      <span className="jp-nbops-DriftAlertHistory-state">{d.delivered ? 'sent' : 'failed'}</span>
      <span className="jp-nbops-DriftAlertHistory-window">{d.webhook}</span>
      <span className="jp-nbops-DriftAlertHistory-message" title={d.message}>
        attempt {d.attempt}: {outcome}
      </span>
      <span className="jp-nbops-DriftAlertHistory-rule">alert #{d.event_id}</span>
      <time className="jp-nbops-DriftAlertHistory-time">{formatTime(d.created_at)}</time>
    </li>
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
      <span className="jp-nbops-DriftAlertHistory-message" title={alert.message}>
        {alert.message}
      </span>
      <span className="jp-nbops-DriftAlertHistory-rule">{alert.rule}</span>
      <RetrainChip retrain={alert.retrain ?? null} />
      <time className="jp-nbops-DriftAlertHistory-time">{formatTime(alert.created_at)}</time>
    </li>
  );
}

/** A failure's last line (a traceback's exception), without the launcher's "… exited with 1:" prefix. */
function failureLine(reason: string): string {
  const lines = reason.trim().split('\n');
  return lines[lines.length - 1].replace(/^.*? exited with -?\d+: /, '');
}

/** The retrain's outcome in a word or two; the reason, run and target in its tooltip. */
function RetrainChip(props: { retrain: IDriftRetrain | null }): JSX.Element {
  const r = props.retrain;
  if (r === null) {
    return <span className="jp-nbops-DriftAlertHistory-retrain" />;
  }
  let label: string;
  switch (r.status) {
    case 'succeeded':
      label = r.model_version !== null ? `retrained → v${r.model_version}` : 'retrained (no model)';
      break;
    case 'queued':
      label = 'retrain queued';
      break;
    case 'running':
      label = 'retraining…';
      break;
    case 'triggered':
      label = `retrain sent to ${r.target}`;
      break;
    case 'suppressed':
      label = 'retrain skipped';
      break;
    default:
      label = r.reason !== null ? `retrain failed: ${failureLine(r.reason)}` : 'retrain failed';
  }
  const detail = [
    r.model !== null && r.model_version !== null ? `${r.model} v${r.model_version}` : null,
    r.run_id !== null ? `run ${r.run_id}` : null,
    r.remote_id !== null ? `${r.target} run ${r.remote_id}` : null,
    r.reason
  ].filter(Boolean);
  return (
    <span
      className={`jp-nbops-DriftAlertHistory-retrain jp-mod-${r.status}`}
      data-id={`nbops-drift-retrain-${r.id}`}
      title={detail.join('\n') || `retrain ${r.id} (${r.target})`}
    >
      {label}
    </span>
  );
}
