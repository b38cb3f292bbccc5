/**
 * The Models view: each registered model with its versions, their aliases as
 * chips, the run and dataset each came from, and a "Set alias…" form.
 */
import { ReactWidget, UseSignal } from '@jupyterlab/apputils';
import * as React from 'react';

import { IModelVersion } from '../../tokens';
import { formatAge, formatDateTime, formatMetric } from '../format';
import { StatusBadge } from '../StatusBadge';
import { ExplanationPanel, LIVE_ROWS } from './Explanation';
import { AuditTrail, EvaluationPanel, MarkdownRenderer, ModelCardView } from './Governance';
import { IModelEntry, RegistryModel } from './RegistryModel';
import { EndpointRow, ServeButton } from './Serving';
import { ServingModel } from './ServingModel';

export interface IModelsActions {
  openRun(id: string): void;
  /** Lab's markdown renderer for model cards (null: the card shows as text). */
  renderMarkdown?: MarkdownRenderer | null;
}

export class ModelsView extends ReactWidget {
  constructor(
    readonly model: RegistryModel,
    private _actions: IModelsActions
  ) {
    super();
    this.addClass('jp-nbops-ModelsView');
    this.serving.changed.connect(() => this.update());
    void this.serving.refresh();
  }

  /** Endpoints of this server's Serve buttons, with their live numbers. */
  readonly serving = new ServingModel();

  dispose(): void {
    this.serving.dispose();
    super.dispose();
  }

  protected render(): JSX.Element {
    return <UseSignal signal={this.model.changed}>{() => this._renderModel()}</UseSignal>;
  }

  private _renderModel(): JSX.Element {
    const { model } = this;
    let body: JSX.Element;
    if (model.state === 'loading') {
      body = <div className="jp-nbops-State jp-mod-loading">Loading the model registry…</div>;
    } else if (model.state === 'error') {
      body = (
        <div className="jp-nbops-State jp-mod-error" role="alert">
          <p className="jp-nbops-State-title">Cannot load the model registry</p>
          <p className="jp-nbops-State-hint">{model.error}</p>
        </div>
      );
    } else if (model.entries.length === 0) {
      body = (
        <div className="jp-nbops-State">
          <p className="jp-nbops-State-title">No registered models yet</p>
          <p className="jp-nbops-State-hint">
            Register one from a run with <code>nbops.register_model("churn-model", model)</code>;
            its versions, aliases and lineage show up here.
          </p>
        </div>
      );
    } else {
      body = (
        <>
          {model.error && (
            <p className="jp-nbops-InlineError" role="alert">
              Cannot refresh: {model.error}
            </p>
          )}
          {model.entries.map(entry => (
            <ModelCard
              key={entry.model.name}
              entry={entry}
              registry={model}
              serving={this.serving}
              actions={this._actions}
            />
          ))}
        </>
      );
    }
    return (
      <div className="jp-nbops-ModelsView-content">
        <header className="jp-nbops-RunDetail-header">
          <h2 className="jp-nbops-RunDetail-title">Model registry</h2>
          <span className="jp-nbops-RunDetail-spacer" />
          <button className="jp-mod-styled jp-nbops-Button" onClick={() => void model.load()}>
            Refresh
          </button>
        </header>
        {body}
      </div>
    );
  }
}

