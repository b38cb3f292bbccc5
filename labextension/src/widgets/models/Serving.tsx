/**
 * A served version's endpoint in the Models view: its URL with a copyable `curl`
 * example, live request count and rate, latency p50/p99, errors, and the canary or
 * shadow split with each version's live numbers. **Split…** serves a version with a
 * second one as canary (a share of requests) or shadow (scored, never returned).
 */
import { Clipboard, Dialog, ReactWidget, showDialog } from '@jupyterlab/apputils';
import * as React from 'react';

import { IModelVersion, IServingEndpointLive } from '../../tokens';
import { curlExample } from './curl';
import { IServeOptions, ServingModel } from './ServingModel';

/** **Serve** a version (and **Split…**: with a canary or shadow), or **Stop** its endpoint. */
export function ServeButton(props: {
  serving: ServingModel;
  version: IModelVersion;
  /** the model's other versions, the possible challengers */
  others: number[];
}): JSX.Element {
  const { serving, version, others } = props;
  const endpoint = serving.endpointOf(version.name, version.version);
  const busy = serving.isBusy(version.name, version.version);
  if (endpoint) {
    return (
      <button
        className="jp-mod-styled jp-mod-warn jp-nbops-Button"
        aria-label={`Stop serving version ${version.version}`}
        disabled={busy}
        onClick={() => void serving.stop(version.name, version.version)}
      >
        {busy ? 'Stopping…' : 'Stop'}
      </button>
    );
  }
  const split = async () => {
    const result = await showDialog({
      title: `Serve ${version.name} v${version.version} with a second version`,
      body: new ServeOptionsBody(others),
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Serve' })]
    });
    if (result.button.accept && result.value) {
      await serving.serve(version.name, version.version, result.value);
    }
  };
  const servable = !busy && version.flavor !== 'file';
  return (
    <>
      <button
        className="jp-mod-styled jp-mod-accept jp-nbops-Button"
        aria-label={`Serve version ${version.version}`}
        title="Serve this version over HTTP on this machine (nbops serve)"
        disabled={!servable}
        onClick={() => void serving.serve(version.name, version.version)}
      >
        {busy ? 'Starting…' : 'Serve'}
      </button>
      {others.length > 0 && (
        <button
          className="jp-mod-styled jp-nbops-Button"
          aria-label={`Split version ${version.version} with a canary or shadow`}
          title="Serve this version with a second one: a canary answers a share of requests, a shadow scores every request unseen"
          disabled={!servable}
          onClick={() => void split()}
        >
          Split…
        </button>
      )}
    </>
  );
}

/** The Split… dialog's form: challenger, canary percent or shadow, and whether raw inputs are kept. */
class ServeOptionsBody extends ReactWidget implements Dialog.IBodyWidget<IServeOptions> {
  constructor(others: number[]) {
    super();
    this.addClass('jp-nbops-ServeOptions');
    this._others = others;
    this._state = { mode: 'canary', other: others[0], percent: 10, logInputs: false };
  }

  getValue(): IServeOptions {
    const { mode, other, percent, logInputs } = this._state;
    const options: IServeOptions = { log_inputs: logInputs };
    if (mode === 'canary') {
      options.canary = { version: other, percent };
    } else {
      options.shadow = { version: other };
    }
    return options;
  }

  render(): JSX.Element {
    return (
      <ServeOptionsForm
        others={this._others}
        initial={this._state}
        onChange={state => (this._state = state)}
      />
    );
  }

  private _others: number[];
  private _state: IServeOptionsState;
}

interface IServeOptionsState {
  mode: 'canary' | 'shadow';
  other: number;
  percent: number;
  logInputs: boolean;
}

function ServeOptionsForm(props: {
  others: number[];
  initial: IServeOptionsState;
  onChange: (state: IServeOptionsState) => void;
}): JSX.Element {
  const [state, setState] = React.useState(props.initial);
  const update = (change: Partial<IServeOptionsState>) => {
    const next = { ...state, ...change };
    setState(next);
    props.onChange(next);
  };
  return (
    <div className="jp-nbops-ServeOptions-form">
      <label>
        Second version
        <select
          className="jp-mod-styled"
          value={state.other}
          onChange={e => update({ other: Number(e.target.value) })}
        >
          {props.others.map(v => (
            <option key={v} value={v}>
              v{v}
            </option>
          ))}
        </select>
      </label>
      <fieldset>
        <legend>As</legend>
        <label>
          <input
            type="radio"
            name="mode"
            checked={state.mode === 'canary'}
            onChange={() => update({ mode: 'canary' })}
          />
          Canary, answering
          <input
            type="number"
            className="jp-mod-styled"
            aria-label="Canary percent"
            min={1}
            max={99}
            value={state.percent}
            disabled={state.mode !== 'canary'}
            onChange={e =>
              update({ percent: Math.min(99, Math.max(1, Number(e.target.value) || 1)) })
            }
          />
          % of requests
        </label>
        <label>
          <input
            type="radio"
            name="mode"
            checked={state.mode === 'shadow'}
            onChange={() => update({ mode: 'shadow' })}
          />
          Shadow: scores every request, never answers
        </label>
      </fieldset>
      <label>
        <input
          type="checkbox"
          checked={state.logInputs}
          onChange={e => update({ logInputs: e.target.checked })}
        />
        Keep raw inputs (needed to explain it on live inputs)
      </label>
    </div>
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
      {(endpoint.canary || endpoint.shadow) && <SplitTable endpoint={endpoint} />}
    </div>
  );
}

/** The split, and each served version's live numbers side by side. */
function SplitTable(props: { endpoint: IServingEndpointLive }): JSX.Element {
  const { endpoint } = props;
  const { canary, shadow } = endpoint;
  const share: Record<string, string> = canary
    ? { primary: `${100 - canary.percent} %`, canary: `${canary.percent} %` }
    : { primary: '100 %', shadow: 'shadow' };
  const rows = endpoint.stats?.versions ?? [];
  const roles = canary
    ? [
        { role: 'primary', version: endpoint.version },
        { role: 'canary', version: canary.version }
      ]
    : [
        { role: 'primary', version: endpoint.version },
        { role: 'shadow', version: shadow!.version }
      ];
  return (
    <table
      className="jp-nbops-Endpoint-split"
      data-id="serving-split"
      aria-label={`${canary ? 'Canary' : 'Shadow'} split of ${endpoint.model}`}
    >
      <thead>
        <tr>
          <th scope="col">Version</th>
          <th scope="col">Answers</th>
          <th scope="col">Requests</th>
          <th scope="col">Errors</th>
          <th scope="col">p50</th>
          <th scope="col">p99</th>
        </tr>
      </thead>
      <tbody>
        {roles.map(({ role, version }) => {
          const live = rows.find(r => r.role === role);
          return (
            <tr key={role} data-role={role}>
              <th scope="row">
                v{version} <span className="jp-nbops-Muted">{role}</span>
              </th>
              <td>{share[role]}</td>
              <td data-id="split-requests">{live ? String(live.requests) : '0'}</td>
              <td className={live?.errors ? 'jp-mod-alert' : undefined}>
                {live ? String(live.errors) : '0'}
              </td>
              <td>{formatMs(live?.latency_ms.p50)}</td>
              <td>{formatMs(live?.latency_ms.p99)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
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
