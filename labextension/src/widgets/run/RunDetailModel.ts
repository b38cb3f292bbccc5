/**
 * State of one run's detail panel: the run as the server last sent it, and the
 * edits (tags, note) applied optimistically and reverted when the server refuses.
 */
import { runsAPI } from '../../api';
import { IRun, IRunEdit, IRunRecord, LoadState } from '../../tokens';
import { PollingModel } from '../PollingModel';

/** How often a running run is re-read while its panel is visible. */
const LIVE_INTERVAL = 5000;

export class RunDetailModel extends PollingModel {
  constructor(readonly runId: string) {
    super({ interval: LIVE_INTERVAL, name: 'nbops:run-detail' });
  }

  /** Only a running run changes on its own; a finished one is re-read on demand. */
  protected async tick(): Promise<void> {
    if (this._run?.status === 'running' && this._pending === 0) {
      await this.load();
    }
  }

  get state(): LoadState {
    return this._state;
  }

  /** Why loading failed (state `error`). */
  get loadError(): string | null {
    return this._loadError;
  }

  /** Why the last edit was refused; the edit has been undone. */
  get editError(): string | null {
    return this._editError;
  }

  get run(): IRunRecord | null {
    return this._run;
  }

  async load(): Promise<void> {
    if (this._run === null) {
      this._state = 'loading';
      this.emitChanged();
    }
    try {
      this._run = await runsAPI.run(this.runId);
      this._state = 'ready';
      this._loadError = null;
    } catch (error) {
      this._state = this._run === null ? 'error' : 'ready';
      this._loadError = (error as Error).message;
    }
    this.emitChanged();
  }

  /**
   * Show `edit` at once, send it, and keep the server's answer; on refusal put
   * the run back as it was and keep the server's message for the view.
   */
  async edit(edit: IRunEdit): Promise<boolean> {
    const before = this._run;
    if (before === null) {
      return false;
    }
    this._run = applyEdit(before, edit);
    this._editError = null;
    this._pending += 1;
    this.emitChanged();
    try {
      this._keep(await runsAPI.edit(this.runId, edit));
      return true;
    } catch (error) {
      this._run = before;
      this._editError = (error as Error).message;
      return false;
    } finally {
      this._pending -= 1;
      this.emitChanged();
    }
  }

  /** Soft delete; the answer carries `deleted_at`. */
  async remove(): Promise<void> {
    this._keep(await runsAPI.remove(this.runId));
  }

  async restore(): Promise<void> {
    this._keep(await runsAPI.restore(this.runId));
  }

  clearEditError(): void {
    this._editError = null;
    this.emitChanged();
  }

  /** PATCH, DELETE and restore answer the bare run: keep the provenance and artifacts we have. */
  private _keep(saved: IRun): void {
    if (this._run !== null) {
      this._run = { ...this._run, ...saved };
    }
    this.emitChanged();
  }

  private _state: LoadState = 'loading';
  private _loadError: string | null = null;
  private _editError: string | null = null;
  private _run: IRunRecord | null = null;
  private _pending = 0;
}

/** The run as it will be once `edit` is saved. */
export function applyEdit(run: IRunRecord, edit: IRunEdit): IRunRecord {
  const tags = { ...run.tags, ...(edit.tags ?? {}) };
  for (const key of edit.delete_tags ?? []) {
    delete tags[key];
  }
  const note = edit.note === undefined ? run.note : edit.note;
  const name = edit.name === undefined ? run.name : edit.name.trim();
  return { ...run, tags, note, name };
}
