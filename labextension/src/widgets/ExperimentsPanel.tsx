/**
 * The "Experiments" left sidebar panel: experiment selector, refresh button
 * and the runs table, or the empty, loading and error states.
 */
import { ReactWidget } from '@jupyterlab/apputils';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import {
  HTMLSelect,
  SidePanel,
  ToolbarButton,
  refreshIcon
} from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import { Panel, Widget } from '@lumino/widgets';
import * as React from 'react';

import { experimentsIcon } from '../icons';
import { RunsModel } from '../model';
import { IRun } from '../tokens';
import { pickMetricColumns, RunsTable } from './RunsTable';
import { StatusIcon } from './StatusBadge';

/** Options shown to the user; kept in sync with the settings schema. */
export interface IViewSettings {
  metricColumns: string[];
  maxMetricColumns: number;
}

export const DEFAULT_VIEW_SETTINGS: IViewSettings = {
  metricColumns: [],
  maxMetricColumns: 2
};

export namespace ExperimentsPanel {
  export interface IOptions {
    model: RunsModel;
    /** Opens a run's notebook (a path relative to the server root). */
    openNotebook: (path: string) => void;
    translator?: ITranslator;
  }
}

export class ExperimentsPanel extends SidePanel {
  constructor(options: ExperimentsPanel.IOptions) {
    const translator = options.translator ?? nullTranslator;
    super({ content: new Panel(), translator });
    this.id = 'nbops-experiments';
    this.addClass('jp-nbops-ExperimentsPanel');
    this.title.icon = experimentsIcon;
    this.title.caption = 'Experiments';
    this._model = options.model;

    const heading = new Widget({ node: document.createElement('h2') });
    heading.node.textContent = 'Experiments';
    heading.addClass('jp-nbops-ExperimentsPanel-heading');
    heading.addClass('jp-text-truncated');
    this.header.addWidget(heading);

    this.toolbar.addClass('jp-nbops-ExperimentsPanel-toolbar');
    this.toolbar.addItem(
      'experiment',
      ReactWidget.create(<ExperimentSelector model={this._model} />)
    );
    this.toolbar.addItem(
      'refresh',
      new ToolbarButton({
        icon: refreshIcon,
        tooltip: 'Refresh runs',
        onClick: () => void this._model.refresh()
      })
    );

    this._view = new RunsView({
      model: this._model,
      openNotebook: options.openNotebook
    });
    this.addWidget(this._view);
  }

  get model(): RunsModel {
    return this._model;
  }

  set viewSettings(settings: IViewSettings) {
    this._view.viewSettings = settings;
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._model.visible = true;
    this._view.startClock();
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this._model.visible = false;
    this._view.stopClock();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.isVisible) {
      this._model.visible = true;
      this._view.startClock();
    }
  }

  private _model: RunsModel;
  private _view: RunsView;
}

function ExperimentSelector(props: { model: RunsModel }): JSX.Element {
  const { model } = props;
  const [, setVersion] = React.useState(0);
  React.useEffect(() => {
    const onChange = () => setVersion(v => v + 1);
    model.changed.connect(onChange);
    return () => {
      model.changed.disconnect(onChange);
    };
  }, [model]);

  const total = model.experiments.reduce((sum, e) => sum + e.run_count, 0);
  const names = model.experiments.map(e => e.name);
  // Keep a selected experiment listed even before the server reports it.
  if (model.experiment !== null && !names.includes(model.experiment)) {
    names.unshift(model.experiment);
  }
  const counts = new Map(model.experiments.map(e => [e.name, e.run_count]));

  return (
    <HTMLSelect
      className="jp-nbops-ExperimentSelector"
      aria-label="Experiment"
      title="Show the runs of one experiment"
      value={model.experiment ?? ''}
      onChange={event => {
        model.experiment = event.currentTarget.value || null;
      }}
    >
      <option value="">All experiments ({total})</option>
      {names.map(name => (
        <option key={name} value={name}>
          {name} ({counts.get(name) ?? 0})
        </option>
      ))}
    </HTMLSelect>
  );
}

namespace RunsView {
  export interface IOptions {
    model: RunsModel;
    openNotebook: (path: string) => void;
  }
}

/** The body of the panel; re-renders on model changes and clock ticks. */
class RunsView extends ReactWidget {
  constructor(options: RunsView.IOptions) {
    super();
    this.addClass('jp-nbops-RunsView');
    this._model = options.model;
    this._openNotebook = options.openNotebook;
    this._model.changed.connect(this._onModelChanged, this);
  }

  set viewSettings(settings: IViewSettings) {
    this._settings = settings;
    this.update();
  }

  /** Advance ages and running durations while visible. */
  startClock(): void {
    this.stopClock();
    const tick = () => {
      this._now = Date.now();
      this.update();
      const running = this._model.runs.some(run => run.status === 'running');
      this._clock = window.setTimeout(tick, running ? 1000 : 30000);
    };
    this._clock = window.setTimeout(tick, 1000);
  }

