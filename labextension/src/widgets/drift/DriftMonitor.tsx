/**
 * The Drift monitor main-area panel: subject selector, heatmap, feature table,
 * timeline, overlay and alert rules, with loading, empty and error states.
 */
import { ReactWidget } from '@jupyterlab/apputils';
import { HTMLSelect, refreshIcon, ToolbarButtonComponent } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import * as React from 'react';

import { IDriftAlerts, IDriftSubject, IDriftWindowsResponse } from '../../tokens';
import { IPlotTheme, readPlotTheme } from '../plot/theme';
import { AlertHistory } from './AlertHistory';
import { FeatureTable } from './FeatureTable';
import { formatCount, formatTime, longStatistic } from './format';
import { Heatmap } from './Heatmap';
import { AlertHistoryModel } from './history';
import { DriftMonitorModel } from './model';
import { Overlay, OverlayMode } from './Overlay';
import { PerformanceCard } from './Performance';
import { RulesModel } from './rules';
import { RulesCard } from './RulesCard';
import { Timeline } from './Timeline';

export namespace DriftMonitor {
  export interface IOptions {
    model: DriftMonitorModel;
    alerts: IDriftAlerts;
  }
}

export class DriftMonitor extends ReactWidget {
  constructor(options: DriftMonitor.IOptions) {
    super();
    this.addClass('jp-nbops-DriftMonitor');
    this.model = options.model;
    this._alerts = options.alerts;
    this.model.changed.connect(this._onModelChanged, this);
    this._alerts.changed.connect(this._onAlertsChanged, this);
    this._rules.changed.connect(this.update, this);
    this._history.changed.connect(this.update, this);
    this._rules.subject = this.model.subject;
    this._history.subject = this.model.subject;
  }

  readonly model: DriftMonitorModel;

  /** Re-read the theme's colours for the charts (after a theme switch). */
  refreshTheme(): void {
    this._colors = null;
    this.update();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.model.dispose();
    this._rules.dispose();
    this._history.dispose();
    super.dispose();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.model.visible = true;
    // Rules are not polled: re-read them when the user comes back (one small GET).
    if (this._rules.data !== null) {
      void this._rules.reload();
    }
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this.model.visible = false;
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this.model.visible = this.isVisible;
  }

  protected render(): JSX.Element {
    if (this._colors === null && this.isAttached) {
      this._colors = readPlotTheme(this.node);
    }
    return (
      <DriftView
        model={this.model}
        alerts={this._alerts}
        rules={this._rules}
        history={this._history}
        colors={this._colors ?? readPlotTheme()}
        overlayMode={this._overlayMode}
        setOverlayMode={mode => {
          this._overlayMode = mode;
          this.update();
        }}
      />
    );
  }

  /** The rules and alert history cards follow the subject selector. */
  private _onModelChanged(): void {
    this._rules.subject = this.model.subject;
    this._history.subject = this.model.subject;
    this.update();
  }

  /** A new alert or alerts marked seen: the history shows it. */
  private _onAlertsChanged(): void {
    void this._history.reload();
    this.update();
  }

  private _alerts: IDriftAlerts;
  private _rules = new RulesModel();
  private _history = new AlertHistoryModel();
  private _colors: IPlotTheme | null = null;
  private _overlayMode: OverlayMode = 'histogram';
}

interface IDriftViewProps {
  model: DriftMonitorModel;
  alerts: IDriftAlerts;
  rules: RulesModel;
  history: AlertHistoryModel;
  colors: IPlotTheme;
  overlayMode: OverlayMode;
  setOverlayMode: (mode: OverlayMode) => void;
}

function DriftView(props: IDriftViewProps): JSX.Element {
  const { model } = props;
  const subject = model.subjects.find(s => s.name === model.subject) ?? null;
  return (
    <>
      <Toolbar {...props} subject={subject} />
      <Body {...props} subject={subject} />
    </>
  );
}