function ModelCard(props: {
  entry: IModelEntry;
  registry: RegistryModel;
  serving: ServingModel;
  actions: IModelsActions;
}): JSX.Element {
  const { entry, registry } = props;
  const { model } = entry;
  const [card, setCard] = React.useState<number | null>(null);
  // the version whose explanation shows; `live` counts requests to compute it on live inputs
  const [explained, setExplained] = React.useState<{ version: number; live: number } | null>(null);
  const [explaining, setExplaining] = React.useState(false);
  const headingId = `jp-nbops-model-${model.name}`;
  return (
    <section className="jp-nbops-ModelCard" data-model={model.name} aria-labelledby={headingId}>
      <header className="jp-nbops-ModelCard-header">
        <h3 id={headingId}>{model.name}</h3>
        <span className="jp-nbops-Section-badge">
          {model.version_count} version{model.version_count === 1 ? '' : 's'}
        </span>
        {model.description && (
          <span className="jp-nbops-ModelCard-description">{model.description}</span>
        )}
        {entry.driftVersion && (
          <span
            className="jp-nbops-ModelCard-drift"
            data-id="drift-version"
            title={
              entry.driftVersion.via === 'production'
                ? 'check_drift(model=…) compares against the version the production alias names'
                : 'No production alias: check_drift(model=…) compares against the latest version'
            }
          >
            drift checks use v{entry.driftVersion.version} ({entry.driftVersion.via})
          </span>
        )}
      </header>
      {entry.error && (
        <div className="jp-nbops-InlineError" role="alert">
          <span>{entry.error}</span>
          <button
            className="jp-nbops-Button jp-mod-link"
            onClick={() => registry.clearError(model.name)}
          >
            Dismiss
          </button>
        </div>
      )}
      {entry.versions === null ? null : (
        <table
          className="jp-nbops-Table jp-nbops-VersionsTable"
          aria-label={`Versions of ${model.name}`}
        >
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Aliases</th>
              <th scope="col">Run</th>
              <th scope="col">Dataset</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="jp-nbops-VisuallyHidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {entry.versions.map(version => (
              <React.Fragment key={version.version}>
                <VersionRow
                  version={version}
                  registry={registry}
                  serving={props.serving}
                  actions={props.actions}
                  onCard={() => setCard(version.version)}
                  explaining={explaining && explained?.version === version.version}
                  onExplanation={() => setExplained({ version: version.version, live: 0 })}
                  onExplainLive={() =>
                    setExplained(shown => ({
                      version: version.version,
                      live: (shown?.version === version.version ? shown.live : 0) + 1
                    }))
                  }
                />
                <EndpointRow serving={props.serving} version={version} />
              </React.Fragment>
            ))}
          </tbody>
        </table>
      )}
      {card !== null && (
        <ModelCardView
          key={card}
          name={model.name}
          version={card}
          render={props.actions.renderMarkdown ?? null}
          onClose={() => setCard(null)}
        />
      )}
      {explained !== null && entry.versions !== null && (
        <ExplanationPanel
          key={`${explained.version}:${explained.live}`}
          name={model.name}
          version={explained.version}
          live={explained.live > 0}
          onLiveBusy={setExplaining}
          versions={entry.versions}
          onClose={() => setExplained(null)}
        />
      )}
      {entry.evaluation && entry.evaluation.versions.length > 1 && (
        <EvaluationPanel name={model.name} evaluation={entry.evaluation} registry={registry} />
      )}
      {entry.events.length > 0 && <AuditTrail name={model.name} events={entry.events} />}
    </section>
  );
}

