/**
 * The nbops REST client: the only module that knows URLs.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import {
  IArtifactsResponse,
  IChangesResponse,
  IComparison,
  ICodeDiff,
  IParamImportance,
  IDriftAlertsResponse,
  IDriftOverlay,
  IDriftRuleRequest,
  IDriftRulesResponse,
  IDriftSubjectsResponse,
  IDriftAlertsSeen,
  IDriftWebhookDeliveriesResponse,
  IDriftWindowsResponse,
  IErrorResponse,
  IExperimentsResponse,
  IModelAliasesResponse,
  IModelCard,
  IModelEvaluationResponse,
  IModelEventsResponse,
  IModelExplanationResponse,
  ILiveExplanationResponse,
  IPromoteResponse,
  IModelsResponse,
  IModelVersionsResponse,
  IPipelineAnalysis,
  IProductionizeJob,
  IProductionizeRequest,
  IProductionizeStarted,
  IRunEdit,
  IRun,
  IRunMetricsResponse,
  IRunRecord,
  IRunsPage,
  IRunsSearch,
  IServingEndpoint,
  IServingEndpointLive,
  ISyncPushed,
  ITagSuggestions,
  IVersionResponse
} from './tokens';

const API_NAMESPACE = 'nbops/api';

/** An HTTP failure of the nbops server, carrying its message and reason. */
export class NbopsAPIError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly reason: string = ''
  ) {
    super(message);
    this.name = 'NbopsAPIError';
  }
}

/** Raised when the Lab frontend is installed but the server routes are not. */
class ServerExtensionMissingError extends NbopsAPIError {
  constructor() {
    super(
      'The nbops server extension is not enabled. Run ' +
        '`jupyter server extension enable nbops` and restart JupyterLab.',
      404,
      'server_extension_missing'
    );
    this.name = 'ServerExtensionMissingError';
  }
}

/**
 * Call the nbops REST API.
 *
 * @param path - route below `<base_url>/nbops/api/`, e.g. `runs?limit=10`
 * @param init - fetch options
 * @returns the decoded JSON body
 * @throws NbopsAPIError with the server's message when the answer is not 2xx
 */
async function requestAPI<T>(
  path: string,
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const url = URLExt.join(settings.baseUrl, API_NAMESPACE, path);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new NbopsAPIError(
      `Cannot reach the Jupyter server: ${(error as Error).message}`,
      0,
      'network'
    );
  }

  const text = await response.text();
  let body: unknown = null;
  if (text.length > 0) {
    try {
      body = JSON.parse(text, reviveInfinity);
    } catch {
      body = null;
    }
  }

  if (!response.ok) {
    const error = body as Partial<IErrorResponse> | null;
    const message =
      error && typeof error.message === 'string' && error.message
        ? error.message
        : `${response.status} ${response.statusText || 'error'} from ${path}`;
    throw new NbopsAPIError(message, response.status, error?.reason ?? '');
  }
  if (body === null) {
    throw new NbopsAPIError(
      `The nbops server sent an invalid JSON answer for ${path}`,
      response.status,
      'invalid_json'
    );
  }
  return body as T;
}

/** The server writes ±inf as these strings (JSON has no infinity); NaN stays null. */
function reviveInfinity(_key: string, value: unknown): unknown {
  if (value === 'Infinity') {
    return Infinity;
  }
  return value === '-Infinity' ? -Infinity : value;
}

function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') {
      search.set(key, String(value));
    }
  }
  const encoded = search.toString();
  return encoded ? `?${encoded}` : '';
}

/** `runs/<id>/artifacts/<path>` with each path segment encoded and the slashes kept. */
function artifactRoute(runId: string, path: string): string {
  const segments = path.split('/').map(encodeURIComponent).join('/');
  return `runs/${encodeURIComponent(runId)}/artifacts/${segments}`;
}

// ---------------------------------------------------------------------------
// One object per resource; each method is one route.
// ---------------------------------------------------------------------------

/** The server itself. */
export const serverAPI = {
  /** Version handshake; a 404 means the server extension is missing. */
  async version(): Promise<IVersionResponse> {
    try {
      return await requestAPI<IVersionResponse>('version');
    } catch (error) {
      if (error instanceof NbopsAPIError && error.status === 404) {
        throw new ServerExtensionMissingError();
      }
      throw error;
    }
  }
};

