/**
 * Model endpoints this Jupyter server started: Serve, Stop, and their live numbers,
 * polled every 2 s only while one is running.
 */
import { showErrorMessage } from '@jupyterlab/apputils';

import { modelsAPI } from '../../api';
import { IServingEndpointLive } from '../../tokens';
import { PollingModel } from '../PollingModel';

const POLL_MS = 2000;

/** What POST models/{name}/serve takes beside the version: a canary or a shadow, and raw inputs. */
export interface IServeOptions {
  canary?: { version: number; percent: number };
  shadow?: { version: number };
  log_inputs?: boolean;
}

export class ServingModel extends PollingModel {
  constructor() {
    // Endpoints run whether the view shows or not; their numbers are cheap to follow.
    super({ interval: POLL_MS, when: 'always', name: 'nbops:serving' });
  }

  /** The running (or died, not yet stopped) endpoint of a version, if any. */
  endpointOf(name: string, version: number): IServingEndpointLive | undefined {
    return this._endpoints.find(e => e.model === name && e.version === version);
  }

  /** Whether Serve or Stop is in flight for a version. */
  isBusy(name: string, version: number): boolean {
    return this._busy.has(`${name}:${version}`);
  }

  protected async tick(): Promise<void> {
    try {
      this._endpoints = (await modelsAPI.endpoints()).endpoints;
    } catch {
      // a failed poll keeps the last numbers; the next one tries again
    }
    this.emitChanged();
  }

  /** Poll only while an endpoint runs: a stopped one's numbers no longer change. */
  protected shouldPoll(): boolean {
    return this._endpoints.some(e => e.state === 'running');
  }

  async serve(name: string, version: number, options: IServeOptions = {}): Promise<void> {
    await this._act(name, version, 'Cannot serve', () => modelsAPI.serve(name, version, options));
  }

  async stop(name: string, version: number): Promise<void> {
    const endpoint = this.endpointOf(name, version);
    if (endpoint) {
      await this._act(name, version, 'Cannot stop', () => modelsAPI.stop(endpoint.id));
    }
  }

  private async _act(name: string, version: number, title: string, call: () => Promise<unknown>) {
    const key = `${name}:${version}`;
    this._busy.add(key);
    this.emitChanged();
    try {
      await call();
    } catch (error) {
      // one dialog per failed action (no toasts): it carries the server's message and log tail
      void showErrorMessage(`${title} ${name} v${version}`, (error as Error).message);
    } finally {
      this._busy.delete(key);
    }
    await this.refresh();
  }

  private _endpoints: IServingEndpointLive[] = [];
  private _busy = new Set<string>();
}