function VersionRow(props: {
  version: IModelVersion;
  registry: RegistryModel;
  serving: ServingModel;
  actions: IModelsActions;
  onCard: () => void;
  onExplanation: () => void;
  onExplainLive: () => void;
  /** Whether this version is being explained on live inputs. */
  explaining: boolean;
}): JSX.Element {
  const { version, registry } = props;
  const [editing, setEditing] = React.useState(false);
  const [alias, setAlias] = React.useState('production');
  const [busy, setBusy] = React.useState(false);
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    const ok = await registry.setAlias(version.name, alias.trim(), version.version);
    setBusy(false);
    if (ok) {
      setEditing(false);
    }
  };
  const run = version.run;
  const dataset = version.dataset;
  const served = props.serving.endpointOf(version.name, version.version)?.state === 'running';
  return (
    <tr data-version={version.version}>
      <td className="jp-nbops-VersionsTable-version">v{version.version}</td>
      <td>
        <ul className="jp-nbops-Aliases" aria-label={`Aliases of version ${version.version}`}>
          {version.aliases.map(name => (
            <li key={name} className="jp-nbops-Alias" data-alias={name}>
              <span>{name}</span>
              <button
                className="jp-nbops-Alias-remove"
                aria-label={`Remove alias ${name}`}
                title={`Remove alias ${name}`}
                onClick={() => void registry.setAlias(version.name, name, null)}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      </td>
      <td>
        {run ? (
          <div className="jp-nbops-VersionsTable-run">
            <div className="jp-nbops-VersionsTable-line">
              <StatusBadge status={run.status} />
              <button
                className="jp-nbops-Button jp-mod-link"
                title={`Open run ${run.id}`}
                onClick={() => props.actions.openRun(run.id)}
              >
                {run.name || run.id.slice(0, 8)}
              </button>
            </div>
            <div className="jp-nbops-Muted">
              {[
                run.experiment,
                ...Object.entries(run.metrics)
                  .slice(0, 2)
                  .map(([key, value]) => `${key} ${formatMetric(value)}`)
              ].join(' · ')}
            </div>
          </div>
        ) : (
          <span className="jp-nbops-Muted">{version.run_id ? version.run_id : 'no run'}</span>
        )}
      </td>
      <td>
        {dataset ? (
          <div title={`digest ${dataset.digest}`}>
            <div>{dataset.name}</div>
            <div className="jp-nbops-Muted">
              {dataset.role}
              {dataset.rows !== null ? ` · ${dataset.rows.toLocaleString()} rows` : ''}
            </div>
          </div>
        ) : (
          <span className="jp-nbops-Muted">—</span>
        )}
      </td>
      <td
        className="jp-nbops-Muted jp-nbops-VersionsTable-created"
        title={formatDateTime(version.created_at)}
      >
        {formatAge(version.created_at, Date.now())}
      </td>
      <td className="jp-nbops-VersionsTable-actions">
        {editing ? (
          <form className="jp-nbops-AliasForm" onSubmit={event => void submit(event)}>
            <input
              className="jp-mod-styled"
              aria-label={`Alias for version ${version.version}`}
              value={alias}
              autoFocus
              onChange={event => setAlias(event.target.value)}
              onKeyDown={event => event.key === 'Escape' && setEditing(false)}
            />
            <button
              type="submit"
              className="jp-mod-styled jp-mod-accept jp-nbops-Button"
              disabled={busy || !alias.trim()}
            >
              Set
            </button>
            <button
              type="button"
              className="jp-mod-styled jp-nbops-Button"
              onClick={() => setEditing(false)}
            >
              Cancel
            </button>
          </form>
        ) : (
          <>
            <button
              className="jp-mod-styled jp-nbops-Button"
              aria-label={`Model card of version ${version.version}`}
              onClick={props.onCard}
            >
              Card
            </button>
            <button
              className="jp-mod-styled jp-nbops-Button"
              aria-label={`Explanation of version ${version.version}`}
              onClick={props.onExplanation}
            >
              Explanation
            </button>
            {served && (
              <button
                className="jp-mod-styled jp-nbops-Button"
                aria-label={`Explain version ${version.version} on live inputs`}
                title={`Explain this version on its newest ${LIVE_ROWS} live inputs (they are kept only when served with Keep raw inputs, --log-inputs)`}
                disabled={props.explaining}
                onClick={props.onExplainLive}
              >
                {props.explaining ? 'Explaining…' : 'Explain live inputs'}
              </button>
            )}
            <button
              className="jp-mod-styled jp-nbops-Button"
              aria-label={`Set alias on version ${version.version}`}
              onClick={() => setEditing(true)}
            >
              Set alias…
            </button>
            <ServeButton
              serving={props.serving}
              version={version}
              others={(registry.entries.find(e => e.model.name === version.name)?.versions ?? [])
                .map(v => v.version)
                .filter(v => v !== version.version)}
            />
          </>
        )}
      </td>
    </tr>
  );
}
