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
// Drift monitor (routes under `drift/...`, see README "Drift REST routes")
// ---------------------------------------------------------------------------

export type DriftTier = 'ok' | 'warn' | 'drift';

/** `GET drift/references`: one dataset or model that can be checked for drift. */
export interface IDriftSubject {
  name: string;
  kind: 'dataset' | 'model';
  /** e.g. `churn v3` for a model, the name for a dataset. */
  label: string;
  version: number | null;
  dataset_id: number;
  dataset: string | null;
  rows: number | null;
  features: number;
  windows: number;
  last_window: {
    id: number;
    window: string;
    created_at: number;
    tiers: Record<DriftTier, number>;
  } | null;
  unseen_alerts: number;
}

export interface IDriftSubjectsResponse {
  subjects: IDriftSubject[];
}

/** One checked window of a subject. */
export interface IDriftWindow {
  id: number;
  window: string;
  created_at: number;
  policy: string;
  rows: number;
  features: number;
  drifted: number;
  share_drifted: number;
  dataset_drift: boolean;
  model_version_id: number | null;
}

/** A feature's decisions and statistics, arrays aligned with the windows. */
export interface IDriftFeatureSeries {
  feature: string;
  kind: string;
  n_reference: number | null;
  tier: (DriftTier | null)[];
  statistic: (string | null)[];
  threshold: (number | null)[];
  p_adjusted: (number | null)[];
  n_current: (number | null)[];
  note: (string | null)[];
  /** statistic -> value per window; `effect` is the decision's effect. */
  values: Record<string, (number | null)[]>;
}

export interface IDriftModelVersion {
  model: string;
  version: number;
  created_at: number;
  aliases: string[];
}

/** `GET drift/{subject}/windows`. */
export interface IDriftWindowsResponse {
  subject: IDriftSubject;
  windows: IDriftWindow[];
  features: IDriftFeatureSeries[];
  statistics: string[];
  thresholds: Record<string, { warn: number; drift: number }>;
  model_versions: IDriftModelVersion[];
}

/** `GET drift/windows/{id}/features/{feature}`: reference vs current, from sketches. */
export interface IDriftOverlay {
  feature: string;
  kind: string;
  /** Numeric: bin i spans edges[i]..edges[i+1]. */
  edges?: (number | null)[];
  /** Categorical: sorted by change, largest first, incl. `(unseen)`. */
  labels?: string[];
  reference: (number | null)[];
  current: (number | null)[];
  ecdf_reference?: (number | null)[];
  ecdf_current?: (number | null)[];
  ks_gap?: { x: number | null; gap: number | null };
  window: { id: number; subject: string; window: string; created_at: number };
  decision: {
    tier: DriftTier;
    statistic: string;
    effect: number | null;
    threshold: number | null;
    p_value: number | null;
    p_adjusted: number | null;
    n_reference: number;
    n_current: number;
    note: string | null;
  };
  statistics: Record<string, number | null>;
}

/** One alert event (a rule fired on a window). */
export interface IDriftAlert {
  id: number;
  window_id: number;
  window: string;
  subject: string;
  rule: string;
  features: string[];
  message: string;
  created_at: number;
  seen_at: number | null;
}

/** `GET drift/alerts`. */
export interface IDriftAlertsResponse {
  alerts: IDriftAlert[];
  unseen: number;
  unseen_by_subject: Record<string, number>;
  latest_id: number;
}

/** Unseen drift alerts, for badges outside the Drift panel (e.g. a sidebar tab). */
export interface IDriftAlerts {
  /** Emitted when `unseen` or the latest alert changes. */
  readonly changed: ISignal<IDriftAlerts, void>;
  /** How many alert events the user has not seen. */
  readonly unseen: number;
  /** Unseen count per subject. */
  readonly unseenBySubject: ReadonlyMap<string, number>;
  /** Mark every unseen alert of `subject` (all subjects when absent) as seen. */
  markSeen(subject?: string): Promise<void>;
}

export const IDriftAlerts = new Token<IDriftAlerts>(
  'nbops:IDriftAlerts',
  'The number of unseen drift alerts, polled while JupyterLab is open.'
);
