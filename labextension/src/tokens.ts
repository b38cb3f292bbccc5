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
  /** Its latest push to / pull from an MLflow server; null or absent: local only. */
  sync?: ISyncState | null;
}

/** `GET runs/{id}`: a run plus provenance fields the server may add. */
export interface IRunDetail extends IRun {
  [field: string]: unknown;
}

export interface IRunsPage {
  runs: IRun[];
  next_cursor: string | null;
  /** On an empty first page: a filter key no run has ("did you mean …?"). */
  notice?: string | null;
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

// ---------- Run detail and model registry (plugins/runDetail.ts, models.ts, runLink.ts) ----------

/** One executed cell recorded with a run, in execution order. */
export interface IExecutedCell {
  execution_count: number;
  source: string;
}

/** `provenance` of `GET runs/{id}`; each field is null when it was not captured. */
export interface IRunProvenance {
  python: string | null;
  packages: { name: string; version: string }[] | null;
  git_diff: string | null;
  cells: IExecutedCell[] | null;
}

/** A file logged with a run (`GET runs/{id}/artifacts`). */
export interface IArtifact {
  path: string;
  sha256: string;
  size: number;
  media_type: string;
  created_at: number;
}

export interface IArtifactsResponse {
  run_id: string;
  artifacts: IArtifact[];
}

/** A run linked from another one (its children). */
export interface IRunLink {
  id: string;
  name: string | null;
  status: RunStatus;
}

/** `GET runs/{id}`: the run with everything the detail panel shows. */
export interface IRunRecord extends IRun {
  host: string | null;
  user: string | null;
  pid: number | null;
  git_commit: string | null;
  git_branch: string | null;
  git_dirty: boolean | null;
  parent_id: string | null;
  note: string | null;
  deleted_at: number | null;
  artifacts: IArtifact[];
  provenance: IRunProvenance;
  child_runs?: IRunLink[];
  metric_summary?: Record<string, IMetricSummary>;
}

/** Per metric of `GET runs/{id}`: the latest point and the range over all steps. */
export interface IMetricSummary {
  value: number | null;
  step: number;
  timestamp: number;
  min: number | null;
  max: number | null;
  count: number;
}

/** One metric's downsampled series: column arrays of the same length. */
export interface IMetricSeries {
  step: number[];
  wall_time: number[];
  relative_time: number[];
  /** The bucket mean; `min`/`max` are its envelope and `last` its last value. */
  value: (number | null)[];
  last: (number | null)[];
  min: (number | null)[];
  max: (number | null)[];
  count: number[];
  bucket_width: number;
  downsampled: boolean;
}

export interface IRunMetricsResponse {
  run_id: string;
  max_points: number;
  metrics: Record<string, IMetricSeries>;
  missing_keys: string[];
}

/** Body of `PATCH runs/{id}`: any of the fields, applied in one commit. */
export interface IRunEdit {
  tags?: Record<string, string>;
  delete_tags?: string[];
  /** A string sets the note, null clears it. */
  note?: string | null;
}

/** The run a model version was trained in. */
export interface IModelRun {
  id: string;
  name: string | null;
  experiment: string;
  status: RunStatus;
  start_time: number;
  deleted_at: number | null;
  metrics: Record<string, number | null>;
}

export interface IModelDataset {
  id: number;
  name: string;
  role: string;
  digest: string;
  rows: number | null;
  columns: number | null;
}

export interface IModelVersion {
  name: string;
  version: number;
  created_at: number;
  flavor: string | null;
  run_id: string | null;
  aliases: string[];
  run: IModelRun | null;
  dataset: IModelDataset | null;
}

export interface IRegisteredModel {
  name: string;
  created_at: number;
  description: string | null;
  version_count: number;
  latest_version: number | null;
  aliases: Record<string, number>;
}

export interface IModelsResponse {
  models: IRegisteredModel[];
}

export interface IModelVersionsResponse {
  name: string;
  versions: IModelVersion[];
}

export interface IModelAliasesResponse {
  name: string;
  aliases: Record<string, number>;
}

/** The `%%track` summary's `application/vnd.nbops.run+json` output. */
export interface IRunSummary {
  run_id: string;
  experiment: string;
  name: string | null;
  status: RunStatus;
  duration: number | null;
  params: Record<string, string>;
  metrics: Record<string, number | null>;
}

// ---------------------------------------------------------------------------
// Productionize (routes productionize/analysis, productionize, productionize/{id})
// ---------------------------------------------------------------------------

export type DiagnosticSeverity = 'error' | 'warning' | 'info';

/** One coded problem of a notebook, anchored to a cell when it has one. */
export interface IPipelineDiagnostic {
  code: string;
  severity: DiagnosticSeverity;
  title: string;
  message: string;
  cell_index: number | null;
  cell_id: string | null;
  line: number | null;
  suggestion: string | null;
  /** Knock-on diagnostics of this root cause counted here instead of reported. */
  hides?: number;
}

export interface IPipelineStep {
  name: string;
  function: string;
  cells: { index: number; id: string | null }[];
  inputs: { name: string; from: string }[];
  params: string[];
  outputs: string[];
}

export interface IPipelineEdge {
  from: string;
  to: string;
  kind: 'data' | 'after';
  names: string[];
}

export interface IPipelineDag {
  order: string[];
  steps: IPipelineStep[];
  edges: IPipelineEdge[];
  metrics: string[];
}

/** The role the tags give one code cell (null: untagged, left out). */
export interface IPipelineCell {
  index: number;
  id: string | null;
  role: 'parameters' | 'setup' | 'library' | 'step' | 'test' | 'skip' | null;
  step: string | null;
  after: string[];
  metrics: boolean;
  tags: string[];
}

/** An untagged cell defining names that tagged cells read. */
export interface IUntaggedCell {
  index: number;
  id: string | null;
  names: string[];
  read_by: number[];
}

export interface IPipelineParam {
  name: string;
  type: string;
  default: unknown;
  [field: string]: unknown;
}

/** `POST productionize/analysis`: the static plan, nothing run. */
export interface IPipelineAnalysis {
  notebook: string;
  default_out_dir: string;
  package: string;
  params: IPipelineParam[];
  dag: IPipelineDag;
  cells: IPipelineCell[];
  untagged: IUntaggedCell[];
  requirements: string[];
  diagnostics: IPipelineDiagnostic[];
}

/** A proposed role for one untagged code cell (`POST productionize/suggestions`). */
export interface ITagSuggestion {
  index: number;
  id: string | null;
  role: 'parameters' | 'setup' | 'library' | 'step' | 'test' | 'skip';
  step: string | null;
  /** The tag to add, e.g. `setup` or `step:train`. */
  tag: string;
  reason: string;
}

export interface ITagSuggestions {
  notebook: string;
  suggestions: ITagSuggestion[];
}

export interface IEquivalenceEntry {
  step: string;
  variable: string;
  status: 'match' | 'nondeterministic' | 'mismatch' | 'missing';
  detail: string | null;
}

export interface IPipelineTests {
  passed: number;
  failed: number;
  errors: number;
  skipped: number;
  failures: string[];
  output: string;
  ok: boolean;
}

/** `productionize()`'s result, as the finished job carries it. */
export interface IProductionizeResult {
  ok: boolean;
  notebook: string;
  package: string;
  package_dir: string | null;
  diagnostics: IPipelineDiagnostic[];
  dag: IPipelineDag;
  equivalence: { ok: boolean; entries: IEquivalenceEntry[] };
  tests: IPipelineTests | null;
  metrics: Record<string, number>;
  requirements: string[];
  timings: Record<string, number>;
  /** Deployment files generated beside the package (Containerfile, KFP, Airflow) and how to submit each. */
  targets?: IDeployTarget[];
}

export interface IDeployTarget {
  name: 'container' | 'kfp' | 'airflow';
  files: string[];
  submit: string;
}

export type JobState = 'queued' | 'running' | 'done' | 'failed';

export interface IJobStage {
  stage: string;
  message: string;
  /** Epoch seconds. */
  started: number;
  seconds: number | null;
}

/** `GET productionize/{job_id}`. */
export interface IProductionizeJob {
  job_id: string;
  notebook: string;
  out_dir: string;
  state: JobState;
  stage: string | null;
  all_stages: string[];
  stages: IJobStage[];
  created: number;
  elapsed: number;
  result: IProductionizeResult | null;
  error: string | null;
}

export interface IProductionizeRequest {
  path: string;
  out_dir?: string;
  force?: boolean;
}

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
  /** The time the label names (`2024-W19` → its Monday), null when it names none. */
  starts_at?: number | null;
  /** Earlier checks of the same label (replaced results), newest first. */
  revisions?: { id: number; created_at: number; rows: number; drifted: number; superseded_at: number }[];
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
  /** Estimated performance per metric, lists aligned with `windows` (`drift/estimates`). */
  performance?: Record<
    string,
    Record<'estimate' | 'lower' | 'upper' | 'realized' | 'reference', (number | null)[]>
  >;
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
  /** The window was checked again since: this alert is about an earlier result. */
  window_replaced?: boolean;
}

