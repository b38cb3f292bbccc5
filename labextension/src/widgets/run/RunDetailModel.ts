/**
 * State of one run's detail panel: the run as the server last sent it, and the
 * edits (tags, note) applied optimistically and reverted when the server refuses.
 */
import { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { runDetailAPI } from '../../api';
import { IRunEdit, IRunRecord, LoadState } from '../../tokens';

/** How often a running run is re-read while its panel is visible. */
const LIVE_INTERVAL = 5000;

export class RunDetailModel implements IDisposable {
  constructor(readonly runId: string) {
    // Only a running run changes on its own; a finished one is re-read on demand.
    this._poll = new Poll({
      factory: async () => {
        if (this._run?.status === 'running' && this._pending === 0) {
          await this.load();
        }
      },
      frequency: { interval: LIVE_INTERVAL, backoff: false },
      standby: () => !this.visible || 'when-hidden'
    });
  }

  /** Set by the view: polling sleeps while the panel is not shown. */
  visible = false;

  get isDisposed(): boolean {
    return this._poll.isDisposed;
  }

  dispose(): void {
    this._poll.dispose();
    Signal.clearData(this);
  }

  /** Emitted whenever anything the view shows changes. */
  get changed(): ISignal<RunDetailModel, void> {
    return this._changed;
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
      this._changed.emit();
    }
    try {
      this._run = await runDetailAPI.run(this.runId);
      this._state = 'ready';
      this._loadError = null;
    } catch (error) {
      this._state = this._run === null ? 'error' : 'ready';
      this._loadError = (error as Error).message;
    }
    this._changed.emit();
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
    this._changed.emit();
    try {
      const saved = await runDetailAPI.edit(this.runId, edit);
      // PATCH answers the bare run: keep the provenance and artifacts we have.
      this._run = { ...this._run, ...saved } as IRunRecord;
      return true;
    } catch (error) {
      this._run = before;
      this._editError = (error as Error).message;
      return false;
    } finally {
      this._pending -= 1;
      this._changed.emit();
    }
  }

  /** Soft delete; the answer carries `deleted_at`. */
  async remove(): Promise<void> {
    const saved = await runDetailAPI.remove(this.runId);
    this._run = { ...this._run, ...saved } as IRunRecord;
    this._changed.emit();
  }

  async restore(): Promise<void> {
    const saved = await runDetailAPI.restore(this.runId);
    this._run = { ...this._run, ...saved } as IRunRecord;
    this._changed.emit();
  }

  clearEditError(): void {
    this._editError = null;
    this._changed.emit();
  }

  private _changed = new Signal<RunDetailModel, void>(this);
  private _state: LoadState = 'loading';
  private _loadError: string | null = null;
  private _editError: string | null = null;
  private _run: IRunRecord | null = null;
  private _pending = 0;
  private _poll: Poll;
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