  stopClock(): void {
    if (this._clock !== null) {
      window.clearTimeout(this._clock);
      this._clock = null;
    }
  }

  dispose(): void {
    this.stopClock();
    super.dispose();
  }

  protected render(): JSX.Element {
    const model = this._model;
    if (model.state === 'error' && model.runs.length === 0) {
      return (
        <ErrorState message={model.error ?? ''} onRetry={() => void model.refresh()} />
      );
    }
    if (model.state === 'loading' && model.runs.length === 0) {
      return (
        <div className="jp-nbops-State jp-nbops-mod-loading" role="status">
          <StatusIcon status="running" />
          <span>Loading runs…</span>
        </div>
      );
    }
    if (model.runs.length === 0) {
      return <EmptyState experiment={model.experiment} />;
    }
    const metricColumns = pickMetricColumns(
      model.runs,
      this._settings.metricColumns,
      this._settings.maxMetricColumns
    );
    return (
      <>
        {model.warning && (
          <div className="jp-nbops-Notice jp-nbops-mod-warning" role="status">
            {model.warning}
          </div>
        )}
        {model.state === 'error' && (
          <div className="jp-nbops-Notice jp-nbops-mod-error" role="alert">
            <InlineCode text={model.error ?? ''} />
          </div>
        )}
        <RunsTable
          runs={model.runs}
          metricColumns={metricColumns}
          showExperiment={model.experiment === null}
          now={this._now}
          selectedId={this._selectedId}
          hasMore={model.hasMore}
          onSelect={this._onSelect}
          onOpen={this._onOpen}
          onLoadMore={() => void model.loadMore()}
        />
        <Footer model={model} />
      </>
    );
  }

  private _onModelChanged(): void {
    this._now = Date.now();
    this.update();
  }

  private _onSelect = (run: IRun): void => {
    this._selectedId = run.id;
    this.update();
  };

  private _onOpen = (run: IRun): void => {
    this._onSelect(run);
    if (run.notebook_path) {
      this._openNotebook(run.notebook_path);
    }
  };

  private _clock: number | null = null;
  private _model: RunsModel;
  private _now = Date.now();
  private _openNotebook: (path: string) => void;
  private _selectedId: string | null = null;
  private _settings: IViewSettings = DEFAULT_VIEW_SETTINGS;
}

function EmptyState(props: { experiment: string | null }): JSX.Element {
  const experiment = props.experiment ?? 'my-experiment';
  return (
    <div className="jp-nbops-State jp-nbops-mod-empty">
      <experimentsIcon.react className="jp-nbops-State-icon" tag="div" />
      <p className="jp-nbops-State-title">No runs yet</p>
      <p className="jp-nbops-State-hint">
        Run <code>%%track {experiment}</code> in a notebook
      </p>
      <p className="jp-nbops-State-hint jp-nbops-mod-secondary">
        after <code>%load_ext nbops</code>; runs appear here as they start.
      </p>
    </div>
  );
}

/** Text where `backticked` spans (commands in server messages) render as code. */
function InlineCode(props: { text: string }): JSX.Element {
  const parts = props.text.split(/`([^`]+)`/);
  return (
    <>
      {parts.map((part, index) =>
        index % 2 === 1 ? <code key={index}>{part}</code> : part
      )}
    </>
  );
}

function ErrorState(props: { message: string; onRetry: () => void }): JSX.Element {
  return (
    <div className="jp-nbops-State jp-nbops-mod-error" role="alert">
      <StatusIcon status="crashed" />
      <p className="jp-nbops-State-title">Cannot load runs</p>
      <p className="jp-nbops-State-hint">
        <InlineCode text={props.message} />
      </p>
      <button
        type="button"
        className="jp-Button jp-mod-styled jp-mod-accept"
        onClick={props.onRetry}
      >
        Retry
      </button>
    </div>
  );
}

function Footer(props: { model: RunsModel }): JSX.Element {
  const { model } = props;
  const shown = model.runs.length;
  const selected = model.experiments.find(e => e.name === model.experiment);
  const total = selected
    ? selected.run_count
    : model.experiments.reduce((sum, e) => sum + e.run_count, 0);
  const running = model.runs.filter(run => run.status === 'running').length;
  const parts = [
    total > shown ? `${shown} of ${total} runs` : `${shown} run${shown === 1 ? '' : 's'}`
  ];
  if (running > 0) {
    parts.push(`${running} running`);
  }
  const updated = model.lastUpdated;
  return (
    <div className="jp-nbops-Footer">
      <span>{parts.join(' · ')}</span>
      {updated && (
        <span
          className="jp-nbops-Footer-updated"
          title={`Updated ${updated.toLocaleString()}`}
        >
          updated {updated.toLocaleTimeString()}
        </span>
      )}
    </div>
  );
}