/** Experiments, runs, their metrics and artifacts, and the change feed. */
export const runsAPI = {
  experiments(): Promise<IExperimentsResponse> {
    return requestAPI<IExperimentsResponse>('experiments');
  },

  /** A page of runs; a bad `filter` or `sort` rejects with a 400 naming it. */
  searchRuns(options: IRunsSearch = {}): Promise<IRunsPage> {
    return requestAPI<IRunsPage>(
      'runs' +
        query({
          experiment: options.experiment,
          filter: options.filter,
          sort: options.sort,
          limit: options.limit,
          cursor: options.cursor
        })
    );
  },

  /** Runs changed after `since`; without it, only the current seq. */
  changes(since: number | null): Promise<IChangesResponse> {
    return requestAPI<IChangesResponse>('changes' + query({ since }));
  },

  /** The run with provenance, artifacts and child runs. */
  run(runId: string): Promise<IRunRecord> {
    return requestAPI<IRunRecord>(`runs/${encodeURIComponent(runId)}`);
  },

  /** Set or delete tags and set or clear the note in one commit; answers the bare run. */
  edit(runId: string, edit: IRunEdit): Promise<IRun> {
    return requestAPI<IRun>(`runs/${encodeURIComponent(runId)}`, {
      method: 'PATCH',
      body: JSON.stringify(edit)
    });
  },

  /** Soft delete: the run leaves listings until {@link runsAPI.restore}. */
  remove(runId: string): Promise<IRun> {
    return requestAPI<IRun>(`runs/${encodeURIComponent(runId)}`, {
      method: 'DELETE'
    });
  },

  restore(runId: string): Promise<IRun> {
    return requestAPI<IRun>(`runs/${encodeURIComponent(runId)}/restore`, { method: 'POST' });
  },

  /** Downsampled series (with min/max envelopes); every key when `keys` is empty. */
  runMetrics(id: string, keys: string[] = [], maxPoints = 500): Promise<IRunMetricsResponse> {
    return requestAPI<IRunMetricsResponse>(
      `runs/${encodeURIComponent(id)}/metrics` +
        query({ keys: keys.join(','), max_points: maxPoints })
    );
  },

  artifacts(runId: string): Promise<IArtifactsResponse> {
    return requestAPI<IArtifactsResponse>(`runs/${encodeURIComponent(runId)}/artifacts`);
  },

  /**
   * An artifact's content. Fetched (not linked) because `<img src>` and
   * `<a href>` would not carry the Authorization header a token setup needs.
   */
  async artifactBlob(
    runId: string,
    path: string,
    settings: ServerConnection.ISettings = ServerConnection.makeSettings()
  ): Promise<Blob> {
    const url = URLExt.join(settings.baseUrl, API_NAMESPACE, artifactRoute(runId, path));
    let response: Response;
    try {
      response = await ServerConnection.makeRequest(url, {}, settings);
    } catch (error) {
      throw new NbopsAPIError(
        `Cannot reach the Jupyter server: ${(error as Error).message}`,
        0,
        'network'
      );
    }
    if (!response.ok) {
      let message = `${response.status} ${response.statusText || 'error'} for ${path}`;
      try {
        const body = (await response.json()) as Partial<IErrorResponse>;
        message = body.message || message;
      } catch {
        // not JSON: keep the status line
      }
      throw new NbopsAPIError(message, response.status);
    }
    return response.blob();
  }
};

/** Side-by-side comparison of runs. */
export const compareAPI = {
  /** Param diff and metric summary; unknown ids are listed, not an error. */
  compare(runIds: string[]): Promise<IComparison> {
    return requestAPI<IComparison>('compare' + query({ runs: runIds.join(','), missing: 'omit' }));
  },

  /** Each param's random-forest importance and correlation for `metric`. */
  importance(runIds: string[], metric: string): Promise<IParamImportance> {
    return requestAPI<IParamImportance>(
      'compare/importance' + query({ runs: runIds.join(','), metric })
    );
  },

  /** The executed cells of two runs, diffed cell by cell, and their git diffs. */
  codeDiff(a: string, b: string): Promise<ICodeDiff> {
    return requestAPI<ICodeDiff>('compare/code' + query({ a, b }));
  }
};

