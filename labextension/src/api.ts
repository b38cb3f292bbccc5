/**
 * The nbops REST client: the only module that knows URLs.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import {
  IChangesResponse,
  IErrorResponse,
  IExperimentsResponse,
  IRunDetail,
  IRunsPage,
  IRunsQuery,
  IRunsSearch,
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
export class ServerExtensionMissingError extends NbopsAPIError {
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
export async function requestAPI<T>(
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
      body = JSON.parse(text);
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

/** Typed calls of the routes the frontend uses. */
export const nbopsAPI = {
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
  },

  experiments(): Promise<IExperimentsResponse> {
    return requestAPI<IExperimentsResponse>('experiments');
  },

  runs(options: IRunsQuery = {}): Promise<IRunsPage> {
    return requestAPI<IRunsPage>(
      'runs' +
        query({
          experiment: options.experiment,
          limit: options.limit,
          cursor: options.cursor
        })
    );
  },

  run(id: string): Promise<IRunDetail> {
    return requestAPI<IRunDetail>(`runs/${encodeURIComponent(id)}`);
  }
};

// ---- Experiments sidebar: filtered/sorted run pages and the change feed ----
export const sidebarAPI = {
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
  }
};
