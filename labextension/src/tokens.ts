/**
 * Shapes of the nbops REST payloads (snake_case, as the server sends them)
 * and the tokens other plugins use to reach the shared runs model.
 */
import { Token } from '@lumino/coreutils';
import { ISignal } from '@lumino/signaling';

/** Version of this frontend; the server reports its own for the handshake. */
export const FRONTEND_VERSION = '0.1.0';

export type RunStatus = 'running' | 'finished' | 'failed' | 'crashed' | 'killed';

/** One run as listed by `GET runs`. Times are epoch seconds. */
export interface IRun {
  id: string;
  experiment: string;
  name: string | null;
  status: RunStatus;
  start_time: number;
  end_time: number | null;
  duration: number | null;
  params: Record<string, string>;
  /** Latest value per metric key; `null` stands for NaN/inf the store kept. */
  metrics: Record<string, number | null>;
  tags: Record<string, string>;
  notebook_path: string | null;
}

/** `GET runs/{id}`: a run plus provenance fields the server may add. */
export interface IRunDetail extends IRun {
  [field: string]: unknown;
}

export interface IRunsPage {
  runs: IRun[];
  next_cursor: string | null;
}

export interface IExperiment {
  name: string;
  run_count: number;
  last_start_time: number | null;
}

export interface IExperimentsResponse {
  experiments: IExperiment[];
}

export interface IVersionResponse {
  version: string;
}

/** Body of every 4xx/5xx answer of the nbops server. */
export interface IErrorResponse {
  message: string;
  reason: string;
}

export interface IRunsQuery {
  experiment?: string | null;
  limit?: number;
  cursor?: string | null;
}

/** Where the runs model is in its life: drives which view the panel shows. */
export type LoadState = 'loading' | 'ready' | 'error';

/** Read-only face of the runs model that other nbops plugins may consume. */
export interface IRunsModel {
  readonly changed: ISignal<IRunsModel, void>;
  readonly state: LoadState;
  readonly error: string | null;
  readonly runs: ReadonlyArray<IRun>;
  readonly experiments: ReadonlyArray<IExperiment>;
  readonly experiment: string | null;
  readonly hasMore: boolean;
  readonly serverVersion: string | null;
  readonly lastUpdated: Date | null;
  /** Fetch now instead of waiting for the next poll tick. */
  refresh(): Promise<void>;
}

export const IRunsModel = new Token<IRunsModel>(
  'nbops:IRunsModel',
  'The list of runs shown in the Experiments sidebar, refreshed while it is visible.'
);

// ---- Experiments sidebar: filtered and sorted pages, the change feed ----

/** `GET runs` with the server's filter and sort languages. */
export interface IRunsSearch extends IRunsQuery {
  /** e.g. `metrics.auc > 0.8 and params.model = 'rf'` */
  filter?: string | null;
  /** e.g. `-metrics.auc`, `params.lr`, `-start_time` */
  sort?: string | null;
}

/** A run as the change feed sends it: soft-deleted runs carry `deleted_at`. */
export interface IChangedRun extends IRun {
  deleted_at?: number | null;
}

/** `GET changes?since=`: runs stamped after `since`, oldest change first. */
export interface IChangesResponse {
  runs: IChangedRun[];
  /** Pass back as `since` next time. */
  seq: number;
  /** More changes are waiting: ask again at once. */
  more: boolean;
  /** `since` is newer than the store (it was replaced): reload everything. */
  reset: boolean;
}
