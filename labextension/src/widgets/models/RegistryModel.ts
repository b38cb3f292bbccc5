/**
 * The model registry as the Models view shows it: every registered model with
 * its versions, and alias changes applied to every version they touch.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { modelsAPI } from '../../api';
import {
  IModelEvaluation,
  IModelEvent,
  IModelVersion,
  IDriftVersion,
  IRegisteredModel,
  LoadState
} from '../../tokens';

export interface IModelEntry {
  model: IRegisteredModel;
  versions: IModelVersion[] | null;
  /** The version drift checks on this model compare against. */
  driftVersion: IDriftVersion | null;
  /** The audit trail, oldest first. */
  events: IModelEvent[];
  /** The latest evaluation (challenger against champion), or null. */
  evaluation: IModelEvaluation | null;
  /** Why loading the versions or the last alias change failed. */
  error: string | null;
}

export class RegistryModel {
  get changed(): ISignal<RegistryModel, void> {
    return this._changed;
  }

  get state(): LoadState {
    return this._state;
  }

  get error(): string | null {
    return this._error;
  }

  get entries(): ReadonlyArray<IModelEntry> {
    return this._entries;
  }

  /** Models, then each model's versions (a handful of models: fetched together). */
  async load(): Promise<void> {
    if (this._entries.length === 0) {
      this._state = 'loading';
      this._changed.emit();
    }
    try {
      const { models } = await modelsAPI.models();
      const entries = await Promise.all(models.map(model => this._fetchEntry(model)));
      this._entries = entries;
      this._state = 'ready';
      this._error = null;
    } catch (error) {
      this._state = this._entries.length ? 'ready' : 'error';
      this._error = (error as Error).message;
    }
    this._changed.emit();
  }

  /**
   * Point `alias` of model `name` at `version` (null removes it). An alias
   * names one version, so moving it updates the version it left as well.
   */
  async setAlias(name: string, alias: string, version: number | null): Promise<boolean> {
    const entry = this._entries.find(e => e.model.name === name);
    if (!entry) {
      return false;
    }
    try {
      const { aliases } = await modelsAPI.setAlias(name, alias, version);
      const moved = {
        ...entry,
        model: { ...entry.model, aliases },
        versions: (entry.versions ?? []).map(v => ({
          ...v,
          aliases: Object.keys(aliases)
            .filter(a => aliases[a] === v.version)
            .sort()
        })),
        error: null
      };
      this._replace(name, moved);
      // the change is an audit event, and may move the version drift checks use: show both
      const [{ events }, { drift_version }] = await Promise.all([
        modelsAPI.events(name).catch(() => ({ events: entry.events })),
        modelsAPI.versions(name).catch(() => ({ drift_version: entry.driftVersion }))
      ]);
      this._replace(name, { ...moved, events, driftVersion: drift_version ?? null });
      return true;
    } catch (error) {
      this._replace(name, { ...entry, error: (error as Error).message });
      return false;
    }
  }

  /**
   * Move the evaluation's alias to its challenger (the server checks the gate
   * again), then reload the model: aliases, events and evaluation all change.
   */
  async promote(name: string, evaluation: IModelEvaluation): Promise<boolean> {
    const entry = this._entries.find(e => e.model.name === name);
    if (!entry) {
      return false;
    }
    try {
      await modelsAPI.promote(name, evaluation.run_id, evaluation.alias);
    } catch (error) {
      this._replace(name, { ...entry, error: (error as Error).message });
      return false;
    }
    const { models } = await modelsAPI.models();
    const model = models.find(m => m.name === name) ?? entry.model;
    this._replace(name, await this._fetchEntry(model));
    return true;
  }

  private async _fetchEntry(model: IRegisteredModel): Promise<IModelEntry> {
    try {
      const [{ versions, drift_version }, { events }, { evaluation }] = await Promise.all([
        modelsAPI.versions(model.name),
        modelsAPI.events(model.name),
        modelsAPI.evaluation(model.name)
      ]);
      return {
        model,
        versions,
        driftVersion: drift_version ?? null,
        events,
        evaluation,
        error: null
      };
    } catch (error) {
      return {
        model,
        versions: null,
        driftVersion: null,
        events: [],
        evaluation: null,
        error: (error as Error).message
      };
    }
  }

  clearError(name: string): void {
    const entry = this._entries.find(e => e.model.name === name);
    if (entry) {
      this._replace(name, { ...entry, error: null });
    }
  }

  private _replace(name: string, entry: IModelEntry): void {
    this._entries = this._entries.map(e => (e.model.name === name ? entry : e));
    this._changed.emit();
  }

  private _changed = new Signal<RegistryModel, void>(this);
  private _state: LoadState = 'loading';
  private _error: string | null = null;
  private _entries: IModelEntry[] = [];
}