export const modelsAPI = {
  models(): Promise<IModelsResponse> {
    return requestAPI<IModelsResponse>('models');
  },

  versions(name: string): Promise<IModelVersionsResponse> {
    return requestAPI<IModelVersionsResponse>(`models/${encodeURIComponent(name)}/versions`);
  },

  /** Point `alias` at `version` (moving it from another version), or remove it with null. */
  setAlias(name: string, alias: string, version: number | null): Promise<IModelAliasesResponse> {
    return requestAPI<IModelAliasesResponse>(`models/${encodeURIComponent(name)}/aliases`, {
      method: 'PATCH',
      body: JSON.stringify({ alias, version })
    });
  },

  /** The audit trail, oldest first. */
  events(name: string): Promise<IModelEventsResponse> {
    return requestAPI<IModelEventsResponse>(`models/${encodeURIComponent(name)}/events`);
  },

  /** The latest `nbops models evaluate` of the model, or null. */
  evaluation(name: string): Promise<IModelEvaluationResponse> {
    return requestAPI<IModelEvaluationResponse>(`models/${encodeURIComponent(name)}/evaluation`);
  },

  /** Move `alias` to the evaluation's challenger; the server refuses (409) when its gate failed. */
  promote(name: string, evaluationRunId: string, alias: string): Promise<IPromoteResponse> {
    return requestAPI<IPromoteResponse>(`models/${encodeURIComponent(name)}/promote`, {
      method: 'POST',
      body: JSON.stringify({ evaluation_run_id: evaluationRunId, alias })
    });
  },

  /** A version's model card (Markdown). */
  card(name: string, version: number): Promise<IModelCard> {
    return requestAPI<IModelCard>(
      `models/${encodeURIComponent(name)}/versions/${encodeURIComponent(String(version))}/card`
    );
  },

  /** The newest `nbops.explain` of a version, or null. */
  explanation(name: string, version: number): Promise<IModelExplanationResponse> {
    return requestAPI<IModelExplanationResponse>(
      `models/${encodeURIComponent(name)}/versions/${encodeURIComponent(String(version))}/explanation`
    );
  },

  /**
   * Explain a served version on its newest `rows` live inputs (kept with `--log-inputs`);
   * a 409 names that opt-in, a 400 says why nothing can be computed.
   */
  explainLive(name: string, version: number, rows?: number): Promise<ILiveExplanationResponse> {
    return requestAPI<ILiveExplanationResponse>(
      `models/${encodeURIComponent(name)}/versions/${encodeURIComponent(String(version))}/explanation`,
      { method: 'POST', body: JSON.stringify({ source: 'live', rows }) }
    );
  },

  /** Start `nbops serve` for a version (with a canary or shadow); resolves once the endpoint answers. */
  serve(
    name: string,
    version: number,
    options: {
      canary?: { version: number; percent: number };
      shadow?: { version: number };
      log_inputs?: boolean;
    } = {}
  ): Promise<IServingEndpoint> {
    return requestAPI<IServingEndpoint>(`models/${encodeURIComponent(name)}/serve`, {
      method: 'POST',
      body: JSON.stringify({ version, ...options })
    });
  },

  /** The endpoints this server started, with live request count, rate, latency and errors. */
  endpoints(): Promise<{ endpoints: IServingEndpointLive[] }> {
    return requestAPI('models/serving');
  },

  stop(endpointId: string): Promise<IServingEndpoint> {
    return requestAPI<IServingEndpoint>(`models/serving/${encodeURIComponent(endpointId)}`, {
      method: 'DELETE'
    });
  }
};

// ---------------------------------------------------------------------------
// Productionize: static analysis and conversion jobs
// ---------------------------------------------------------------------------

