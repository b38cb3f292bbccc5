/**
 * State of the Pipeline panel for one notebook at a time: the latest static analysis
 * (re-fetched, debounced, when the notebook is saved or its tags change) and the
 * productionize job of each notebook, polled until it ends.
 */
import { NbopsAPIError, productionizeAPI } from '../../api';
import {
  IPipelineAnalysis,
  IPipelineDiagnostic,
  IProductionizeJob,
  ITagSuggestion
} from '../../tokens';
import { PollingModel } from '../PollingModel';

/** How long tag edits settle before the notebook is analysed again. */
export const ANALYSIS_DEBOUNCE_MS = 400;
const JOB_POLL_MS = 700;

/** What the panel needs from a notebook: its path and current JSON. */
export interface INotebookSource {
  readonly path: string;
  toJSON(): unknown;
}

export type AnalysisState = 'idle' | 'loading' | 'ready' | 'error';

export class PipelineModel extends PollingModel {
  constructor() {
    // A job runs on whether the panel shows or not; the cell badges follow it too.
    super({ interval: JOB_POLL_MS, when: 'always', name: 'nbops:productionize-jobs' });
  }

  get notebook(): INotebookSource | null {
    return this._notebook;
  }

  get analysisState(): AnalysisState {
    return this._analysisState;
  }

  get analysis(): IPipelineAnalysis | null {
    return this._analysis;
  }

  get analysisError(): string | null {
    return this._analysisError;
  }

  /** Roles proposed for the untagged cells of the current notebook (fetched with the analysis). */
  get suggestions(): ITagSuggestion[] {
    return this._suggestions;
  }

  /** The job of the current notebook, the running or the last one. */
  get job(): IProductionizeJob | null {
    return this._notebook ? (this._jobs.get(this._notebook.path) ?? null) : null;
  }

  get jobError(): string | null {
    return this._notebook ? (this._jobErrors.get(this._notebook.path) ?? null) : null;
  }

  /**
   * Error diagnostics per cell id of `path`: the latest analysis' (they follow the tags)
   * plus those only a run finds (the last job's clean-run and equivalence errors).
   */
  cellErrors(path: string): Map<string, IPipelineDiagnostic[]> {
    const fromAnalysis = this._analysis?.notebook === path ? this._analysis.diagnostics : [];
    const fromRun = (this._jobs.get(path)?.result?.diagnostics ?? []).filter(d =>
      d.code.startsWith('NB4')
    );
    const byCell = new Map<string, IPipelineDiagnostic[]>();
    for (const diagnostic of [...fromAnalysis, ...fromRun]) {
      if (diagnostic.severity === 'error' && diagnostic.cell_id) {
        const list = byCell.get(diagnostic.cell_id) ?? [];
        if (!list.some(d => d.code === diagnostic.code && d.line === diagnostic.line)) {
          list.push(diagnostic);
        }
        byCell.set(diagnostic.cell_id, list);
      }
    }
    return byCell;
  }

  /** Follow another notebook (or none) and analyse it. */
  setNotebook(notebook: INotebookSource | null): void {
    if (notebook === this._notebook) {
      return;
    }
    this._notebook = notebook;
    this._analysis = null;
    this._suggestions = [];
    this._analysisError = null;
    this._analysisState = notebook ? 'loading' : 'idle';
    this.emitChanged();
    if (notebook) {
      void this.analyse();
    }
  }

  /** Hide suggestions just accepted, until the next analysis answers for the new tags. */
  dropSuggestions(accepted: ITagSuggestion[]): void {
    const done = new Set(accepted.map(s => s.index));
    this._suggestions = this._suggestions.filter(s => !done.has(s.index));
    this.emitChanged();
  }

  /** Analyse again after a short quiet period (tag edits come in bursts). */
  scheduleAnalysis(): void {
    window.clearTimeout(this._debounce);
    this._debounce = window.setTimeout(() => void this.analyse(), ANALYSIS_DEBOUNCE_MS);
  }

  async analyse(): Promise<void> {
    const notebook = this._notebook;
    if (!notebook) {
      return;
    }
    const ticket = ++this._analysisTicket;
    this._analysisState = 'loading';
    this.emitChanged();
    try {
      const content = notebook.toJSON();
      const [analysis, suggested] = await Promise.all([
        productionizeAPI.analyse(notebook.path, content),
        // Suggestions are a help, not the analysis: their failure leaves the panel working.
        productionizeAPI.suggest(notebook.path, content).catch(() => null)
      ]);
      if (ticket !== this._analysisTicket) {
        return; // a newer request answers for a newer state
      }
      this._analysis = analysis;
      this._suggestions = suggested?.suggestions ?? [];
      this._analysisError = null;
      this._analysisState = 'ready';
    } catch (error) {
      if (ticket !== this._analysisTicket) {
        return;
      }
      this._analysisError = (error as Error).message;
      this._analysisState = 'error';
    }
    this.emitChanged();
  }

  /** Start a job for the current notebook; rethrows the API error (e.g. 409) for the caller. */
  async start(outDir: string, force: boolean): Promise<void> {
    const notebook = this._notebook;
    if (!notebook) {
      return;
    }
    const path = notebook.path;
    const { job_id } = await productionizeAPI.start({ path, out_dir: outDir, force });
    this._jobErrors.delete(path);
    this._jobs.set(path, {
      job_id,
      notebook: path,
      out_dir: outDir,
      state: 'queued',
      stage: null,
      all_stages: [],
      stages: [],
      created: Date.now() / 1000,
      elapsed: 0,
      result: null,
      error: null
    });
    this.emitChanged(); // the poll follows it from its next tick on
  }

  /** Whether a job of `path` is queued or running. */
  isRunning(path: string): boolean {
    const state = this._jobs.get(path)?.state;
    return state === 'queued' || state === 'running';
  }

  dispose(): void {
    window.clearTimeout(this._debounce);
    super.dispose();
  }

  /** Poll only while a job is queued or running. */
  protected shouldPoll(): boolean {
    return [...this._jobs.keys()].some(path => this.isRunning(path));
  }

  /** Follow every queued or running job (one per notebook) one step. */
  protected async tick(): Promise<void> {
    const running = [...this._jobs.entries()].filter(([path]) => this.isRunning(path));
    await Promise.all(running.map(([path, job]) => this._follow(path, job.job_id)));
  }

  private async _follow(path: string, jobId: string): Promise<void> {
    try {
      const job = await productionizeAPI.job(jobId);
      if (this._jobs.get(path)?.job_id === jobId) {
        this._jobs.set(path, job);
        this.emitChanged();
      }
    } catch (error) {
      if (error instanceof NbopsAPIError && error.status === 0) {
        return; // the network blinked; the job goes on on the server, the next tick asks again
      }
      const lost = error instanceof NbopsAPIError && error.status === 404;
      this._jobErrors.set(
        path,
        lost ? 'The server no longer knows this job (was it restarted?).' : (error as Error).message
      );
      const job = this._jobs.get(path);
      if (job?.job_id === jobId) {
        this._jobs.set(path, { ...job, state: 'failed' });
      }
      this.emitChanged();
    }
  }

  private _notebook: INotebookSource | null = null;
  private _analysis: IPipelineAnalysis | null = null;
  private _analysisError: string | null = null;
  private _suggestions: ITagSuggestion[] = [];
  private _analysisState: AnalysisState = 'idle';
  private _analysisTicket = 0;
  private _debounce = 0;
  private _jobs = new Map<string, IProductionizeJob>();
  private _jobErrors = new Map<string, string>();
}
