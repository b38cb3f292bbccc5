/**
 * A served version's endpoint in the Models view: its URL with a copyable `curl`
 * example, live request count and rate, latency p50/p99, errors, and the canary split.
 */
import { Clipboard } from '@jupyterlab/apputils';
import * as React from 'react';

import { IModelVersion, IServingEndpointLive } from '../../tokens';
import { curlExample } from './curl';
import { ServingModel } from './ServingModel';

/** **Serve** a version, or **Stop** its endpoint. */
export function ServeButton(props: { serving: ServingModel; version: IModelVersion }): JSX.Element {
  const { serving, version } = props;
  const endpoint = serving.endpointOf(version.name, version.version);
  const busy = serving.isBusy(version.name, version.version);
  return endpoint ? (
    <button
      className="jp-mod-styled jp-mod-warn jp-nbops-Button"
      aria-label={`Stop serving version ${version.version}`}
      disabled={busy}
      onClick={() => void serving.stop(version.name, version.version)}
    >
      {busy ? 'Stopping…' : 'Stop'}
    </button>
  ) : (
    <button
      className="jp-mod-styled jp-mod-accept jp-nbops-Button"
      aria-label={`Serve version ${version.version}`}
      title="Serve this version over HTTP on this machine (nbops serve)"
      disabled={busy || version.flavor === 'file'}
      onClick={() => void serving.serve(version.name, version.version)}
    >
      {busy ? 'Starting…' : 'Serve'}
    </button>
  );
}

/** The endpoint of a served version, in a table row under the version's. */
export function EndpointRow(props: {
  serving: ServingModel;
  version: IModelVersion;
}): JSX.Element | null {
  const endpoint = props.serving.endpointOf(props.version.name, props.version.version);
  if (!endpoint) {
    return null;
  }
  return (
    <tr className="jp-nbops-VersionsTable-endpoint" data-endpoint-of={props.version.version}>
      <td colSpan={6}>
        <EndpointPanel endpoint={endpoint} />
      </td>
    </tr>
  );
}

function formatMs(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${value.toFixed(value < 10 ? 2 : 1)} ms`;
}

export function EndpointPanel(props: { endpoint: IServingEndpointLive }): JSX.Element {
  const { endpoint } = props;
  const stats = endpoint.stats;
  const [copied, setCopied] = React.useState(false);
  const copy = () => {
    Clipboard.copyToSystem(curlExample(endpoint.url, stats?.features ?? []));
    setCopied(true);
    window.setTimeout(() => setCopied(false), 1500);
  };
  const running = endpoint.state === 'running';
  return (
    <div
      className="jp-nbops-Endpoint"
      data-id="serving-endpoint"
      aria-label={`Endpoint of ${endpoint.model} version ${endpoint.version}`}
    >
      <div className="jp-nbops-Endpoint-line">
        <span
          className={`jp-nbops-Endpoint-state jp-mod-${endpoint.state}`}
          data-id="serving-state"
        >
          {running ? 'Serving' : `Stopped (exit code ${endpoint.exit_code})`}
        </span>
        <code className="jp-nbops-Endpoint-url" data-id="serving-url">
          {endpoint.url}/invocations
        </code>
        <button
          className="jp-mod-styled jp-nbops-Button"
          title="Copy a curl call of this endpoint with one example row"
          onClick={copy}
        >
          {copied ? 'Copied' : 'Copy curl'}
        </button>
      </div>
      {running && (
        <dl className="jp-nbops-Endpoint-stats">
          <Stat
            label="Requests"
            id="serving-requests"
            value={stats ? String(stats.requests) : '—'}
          />
          <Stat
            label="Rate"
            id="serving-rate"
            value={stats ? `${stats.requests_per_second.toFixed(1)}/s` : '—'}
          />
          <Stat label="p50" id="serving-p50" value={formatMs(stats?.latency_ms?.p50)} />
          <Stat label="p99" id="serving-p99" value={formatMs(stats?.latency_ms?.p99)} />
          <Stat
            label="Errors"
            id="serving-errors"
            value={stats ? String(stats.errors) : '—'}
            alert={!!stats?.errors}
          />
        </dl>
      )}
      {endpoint.canary && (
        <div className="jp-nbops-Endpoint-canary" data-id="serving-canary">
          Canary split: v{endpoint.version} answers {100 - endpoint.canary.percent} %, v
          {endpoint.canary.version} answers {endpoint.canary.percent} %
          {stats &&
            ` (so far ${stats.versions.map(v => `v${v.version} ${v.requests}`).join(' · ')})`}
        </div>
      )}
    </div>
  );
}

function Stat(props: { label: string; id: string; value: string; alert?: boolean }): JSX.Element {
  return (
    <div className={`jp-nbops-Endpoint-stat${props.alert ? ' jp-mod-alert' : ''}`}>
      <dt>{props.label}</dt>
      <dd data-id={props.id}>{props.value}</dd>
    </div>
  );
}