/** Calls of the productionize routes; paths are relative to the server root. */
export const productionizeAPI = {
  /** The static plan; `content` (the editor's notebook JSON) covers unsaved tags. */
  async analyse(path: string, content?: unknown): Promise<IPipelineAnalysis> {
    try {
      return await requestAPI<IPipelineAnalysis>('productionize/analysis', {
        method: 'POST',
        body: JSON.stringify(content === undefined ? { path } : { path, content })
      });
    } catch (error) {
      // Our routes answer 404 with a reason; a bare 404 means they are not served at all.
      if (error instanceof NbopsAPIError && error.status === 404 && !error.reason) {
        throw new ServerExtensionMissingError();
      }
      throw error;
    }
  },

  /** Roles proposed for the untagged cells; `content` covers tags accepted but not saved. */
  suggest(path: string, content?: unknown): Promise<ITagSuggestions> {
    return requestAPI<ITagSuggestions>('productionize/suggestions', {
      method: 'POST',
      body: JSON.stringify(content === undefined ? { path } : { path, content })
    });
  },

  /** Start a job; a 409 NbopsAPIError means out_dir exists (retry with force) or a job runs. */
  start(request: IProductionizeRequest): Promise<IProductionizeStarted> {
    return requestAPI<IProductionizeStarted>('productionize', {
      method: 'POST',
      body: JSON.stringify(request)
    });
  },

  job(id: string): Promise<IProductionizeJob> {
    return requestAPI<IProductionizeJob>(`productionize/${encodeURIComponent(id)}`);
  }
};

// ---------------------------------------------------------------------------
// Drift monitor routes (`drift/...`)
// ---------------------------------------------------------------------------
/** Typed calls of the Drift monitor's routes. */
export const driftAPI = {
  subjects(): Promise<IDriftSubjectsResponse> {
    return requestAPI<IDriftSubjectsResponse>('drift/references');
  },

  windows(subject: string, limit?: number): Promise<IDriftWindowsResponse> {
    return requestAPI<IDriftWindowsResponse>(
      `drift/${encodeURIComponent(subject)}/windows` + query({ limit })
    );
  },

  overlay(windowId: number, feature: string): Promise<IDriftOverlay> {
    return requestAPI<IDriftOverlay>(
      `drift/windows/${windowId}/features/${encodeURIComponent(feature)}`
    );
  },

  alerts(
    options: { unseen?: boolean; after?: number; limit?: number; subject?: string } = {}
  ): Promise<IDriftAlertsResponse> {
    return requestAPI<IDriftAlertsResponse>(
      'drift/alerts' +
        query({
          unseen: options.unseen ? 'true' : undefined,
          subject: options.subject,
          after: options.after,
          limit: options.limit
        })
    );
  },

  /** The webhook delivery log, newest first (names only: URLs and secrets stay in the server config). */
  webhookDeliveries(limit?: number): Promise<IDriftWebhookDeliveriesResponse> {
    return requestAPI<IDriftWebhookDeliveriesResponse>(
      'drift/webhooks/deliveries' + query({ limit })
    );
  },

  markSeen(ids: number[]): Promise<IDriftAlertsSeen> {
    return requestAPI<IDriftAlertsSeen>('drift/alerts/seen', {
      method: 'POST',
      body: JSON.stringify({ ids })
    });
  },

  // -- Alert rules (Drift panel's "Alert rules" card) --
  /** The subject's rules and the `*` rules, or the default rule. */
  rules(subject: string): Promise<IDriftRulesResponse> {
    return requestAPI<IDriftRulesResponse>(`drift/${encodeURIComponent(subject)}/rules`);
  },

  /** Add (or replace, by name) a rule; subject `*` = every subject. A bad field rejects with a 400 naming it. */
  addRule(subject: string, body: IDriftRuleRequest): Promise<IDriftRulesResponse> {
    return requestAPI<IDriftRulesResponse>(`drift/${encodeURIComponent(subject)}/rules`, {
      method: 'POST',
      body: JSON.stringify(body)
    });
  }
};

// ---------------------------------------------------------------------------
// Team scale-out: the background push of ended runs to an MLflow server
// ---------------------------------------------------------------------------
export const syncAPI = {
  /** Push ended runs now; rejects with a 409 when no server is configured. */
  pushNow(): Promise<ISyncPushed> {
    return requestAPI<ISyncPushed>('sync/push', { method: 'POST' });
  }
};
