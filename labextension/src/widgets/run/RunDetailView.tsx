/**
 * The Run detail panel: a header with the run's name and actions, then the
 * overview, parameters, metrics, tags and notes, artifacts and provenance.
 */
import { Notification, ReactWidget, UseSignal } from '@jupyterlab/apputils';
import { Message } from '@lumino/messaging';
import * as React from 'react';

import { IRunRecord } from '../../tokens';
import { IPlotTheme, readPlotTheme } from '../plot/theme';
import { StatusBadge } from '../StatusBadge';
import { IRunActions } from './actions';
import { ArtifactsSection } from './ArtifactsSection';
import { DatasetsSection } from './DatasetsSection';
import { MetricsSection } from './MetricsSection';
import { OverviewSection } from './OverviewSection';
import { ParamsSection } from './ParamsSection';
import { ProvenanceSection } from './ProvenanceSection';
import { RunDetailModel } from './RunDetailModel';
import { RunName } from './RunName';
import { TagsNotesSection } from './TagsNotesSection';

/** The panel's title: the run's name, or its id until it has one. */
export function runTitle(run: IRunRecord | null, runId: string): string {
  return run?.name || `Run ${runId.slice(0, 8)}`;
}

export class RunDetailView extends ReactWidget {
  constructor(
    readonly model: RunDetailModel,
    private _actions: IRunActions
  ) {
    super();
    this.addClass('jp-nbops-RunDetail');
    this.node.dataset.run = model.runId;
  }

  get runId(): string {
    return this.model.runId;
  }

  dispose(): void {
    this.model.dispose();
    super.dispose();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this.model.visible = this.isVisible;
  }

  protected onBeforeDetach(msg: Message): void {
    this.model.visible = false;
    super.onBeforeDetach(msg);
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.model.visible = true;
  }

  protected onBeforeHide(msg: Message): void {
    super.onBeforeHide(msg);
    this.model.visible = false;
  }

  /** Redraw charts with the new theme's colours. */
  themeChanged(): void {
    this._theme = readPlotTheme();
    this.update();
  }

  protected render(): JSX.Element {
    return <UseSignal signal={this.model.changed}>{() => this._renderModel()}</UseSignal>;
  }

  private _renderModel(): JSX.Element {
    const { model } = this;
    const run = model.run;
    if (model.state === 'loading' || (run === null && model.state !== 'error')) {
      return <div className="jp-nbops-State jp-mod-loading">Loading run {model.runId}…</div>;
    }
    if (run === null) {
      return (
        <div className="jp-nbops-State jp-mod-error" role="alert">
          <p className="jp-nbops-State-title">Cannot show run {model.runId}</p>
          <p className="jp-nbops-State-hint">{model.loadError}</p>
          <button className="jp-mod-styled jp-Button" onClick={() => void model.load()}>
            Retry
          </button>
        </div>
      );
    }
    return (
      <div className="jp-nbops-RunDetail-content">
        <header className="jp-nbops-RunDetail-header">
          <RunName model={model} run={run} />
          <StatusBadge status={run.status} />
          <code className="jp-nbops-RunDetail-id" title="Run id">
            {run.id}
          </code>
          <span className="jp-nbops-RunDetail-spacer" />
          <button className="jp-mod-styled jp-nbops-Button" onClick={() => void model.load()}>
            Refresh
          </button>
          {run.deleted_at === null && (
            <button
              className="jp-mod-styled jp-nbops-Button jp-mod-danger"
              onClick={() => void this._delete()}
            >
              Delete run
            </button>
          )}
        </header>
        {run.deleted_at !== null && (
          <div className="jp-nbops-Warning" role="status">
            This run is deleted: it no longer shows in the runs list.{' '}
            <button className="jp-nbops-Button jp-mod-link" onClick={() => void this._restore()}>
              Restore it
            </button>
          </div>
        )}
        {model.loadError && (
          <p className="jp-nbops-InlineError" role="alert">
            Cannot refresh: {model.loadError}
          </p>
        )}
        <OverviewSection run={run} actions={this._actions} />
        <ParamsSection params={run.params} />
        <MetricsSection run={run} theme={this._theme} />
        <MetricsSection run={run} theme={this._theme} group="system" />
        <TagsNotesSection model={model} run={run} actions={this._actions} />
        <DatasetsSection datasets={run.datasets ?? []} />
        <ArtifactsSection runId={run.id} artifacts={run.artifacts ?? []} theme={this._theme} />
        <ProvenanceSection run={run} actions={this._actions} />
      </div>
    );
  }

  private async _delete(): Promise<void> {
    try {
      await this.model.remove();
    } catch (error) {
      Notification.error(`Cannot delete run ${this.runId}: ${(error as Error).message}`);
      return;
    }
    Notification.info(`Run ${runTitle(this.model.run, this.runId)} deleted.`, {
      autoClose: 8000,
      actions: [{ label: 'Undo', callback: () => void this._restore() }]
    });
  }

  private async _restore(): Promise<void> {
    try {
      await this.model.restore();
    } catch (error) {
      Notification.error(`Cannot restore run ${this.runId}: ${(error as Error).message}`);
    }
  }

  private _theme: IPlotTheme = readPlotTheme();
}
