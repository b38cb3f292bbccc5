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

// ---------------------------------------------------------------------------
// Compare panel: `GET compare` and `GET runs/{id}/metrics`.

/** A run header in the comparison; `deleted_at` is set for soft-deleted runs. */
export interface ICompareRun extends IRun {
  deleted_at: number | null;
}

/** One param (or tag) row: its value per run id (`null` where the run lacks it). */
export interface ICompareRow {
  key: string;
  values: Record<string, string | null>;
  differs: boolean;
}

/** A run's summary of one metric; `null` values stand for NaN. */
export interface IMetricSummary {
  last: number | null;
  step: number;
  min: number | null;
  max: number | null;
  count: number;
}

export interface ICompareMetricRow {
  key: string;
  values: Record<string, IMetricSummary | null>;
  differs: boolean;
}

/** `GET compare?runs=a,b&missing=omit`. */
export interface IComparison {
  runs: ICompareRun[];
  params: ICompareRow[];
  tags: ICompareRow[];
  metrics: ICompareMetricRow[];
  /** Requested ids the store does not know (any more). */
  missing_runs: string[];
}

/**
 * One metric of one run, downsampled in buckets: column arrays of equal length.
 * `value` is the bucket mean, `min`/`max` its envelope; `null` stands for NaN.
 */
export interface IMetricSeries {
  step: number[];
  wall_time: number[];
  relative_time: number[];
  value: (number | null)[];
  last: (number | null)[];
  min: (number | null)[];
  max: (number | null)[];
  count: number[];
  bucket_width: number;
  downsampled: boolean;
}

/** `GET runs/{id}/metrics?keys=&max_points=`. */
export interface IRunMetrics {
  run_id: string;
  max_points: number;
  metrics: Record<string, IMetricSeries>;
  missing_keys: string[];
}
