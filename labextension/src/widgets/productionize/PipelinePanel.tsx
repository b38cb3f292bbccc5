/**
 * The "Pipeline" right sidebar: the current notebook's step DAG, its diagnostics and
 * the untagged cells it depends on, and the productionize job with its outcome.
 */
import { ReactWidget } from '@jupyterlab/apputils';
import { refreshIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { IPipelineAnalysis, ITagSuggestion, IUntaggedCell } from '../../tokens';
import { DagView } from './DagView';
import { DiagnosticsList } from './DiagnosticsList';
import { pipelineIcon } from './icons';
import { JobView } from './JobView';
import { PipelineModel } from './model';
import { SuggestionList } from './SuggestionList';

export const PIPELINE_PANEL_ID = 'nbops-pipeline';

export namespace PipelinePanel {
  export interface IOptions {
    model: PipelineModel;
    /** Activate the cell with this id in the current notebook. */
    selectCell: (cellId: string) => void;
    /** Open a file (path relative to the server root). */
    openFile: (path: string) => void;
    /** Run the Productionize command on the current notebook. */
    productionize: () => void;
    /** Add the suggested tags to their cells in the open notebook. */
    acceptSuggestions: (suggestions: ITagSuggestion[]) => void;
  }
}

export class PipelinePanel extends ReactWidget {
  constructor(options: PipelinePanel.IOptions) {
    super();
    this.id = PIPELINE_PANEL_ID;
    this.addClass('jp-nbops-PipelinePanel');
    this.title.icon = pipelineIcon;
    this.title.caption = 'Pipeline';
    this._options = options;
    options.model.changed.connect(() => this.update(), this);
  }

  protected render(): JSX.Element {
    return <PipelineView {...this._options} />;
  }

  private _options: PipelinePanel.IOptions;
}

function UntaggedList(props: {
  cells: IUntaggedCell[];
  onSelectCell: (cellId: string) => void;
}): JSX.Element {
  return (
    <div className="jp-nbops-Untagged">
      <h3 className="jp-nbops-PipelinePanel-subheading">
        Untagged cells the pipeline needs ({props.cells.length})
      </h3>
      <ul aria-label="Untagged cells the pipeline needs">
        {props.cells.map(cell => (
          <li key={cell.index} className="jp-nbops-Untagged-cell">
            <span>
              cell {cell.index} defines <code>{cell.names.join(', ')}</code>, read by cell
              {cell.read_by.length > 1 ? 's' : ''} {cell.read_by.join(', ')}
            </span>
            {cell.id && (
              <button
                className="jp-nbops-Button jp-mod-link"
                onClick={() => props.onSelectCell(cell.id!)}
              >
                Go to cell
              </button>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

function Params(props: { analysis: IPipelineAnalysis }): JSX.Element | null {
  const params = props.analysis.params;
  if (!params.length) {
    return null;
  }
  return (
    <div className="jp-nbops-PipelineParams" title="from the cell tagged parameters">
      <span className="jp-nbops-PipelineParams-label">params</span>
      {params.map(p => (
        <code key={p.name}>
          {p.name}={JSON.stringify(p.default)}
        </code>
      ))}
    </div>
  );
}

function Analysis(
  props: PipelinePanel.IOptions & { analysis: IPipelineAnalysis; suggested: boolean }
): JSX.Element {
  const { analysis } = props;
  const hasSteps = analysis.dag.steps.length > 0;
  return (
    <>
      <h3 className="jp-nbops-PipelinePanel-subheading">Steps ({analysis.dag.steps.length})</h3>
      {hasSteps ? (
        <>
          <Params analysis={analysis} />
          <DagView dag={analysis.dag} onSelectCell={props.selectCell} />
        </>
      ) : (
        <div className="jp-nbops-Empty jp-nbops-PipelinePanel-empty">
          No steps yet. {props.suggested ? 'Accept the suggested tags above, or select' : 'Select'}{' '}
          a code cell and use the <strong>Productionize role</strong> button of its toolbar (or
          right-click it) to tag it <code>step: NAME</code>, <code>parameters</code>,{' '}
          <code>setup</code>…
        </div>
      )}
      {analysis.diagnostics.length > 0 && (
        <DiagnosticsList
          title="Diagnostics"
          diagnostics={analysis.diagnostics}
          onSelectCell={props.selectCell}
        />
      )}
      {analysis.untagged.length > 0 && (
        <UntaggedList cells={analysis.untagged} onSelectCell={props.selectCell} />
      )}
    </>
  );
}

function PipelineView(props: PipelinePanel.IOptions): JSX.Element {
  const { model } = props;
  const notebook = model.notebook;
  const analysis = model.analysis;
  const job = model.job;
  const running = notebook ? model.isRunning(notebook.path) : false;
  const name = notebook ? notebook.path.split('/').pop() : null;
  return (
    <div className="jp-nbops-PipelineView">
      <div className="jp-nbops-PipelinePanel-header">
        <h2 className="jp-nbops-SidebarHeading">Pipeline</h2>
        <button
          className="jp-nbops-Button jp-mod-icon"
          title="Analyse again"
          aria-label="Analyse again"
          disabled={!notebook}
          onClick={() => void model.analyse()}
        >
          <refreshIcon.react tag="span" />
        </button>
      </div>
      {!notebook ? (
        <div className="jp-nbops-Empty jp-nbops-PipelinePanel-empty">
          Open a notebook to see the pipeline its tagged cells make.
        </div>
      ) : (
        <div className="jp-nbops-PipelinePanel-body">
          <div className="jp-nbops-PipelinePanel-notebook" title={notebook.path}>
            <span className="jp-text-truncated">{name}</span>
            {model.analysisState === 'loading' && (
              <span className="jp-nbops-PipelinePanel-busy">analysing…</span>
            )}
          </div>
          <button
            className="jp-nbops-Button jp-mod-primary"
            onClick={props.productionize}
            disabled={running}
            title="Turn the tagged cells into a tested pipeline package"
          >
            {running ? 'Productionizing…' : 'Productionize'}
          </button>
          {job && (
            <JobView
              job={job}
              error={model.jobError}
              onSelectCell={props.selectCell}
              onOpenFile={props.openFile}
            />
          )}
          {model.analysisState === 'error' && (
            <div className="jp-nbops-PipelinePanel-error" role="alert">
              {model.analysisError}
            </div>
          )}
          {analysis && model.suggestions.length > 0 && (
            <SuggestionList
              suggestions={model.suggestions}
              onAccept={props.acceptSuggestions}
              onSelectCell={props.selectCell}
            />
          )}
          {analysis && (
            <Analysis {...props} analysis={analysis} suggested={model.suggestions.length > 0} />
          )}
          {!analysis && model.analysisState === 'loading' && (
            <div className="jp-nbops-Empty jp-nbops-PipelinePanel-empty">
              Analysing the notebook…
            </div>
          )}
        </div>
      )}
    </div>
  );
}