/** One attempt to post an alert event to a webhook (`GET drift/webhooks/deliveries`). */
export interface IDriftWebhookDelivery {
  id: number;
  event_id: number;
  webhook: string;
  attempt: number;
  status: number | null;
  error: string | null;
  delivered: boolean;
  created_at: number;
  subject: string;
  message: string;
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
export interface ICompareMetricSummary {
  last: number | null;
  step: number;
  min: number | null;
  max: number | null;
  count: number;
}

export interface ICompareMetricRow {
  key: string;
  values: Record<string, ICompareMetricSummary | null>;
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

// ---------------------------------------------------------------------------
// Drift alert rules (`GET` / `POST drift/{subject}/rules`; subject `*` = all subjects)
// ---------------------------------------------------------------------------

/** One alert rule that applies to a subject. */
export interface IDriftRule {
  /** null for the built-in default rule, which is not stored. */
  id: number | null;
  /** The subject's name, or `*` when the rule applies to every subject. */
  subject: string;
  name: string;
  statistic: string;
  threshold: number;
  consecutive: number;
  cooldown: number;
  /** null: every feature. */
  features: string[] | null;
  /** A webhook name from the server's `c.Nbops.webhooks`, or null. */
  webhook?: string | null;
  /** The built-in rule, listed only while no rule is stored for the subject or `*`. */
  default: boolean;
}

/** `GET drift/{subject}/rules` (and the 201 answer of `POST`). */
export interface IDriftRulesResponse {
  subject: string;
  rules: IDriftRule[];
  /** Statistics a rule may watch. */
  statistics: string[];
}

/**
 * Body of `POST drift/{subject}/rules`. Numbers the user typed that do not parse
 * are sent as typed, so the server's 400 names the value the user sees.
 */
export interface IDriftRuleRequest {
  statistic: string;
  threshold: number | string;
  consecutive?: number | string;
  cooldown?: number | string;
  features: string[] | null;
  name: string;
  webhook?: string | null;
}

// ---------- Model governance (widgets/models) ----------

export interface IModelEvent {
  id: number;
  model: string;
  version: number | null;
  kind: 'registered' | 'alias_set' | 'alias_removed' | 'promoted' | 'retrained' | 'intended_use';
  alias: string | null;
  previous_version: number | null;
  actor: string | null;
  reason: string | null;
  evaluation_run_id: string | null;
  alert_event_id: number | null;
  created_at: number;
}

export interface IModelEvaluationVersion {
  label: string;
  version: number;
  metrics: Record<string, number>;
  slices: Record<string, Record<string, number>>;
}

export interface IModelEvaluation {
  model: string;
  run_id: string;
  metric: string;
  alias: string;
  slice_column: string | null;
  versions: IModelEvaluationVersion[];
  decision: { passed: boolean; reason: string; improvement: number };
}

/** One feature of an explanation: permutation importance (mean, std) and mean |SHAP| or null. */
export interface IFeatureImportance {
  feature: string;
  importance: number;
  std: number;
  shap: number | null;
}

/** `nbops.explain` of a model version (`GET models/{name}/versions/{version}/explanation`). */
export interface IModelExplanation {
  id: number;
  name: string;
  version: number;
  rows: number;
  /** `labels`: importances against the truth; `predictions`: against the model's own output. */
  target: 'labels' | 'predictions';
  scoring: string;
  n_repeats: number;
  methods: string[];
  notes: string[];
  created_at: number;
  /** Sorted by importance, highest first. */
  features: IFeatureImportance[];
}

/** A run's sync state with an MLflow tracking server (`sync` of a run). */
export interface ISyncState {
  state: 'pushed' | 'failed' | 'pulled';
  /** The server's URI, without credentials. */
  target: string;
  error: string | null;
  updated_at: number;
  remote_id: string | null;
}

/** `GET sync`: the background push to an MLflow server. */
export interface ISyncStatus {
  enabled: boolean;
  target: string | null;
  pending: number;
  last_error: string | null;
  last_push: number | null;
  retry_in: number | null;
}