function Toolbar(props: IDriftViewProps & { subject: IDriftSubject | null }): JSX.Element {
  const { model, alerts, subject } = props;
  const unseen = subject ? (alerts.unseenBySubject.get(subject.name) ?? 0) : 0;
  return (
    <div className="jp-nbops-DriftMonitor-toolbar">
      <label className="jp-nbops-DriftMonitor-subject">
        <span>Subject</span>
        <HTMLSelect
          aria-label="Subject"
          value={model.subject ?? ''}
          disabled={model.subjects.length === 0}
          onChange={event => {
            model.subject = event.currentTarget.value || null;
          }}
          options={
            model.subjects.length === 0
              ? [{ label: 'No references yet', value: '' }]
              : model.subjects.map(s => ({
                  label: s.kind === 'model' ? `${s.label} (model)` : `${s.name} (dataset)`,
                  value: s.name
                }))
          }
        />
      </label>
      {subject && <SubjectSummary subject={subject} />}
      <span className="jp-nbops-DriftMonitor-spacer" />
      {unseen > 0 && subject && (
        <button
          className="jp-nbops-DriftMonitor-seen jp-mod-styled"
          onClick={() => void alerts.markSeen(subject.name)}
          title="These alerts stop counting in the status bar"
        >
          Mark {unseen} {unseen === 1 ? 'alert' : 'alerts'} seen
        </button>
      )}
      <ToolbarButtonComponent
        icon={refreshIcon}
        tooltip="Refresh drift results"
        onClick={() => {
          void model.refresh();
          void props.rules.reload();
        }}
      />
    </div>
  );
}

function SubjectSummary(props: { subject: IDriftSubject }): JSX.Element {
  const s = props.subject;
  const parts = [
    s.kind === 'model' && s.dataset ? `trained on ${s.dataset}` : `logged ${s.version ?? 1}×`,
    s.rows !== null ? `${formatCount(s.rows)} reference rows` : 'no reference',
    `${s.features} features`,
    `${s.windows} ${s.windows === 1 ? 'window' : 'windows'}`
  ];
  return <span className="jp-nbops-DriftMonitor-summary">{parts.join(' · ')}</span>;
}

function Body(props: IDriftViewProps & { subject: IDriftSubject | null }): JSX.Element {
  const { model } = props;
  if (model.state === 'error' && model.data === null) {
    return (
      <div className="jp-nbops-DriftError" role="alert">
        <h2>Cannot load drift results.</h2>
        <p>{model.error}</p>
        <button className="jp-mod-styled jp-mod-accept" onClick={() => void model.refresh()}>
          Retry
        </button>
      </div>
    );
  }
  if (model.state === 'loading' && model.data === null) {
    return <div className="jp-nbops-DriftMessage">Loading drift results…</div>;
  }
  const data = model.data;
  if (model.subjects.length === 0 || data === null || data.windows.length === 0) {
    const ruled = model.subjects.length > 0 && data !== null;
    return (
      <>
        <EmptyState hasSubjects={model.subjects.length > 0} subject={model.subject} />
        {ruled && (
          // Rules can be set before the first check, so they fire on it.
          <div className="jp-nbops-DriftRules-standalone">
            <RulesCard model={props.rules} />
          </div>
        )}
      </>
    );
  }
  return <Dashboard {...props} data={data} />;
}

function EmptyState(props: { hasSubjects: boolean; subject: string | null }): JSX.Element {
  const name = props.subject ?? 'churn';
  return (
    <div className="jp-nbops-DriftEmpty">
      <h2>No drift checks yet — call nbops.check_drift(...)</h2>
      <p>
        {props.hasSubjects
          ? `"${name}" has a reference but no checked window. Check new data against it:`
          : 'Log a reference dataset, then check new data against it:'}
      </p>
      <pre>
        {props.hasSubjects
          ? `report = nbops.check_drift("${name}", new_df, window="2024-W18")`
          : `nbops.log_dataset(train_df, "${name}")\nreport = nbops.check_drift("${name}", new_df, window="2024-W18")`}
      </pre>
      <p>Each check adds a column to the heatmap; alerts show up as notifications.</p>
    </div>
  );
}

