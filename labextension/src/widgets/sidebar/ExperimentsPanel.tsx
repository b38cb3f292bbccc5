/**
 * The "Experiments" left sidebar panel: experiment selector, refresh button
 * and the runs table, or the empty, loading and error states.
 */
import { ReactWidget } from '@jupyterlab/apputils';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { HTMLSelect, SidePanel, ToolbarButton, refreshIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { Message } from '@lumino/messaging';
import { Panel, Widget } from '@lumino/widgets';
import * as React from 'react';

import { CommandIDs } from '../../commands';
import { experimentsIcon } from '../../icons';
import { RunsModel } from './model';
import { IRun } from '../../tokens';
import { RunsTable } from './RunsTable';
import { nextSort, pickMetricColumns, pickParamColumns } from './columns';
import { FilterBox } from './FilterBox';
import { SelectionBar } from './SelectionBar';
import { RunSelection } from './selection';
import { StatusIcon } from '../StatusBadge';

/** Options shown to the user; kept in sync with the settings schema. */
export interface IViewSettings {
  metricColumns: string[];
  maxMetricColumns: number;
  paramColumns: string[];
  maxParamColumns: number;
}

export const DEFAULT_VIEW_SETTINGS: IViewSettings = {
  metricColumns: [],
  maxMetricColumns: 2,
  paramColumns: [],
  maxParamColumns: 2
};

export namespace ExperimentsPanel {
  export interface IOptions {
    model: RunsModel;
    /** Runs the shared nbops commands (open a run, compare runs). */
    commands: CommandRegistry;
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
    heading.addClass('jp-nbops-SidebarHeading');
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
      commands: options.commands,
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

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function runCount(count: number): string {
  return `${count.toLocaleString()} run${count === 1 ? '' : 's'}`;
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
  // The experiment asked for, even before its runs arrive.
  const current = (model.pendingQuery ?? model.query).experiment;
  // Keep a selected experiment listed even before the server reports it.
  if (current !== null && !names.includes(current)) {
    names.unshift(current);
  }
  const counts = new Map(model.experiments.map(e => [e.name, e.run_count]));

  return (
    <HTMLSelect
      className="jp-nbops-ExperimentSelector"
      aria-label="Experiment"
      title="Show the runs of one experiment"
      value={current ?? ''}
      onChange={event => {
        model.experiment = event.currentTarget.value || null;
      }}
    >
      <option value="">
        All {model.experiments.length.toLocaleString()} experiments ({runCount(total)})
      </option>
      {names.map(name => (
        <option key={name} value={name}>
          {name} ({runCount(counts.get(name) ?? 0)})
        </option>
      ))}
    </HTMLSelect>
  );
}

namespace RunsView {
  export interface IOptions {
    model: RunsModel;
    commands: CommandRegistry;
    openNotebook: (path: string) => void;
  }
}

/** The body of the panel; re-renders on model changes and clock ticks. */
class RunsView extends ReactWidget {
  constructor(options: RunsView.IOptions) {
    super();
    this.addClass('jp-nbops-RunsView');
    this._model = options.model;
    this._commands = options.commands;
    this._openNotebook = options.openNotebook;
    this._model.changed.connect(this._onModelChanged, this);
    // Compare and run detail come from other plugins, maybe activated later.
    this._commands.commandChanged.connect(this._onCommandChanged, this);
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
    const query = model.pendingQuery ?? model.query;
    return (
      <>
        {model.warning && (
          <div className="jp-nbops-Notice jp-mod-warning" role="status">
            {model.warning}
          </div>
        )}
        <FilterBox applied={model.query.filter} error={model.queryError} onApply={this._onFilter} />
        <SelectionBar
          count={this._selection.size}
          canCompare={this._commands.hasCommand(CommandIDs.openCompare)}
          onCompare={this._onCompare}
          onClear={this._onClear}
        />
        {model.state === 'error' && model.runs.length > 0 && (
          <div className="jp-nbops-Notice jp-mod-error" role="alert">
            <InlineCode text={model.error ?? ''} />
          </div>
        )}
        <div
          className={'jp-nbops-RunsView-body' + (model.pendingQuery ? ' jp-mod-loading' : '')}
          aria-busy={model.pendingQuery !== null}
        >
          {this._renderBody(query.sort)}
        </div>
        <Footer model={model} />
      </>
    );
  }

  private _renderBody(sort: string): JSX.Element {
    const model = this._model;
    if (model.state === 'error' && model.runs.length === 0) {
      return <ErrorState message={model.error ?? ''} onRetry={() => void model.refresh()} />;
    }
    if (model.state === 'loading' && model.runs.length === 0) {
      return (
        <div className="jp-nbops-State jp-mod-loading" role="status">
          <StatusIcon status="running" />
          <span>Loading runs…</span>
        </div>
      );
    }
    if (model.runs.length === 0) {
      return model.query.filter ? (
        <NoMatch
          filter={model.queryError ? (model.refusedFilter ?? '') : model.query.filter}
          refused={model.queryError !== null}
          notice={model.queryError ? null : model.notice}
        />
      ) : (
        <EmptyState experiment={model.experiment} />
      );
    }
    const { query } = model;
    return (
      <RunsTable
        runs={model.runs}
        metricKeys={pickMetricColumns(
          model.runs,
          this._settings.metricColumns,
          this._settings.maxMetricColumns
        )}
        paramKeys={pickParamColumns(
          model.runs,
          this._settings.paramColumns,
          this._settings.maxParamColumns
        )}
        sort={sort}
        listKey={`${query.experiment}\n${query.filter}\n${query.sort}`}
        showExperiment={model.experiment === null}
        now={this._now}
        selection={this._selection}
        hasMore={model.hasMore}
        loadingMore={model.loadingMore}
        onSort={this._onSort}
        onToggle={this._onToggle}
        onToggleAll={this._onToggleAll}
        onOpen={this._commands.hasCommand(CommandIDs.openRun) ? this._onOpen : null}
        onOpenNotebook={this._onOpenNotebook}
        onLoadMore={() => void model.loadMore()}
      />
    );
  }

  private _onModelChanged(): void {
    this._selection.forget(this._model.deletedIds);
    this._now = Date.now();
    this.update();
  }

  private _onCommandChanged(_: CommandRegistry, change: CommandRegistry.ICommandChangedArgs): void {
    if (change.id === CommandIDs.openCompare || change.id === CommandIDs.openRun) {
      this.update();
    }
  }

  private _onFilter = (filter: string): void => {
    void this._model.setQuery({ filter: asFilter(filter) });
  };

  private _onSort = (column: { sortField: string; kind: string }): void => {
    const current = (this._model.pendingQuery ?? this._model.query).sort;
    void this._model.setQuery({ sort: nextSort(current, column.sortField, column.kind) });
  };

  private _onToggle = (index: number, range: boolean): void => {
    this._selection.toggle(this._model.runs, index, range);
    this.update();
  };

  private _onToggleAll = (select: boolean): void => {
    this._selection.setAll(this._model.runs, select);
    this.update();
  };

  private _onClear = (): void => {
    this._selection.clear();
    this.update();
  };

  private _onCompare = (): void => {
    const runs = this._selection.ordered(this._model.runs);
    void this._commands.execute(CommandIDs.openCompare, { runs });
  };

  private _onOpen = (run: IRun): void => {
    void this._commands.execute(CommandIDs.openRun, { run: run.id });
  };

  private _onOpenNotebook = (run: IRun): void => {
    if (run.notebook_path) {
      this._openNotebook(run.notebook_path);
    }
  };

  private _clock: number | null = null;
  private _commands: CommandRegistry;
  private _model: RunsModel;
  private _now = Date.now();
  private _openNotebook: (path: string) => void;
  private _selection = new RunSelection();
  private _settings: IViewSettings = DEFAULT_VIEW_SETTINGS;
}

/**
 * Text that is not an expression (no operator, quote or parenthesis), e.g. `s1`
 * or `sgd-a0.01`, searches run names.
 */
export function asFilter(text: string): string {
  const trimmed = text.trim();
  if (!trimmed || /[=<>!()'"`]|\s(and|or|like|in|not)\s/i.test(` ${trimmed} `)) {
    return trimmed;
  }
  return `name like '%${trimmed}%'`;
}

function NoMatch(props: { filter: string; refused: boolean; notice: string | null }): JSX.Element {
  return (
    <div className="jp-nbops-State jp-mod-empty">
      <p className="jp-nbops-State-title">
        {props.refused ? 'This filter cannot be applied' : 'No runs match'}
      </p>
      <p className="jp-nbops-State-hint">
        <code>{props.filter}</code>
      </p>
      {props.notice && (
        <p className="jp-nbops-State-hint" role="status" data-id="filter-notice">
          {capitalized(props.notice)}
        </p>
      )}
      <p className="jp-nbops-State-hint jp-mod-secondary">
        Edit the filter, or press Escape in it to clear it.
      </p>
    </div>
  );
}

function EmptyState(props: { experiment: string | null }): JSX.Element {
  const experiment = props.experiment ?? 'my-experiment';
  return (
    <div className="jp-nbops-State jp-mod-empty">
      <experimentsIcon.react className="jp-nbops-State-icon" tag="div" />
      <p className="jp-nbops-State-title">No runs yet</p>
      <p className="jp-nbops-State-hint">
        Run <code>%%track {experiment}</code> in a notebook
      </p>
      <p className="jp-nbops-State-hint jp-mod-secondary">
        after <code>%load_ext nbops</code>; runs appear here as they start.
      </p>
    </div>
  );
}

/** Text where `backticked` spans (commands in server messages) render as code. */
function InlineCode(props: { text: string }): JSX.Element {
  const parts = props.text.split(/`([^`]+)`/);
  return (
    <>{parts.map((part, index) => (index % 2 === 1 ? <code key={index}>{part}</code> : part))}</>
  );
}

function ErrorState(props: { message: string; onRetry: () => void }): JSX.Element {
  return (
    <div className="jp-nbops-State jp-mod-error" role="alert">
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
  const total = model.total;
  const running = model.runs.filter(run => run.status === 'running').length;
  const noun = (n: number) => `${n.toLocaleString()} run${n === 1 ? '' : 's'}`;
  const parts = [
    total !== null && total > shown
      ? `${shown.toLocaleString()} of ${noun(total)}`
      : model.hasMore
        ? `${noun(shown)} loaded`
        : noun(shown)
  ];
  if (running > 0) {
    parts.push(`${running} running`);
  }
  const updated = model.lastUpdated;
  return (
    <div className="jp-nbops-Footer">
      <span>{parts.join(' · ')}</span>
      {updated && (
        <span className="jp-nbops-Footer-updated" title={`Updated ${updated.toLocaleString()}`}>
          updated {updated.toLocaleTimeString()}
        </span>
      )}
    </div>
  );
}
