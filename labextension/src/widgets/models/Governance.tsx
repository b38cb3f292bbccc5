/**
 * Governance parts of a model in the Models view: the latest evaluation
 * (challenger against champion, with a Promote button that asks first), the
 * audit trail, and a version's model card.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import * as React from 'react';

import { modelsAPI } from '../../api';
import { IModelEvaluation, IModelEvent } from '../../tokens';
import { formatDateTime, formatMetric } from '../format';
import { RegistryModel } from './RegistryModel';

/** Champion (first) against challenger (second), per metric and per slice, and the gate's verdict. */
export function EvaluationPanel(props: {
  name: string;
  evaluation: IModelEvaluation;
  registry: RegistryModel;
}): JSX.Element {
  const { name, evaluation, registry } = props;
  const [champion, challenger] = evaluation.versions;
  const [busy, setBusy] = React.useState(false);
  const { decision } = evaluation;
  const alreadyThere =
    registry.entries.find(e => e.model.name === name)?.model.aliases[evaluation.alias] ===
    challenger.version;
  const promote = async () => {
    const result = await showDialog({
      title: `Promote v${challenger.version} to ${evaluation.alias}?`,
      body: `${evaluation.alias} moves from v${champion.version} to v${challenger.version}. ${decision.reason}. The change is recorded in the audit trail with evaluation ${evaluation.run_id}.`,
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Promote' })]
    });
    if (!result.button.accept) {
      return;
    }
    setBusy(true);
    await registry.promote(name, evaluation);
    setBusy(false);
  };
  const metrics = Object.keys(champion.metrics);
  const slices = Object.keys(champion.slices ?? {});
  const row = (label: string, key: string, a?: number, b?: number) => {
    const better =
      a !== undefined && b !== undefined && (key === evaluation.metric ? b !== a : false);
    return (
      <tr key={label} className={key === evaluation.metric ? 'jp-mod-gateMetric' : undefined}>
        <th scope="row">{label}</th>
        <td>{a === undefined ? '—' : formatMetric(a)}</td>
        <td className={better ? (decision.passed ? 'jp-mod-better' : 'jp-mod-worse') : undefined}>
          {b === undefined ? '—' : formatMetric(b)}
        </td>
      </tr>
    );
  };
  return (
    <section
      className="jp-nbops-Evaluation"
      aria-label={`Latest evaluation of ${name}`}
      data-id="evaluation"
    >
      <header className="jp-nbops-Evaluation-header">
        <h4>Challenger vs champion</h4>
        <span className="jp-nbops-Muted">
          evaluation run {evaluation.run_id} · gate metric {evaluation.metric}
        </span>
      </header>
      <table className="jp-nbops-Table jp-nbops-EvaluationTable">
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col">
              Champion v{champion.version}
              {!/^\d+$/.test(champion.label) && (
                <span className="jp-nbops-Muted"> ({champion.label})</span>
              )}
            </th>
            <th scope="col">
              Challenger v{challenger.version}
              {!/^\d+$/.test(challenger.label) && (
                <span className="jp-nbops-Muted"> ({challenger.label})</span>
              )}
            </th>
          </tr>
        </thead>
        <tbody>
          {metrics.map(key => row(key, key, champion.metrics[key], challenger.metrics[key]))}
          {slices.map(value =>
            row(
              `${evaluation.slice_column} = ${value} · ${evaluation.metric}`,
              '',
              champion.slices[value]?.[evaluation.metric],
              challenger.slices[value]?.[evaluation.metric]
            )
          )}
        </tbody>
      </table>
      <div className="jp-nbops-Evaluation-footer">
        <p
          className={`jp-nbops-Gate ${decision.passed ? 'jp-mod-passed' : 'jp-mod-failed'}`}
          role="status"
        >
          {decision.reason}
        </p>
        {alreadyThere ? (
          <span className="jp-nbops-Muted">
            v{challenger.version} is {evaluation.alias}
          </span>
        ) : (
          <button
            className="jp-mod-styled jp-mod-accept jp-nbops-Button"
            disabled={busy || !decision.passed}
            title={
              decision.passed
                ? `Move ${evaluation.alias} to v${challenger.version}`
                : decision.reason
            }
            onClick={() => void promote()}
          >
            Promote v{challenger.version} to {evaluation.alias}
          </button>
        )}
      </div>
    </section>
  );
}