function Dashboard(props: IDriftViewProps & { data: IDriftWindowsResponse }): JSX.Element {
  const { model, data, colors } = props;
  const selection = model.selection;
  const windowIndex = selection?.window ?? data.windows.length - 1;
  const win = data.windows[windowIndex];
  const select = (feature: string, window: number) => model.select(feature, window);
  const counts = { drift: 0, warn: 0 };
  for (const f of data.features) {
    const t = f.tier[windowIndex];
    if (t === 'drift' || t === 'warn') {
      counts[t]++;
    }
  }
  return (
    <div className="jp-nbops-DriftMonitor-grid">
      <section className="jp-nbops-DriftCard jp-nbops-DriftCard-heatmap" aria-label="Heatmap">
        <header>
          <h3>Features × windows</h3>
          <span className="jp-nbops-DriftLegend" aria-hidden="true">
            <i className="jp-nbops-DriftCell jp-mod-ok" /> ok
            <i className="jp-nbops-DriftCell jp-mod-warn" /> warn
            <i className="jp-nbops-DriftCell jp-mod-drift" /> drift
          </span>
        </header>
        <Heatmap data={data} selection={selection} onSelect={select} />
      </section>
      <section className="jp-nbops-DriftCard jp-nbops-DriftCard-table" aria-label="Features">
        <header>
          <h3>
            Window {win.window}
            <span className="jp-nbops-DriftCard-sub">
              {' '}
              · {formatTime(win.created_at)} · {formatCount(win.rows)} rows
            </span>
          </h3>
          <span
            className={`jp-nbops-DriftCard-verdict${counts.drift ? ' jp-mod-drift' : counts.warn ? ' jp-mod-warn' : ''}`}
          >
            {counts.drift} drifted · {counts.warn} warn
            {win.dataset_drift ? ' · dataset drift' : ''}
          </span>
        </header>
        <FeatureTable data={data} selection={selection} onSelect={select} />
      </section>
      <section className="jp-nbops-DriftCard" aria-label="Timeline">
        <header>
          <h3>
            Timeline <span className="jp-nbops-DriftCard-sub">· {selection?.feature ?? '—'}</span>
          </h3>
          <HTMLSelect
            aria-label="Statistic"
            value={model.statistic}
            onChange={event => {
              model.statistic = event.currentTarget.value;
            }}
            options={data.statistics.map(s => ({ label: longStatistic(s), value: s }))}
          />
        </header>
        {selection ? (
          <Timeline
            data={data}
            feature={selection.feature}
            statistic={model.statistic}
            selectedWindow={windowIndex}
            colors={colors}
          />
        ) : (
          <div className="jp-nbops-DriftMessage">Select a feature in the heatmap or the table.</div>
        )}
      </section>
      <section className="jp-nbops-DriftCard" aria-label="Distribution">
        <OverlayCard {...props} windowLabel={win.window} />
      </section>
      <PerformanceCard data={data} selectedWindow={windowIndex} colors={colors} />
      <AlertHistory model={props.history} />
      <RulesCard model={props.rules} />
    </div>
  );
}

function OverlayCard(props: IDriftViewProps & { windowLabel: string }): JSX.Element {
  const { model, overlayMode, setOverlayMode, colors } = props;
  const overlay = model.overlay;
  const feature = model.selection?.feature ?? '—';
  const numeric = overlay !== null && overlay.labels === undefined && !('terms' in overlay);
  return (
    <>
      <header>
        <h3>
          Reference vs current{' '}
          <span className="jp-nbops-DriftCard-sub">
            · {feature} · {props.windowLabel}
          </span>
        </h3>
        {numeric && (
          <div className="jp-nbops-DriftToggle" role="radiogroup" aria-label="Overlay kind">
            {(['histogram', 'ecdf'] as OverlayMode[]).map(mode => (
              <button
                key={mode}
                role="radio"
                aria-checked={overlayMode === mode}
                className={overlayMode === mode ? 'jp-mod-active' : undefined}
                onClick={() => setOverlayMode(mode)}
              >
                {mode === 'ecdf' ? 'ECDF' : 'Histogram'}
              </button>
            ))}
          </div>
        )}
      </header>
      {model.overlayState === 'error' ? (
        <div className="jp-nbops-DriftMessage jp-mod-error" role="alert">
          {model.overlayError}
        </div>
      ) : overlay === null ? (
        <div className="jp-nbops-DriftMessage">Loading the distributions…</div>
      ) : (
        <Overlay overlay={overlay} mode={overlayMode} colors={colors} />
      )}
    </>
  );
}