const KIND_LABELS: Record<IModelEvent['kind'], string> = {
  registered: 'registered',
  alias_set: 'alias set',
  alias_removed: 'alias removed',
  promoted: 'promoted',
  retrained: 'retrained',
  intended_use: 'intended use edited'
};

/** The append-only audit trail, newest first. */
export function AuditTrail(props: { name: string; events: IModelEvent[] }): JSX.Element {
  const events = [...props.events].reverse();
  return (
    <details className="jp-nbops-Audit" data-id="audit-trail">
      <summary>
        Audit trail <span className="jp-nbops-Section-badge">{events.length}</span>
      </summary>
      <table
        className="jp-nbops-Table jp-nbops-AuditTable"
        aria-label={`Audit trail of ${props.name}`}
      >
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">What</th>
            <th scope="col">Why</th>
          </tr>
        </thead>
        <tbody>
          {events.map(event => (
            <tr key={event.id} data-kind={event.kind}>
              <td className="jp-nbops-Muted jp-nbops-AuditTable-when">
                {formatDateTime(event.created_at)}
              </td>
              <td>{event.actor ?? '—'}</td>
              <td className="jp-nbops-AuditTable-what">
                {KIND_LABELS[event.kind]}
                {event.alias && <span className="jp-nbops-Alias jp-mod-static">{event.alias}</span>}
                {event.previous_version !== null && ` v${event.previous_version} →`}
                {event.version !== null && ` v${event.version}`}
              </td>
              <td>
                {event.reason ?? ''}
                {event.evaluation_run_id && (
                  <span className="jp-nbops-Muted"> · evaluation {event.evaluation_run_id}</span>
                )}
                {event.alert_event_id !== null && (
                  <span className="jp-nbops-Muted"> · alert {event.alert_event_id}</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

export type MarkdownRenderer = (host: HTMLElement, source: string) => Promise<() => void>;

/** A version's model card, rendered by Lab's (sanitizing) markdown renderer. */
export function ModelCardView(props: {
  name: string;
  version: number;
  render: MarkdownRenderer | null;
  onClose: () => void;
}): JSX.Element {
  const host = React.useRef<HTMLDivElement>(null);
  const [markdown, setMarkdown] = React.useState<string | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  React.useEffect(() => {
    let dispose = () => undefined as void;
    let live = true;
    modelsAPI
      .card(props.name, props.version)
      .then(async ({ markdown }) => {
        if (!live) {
          return;
        }
        setMarkdown(markdown);
        if (props.render && host.current) {
          dispose = await props.render(host.current, markdown);
        }
      })
      .catch(reason => live && setError((reason as Error).message));
    return () => {
      live = false;
      dispose();
    };
  }, [props.name, props.version]);
  return (
    <section
      className="jp-nbops-ModelCardDoc"
      aria-label={`Model card of ${props.name} v${props.version}`}
      data-id="model-card"
    >
      <header className="jp-nbops-Evaluation-header">
        <h4>Model card · v{props.version}</h4>
        <span className="jp-nbops-RunDetail-spacer" />
        {markdown !== null && (
          <button
            className="jp-mod-styled jp-nbops-Button"
            onClick={() => void navigator.clipboard?.writeText(markdown)}
            title="Copy the card's Markdown"
          >
            Copy Markdown
          </button>
        )}
        <button className="jp-mod-styled jp-nbops-Button" onClick={props.onClose}>
          Close
        </button>
      </header>
      {error && (
        <p className="jp-nbops-InlineError" role="alert">
          {error}
        </p>
      )}
      {markdown === null && !error && <p className="jp-nbops-Muted">Loading the model card…</p>}
      <div ref={host} className="jp-nbops-ModelCardDoc-body">
        {markdown !== null && !props.render && <pre>{markdown}</pre>}
      </div>
    </section>
  );
}
