/**
 * The Compare panel: notices, grouping, the param table and the charts.
 */
import { ReactWidget } from '@jupyterlab/ui-components';
import React, { useEffect, useMemo, useState } from 'react';

import { ICompareRun } from '../../tokens';
import { isSystemMetric } from '../run/MetricsSection';
import { IPlotTheme, readPlotTheme, seriesColor } from '../plot/theme';
import { ControlSelect } from './ControlSelect';
import { ArtifactsCompare } from './ArtifactsCompare';
import { BarView } from './BarView';
import { CodeDiffView } from './CodeDiffView';
import { comparisonCsv, downloadText } from './csv';
import { CurvesView, defaultMetric } from './CurvesView';
import {
  Grouping,
  groupingChoices,
  groupingLabel,
  groupingValue,
  groupRuns,
  IRunGroup,
  parseGrouping
} from './grouping';
import { CompareModel, runLabel } from './model';
import { ImportanceView } from './ImportanceView';
import { ParallelView } from './ParallelView';
import { ParamTable } from './ParamTable';
import { plottedParams } from './params';
import { ScatterView } from './ScatterView';

/** The widget Lab shows; re-renders on model changes and theme changes. */
export class ComparePanel extends ReactWidget {
  constructor(readonly model: CompareModel) {
    super();
    this.addClass('jp-nbops-ComparePanel');
    model.changed.connect(() => this.update(), this);
  }

  /** Re-read plot colours, e.g. after the theme changed. */
  refreshTheme(): void {
    this._themeRevision += 1;
    this.update();
  }

  protected render(): JSX.Element {
    return <CompareView model={this.model} themeRevision={this._themeRevision} />;
  }

  private _themeRevision = 0;
}

function Notices(props: { model: CompareModel }): JSX.Element | null {
  const { model } = props;
  const notices: string[] = [];
  for (const run of model.deletedRuns) {
    notices.push(
      `Run ${runLabel(run)} (${run.id.slice(0, 8)}) was deleted and is left out; restore it to compare it again.`
    );
  }
  for (const id of model.missingRuns) {
    notices.push(`Run ${id} no longer exists and is left out.`);
  }
  if (model.runs.length === 1) {
    notices.push(
      'Only one run to show: select more runs in the Experiments sidebar to compare them.'
    );
  }
  if (notices.length === 0) {
    return null;
  }
  return (
    <div className="jp-nbops-Compare-notices" role="status" aria-label="Notices">
      {notices.map(text => (
        <div key={text} className="jp-nbops-Compare-notice">
          {text}
        </div>
      ))}
    </div>
  );
}

/**
 * A titled card. A `lazy` one draws its content only once scrolled near the view:
 * charts below the fold (parcoords draws with WebGL) no longer hold up the first
 * chart the user sees.
 */
function Section(props: {
  title: string;
  children: React.ReactNode;
  wide?: boolean;
  lazy?: boolean;
}): JSX.Element {
  const ref = React.useRef<HTMLElement>(null);
  const [shown, setShown] = useState(!props.lazy);
  useEffect(() => {
    const node = ref.current;
    if (shown || !node || typeof IntersectionObserver === 'undefined') {
      setShown(true);
      return;
    }
    const observer = new IntersectionObserver(
      entries => {
        if (entries.some(entry => entry.isIntersecting)) {
          setShown(true);
          observer.disconnect();
        }
      },
      { rootMargin: '200px' }
    );
    observer.observe(node);
    return () => observer.disconnect();
  }, [shown]);
  return (
    <section
      ref={ref}
      className={'jp-nbops-Compare-section' + (props.wide ? ' jp-mod-wide' : '')}
      aria-label={props.title}
    >
      <h3 className="jp-nbops-Compare-heading">{props.title}</h3>
      {shown ? props.children : <div className="jp-nbops-Compare-placeholder" aria-hidden="true" />}
    </section>
  );
}

/** Colours by position: run i (or group i) gets palette colour i everywhere. */
function useColors(runs: ICompareRun[], groups: IRunGroup[] | null, theme: IPlotTheme) {
  return useMemo(() => {
    const groupColors = new Map<string, string>();
    const colors = new Map<string, string>();
    if (groups) {
      groups.forEach((group, i) => {
        groupColors.set(group.key, seriesColor(theme, i));
        group.runs.forEach(id => colors.set(id, seriesColor(theme, i)));
      });
    } else {
      runs.forEach((run, i) => colors.set(run.id, seriesColor(theme, i)));
    }
    return { colors, groupColors };
  }, [runs, groups, theme]);
}

function CompareView(props: { model: CompareModel; themeRevision: number }): JSX.Element {
  const { model, themeRevision } = props;
  const [differencesOnly, setDifferencesOnly] = useState(model.view.differencesOnly ?? false);
  const [grouping, setGrouping] = useState<Grouping>(() =>
    parseGrouping(model.view.grouping ?? 'none')
  );
  useEffect(() => {
    model.setView({ differencesOnly, grouping: groupingValue(grouping) });
  }, [model, differencesOnly, grouping]);
  const theme = useMemo(() => readPlotTheme(), [themeRevision]);
  const comparison = model.comparison;
  const shown = model.runs;
  const runs = useMemo(() => shown, [comparison]);
  const params = comparison?.params ?? [];
  // The sampler's system/ metrics are a chart group of their own, out of the table and plots.
  const metrics = useMemo(
    () => (comparison?.metrics ?? []).filter(row => !isSystemMetric(row.key)),
    [comparison]
  );
  const metricKeys = useMemo(() => metrics.map(row => row.key), [metrics]);
  const systemKeys = useMemo(
    () => (comparison?.metrics ?? []).map(row => row.key).filter(isSystemMetric),
    [comparison]
  );

  const groups = useMemo(
    () =>
      grouping.kind === 'none'
        ? null
        : groupRuns(
            runs.map(run => run.id),
            params,
            grouping
          ),
    [runs, comparison, grouping]
  );
  // Columns follow the groups so a group's runs sit side by side.
  const orderedRuns = useMemo(() => {
    if (!groups) {
      return runs;
    }
    const byId = new Map(runs.map(run => [run.id, run]));
    return groups.flatMap(group => group.runs.map(id => byId.get(id)!));
  }, [runs, groups]);
  const { colors, groupColors } = useColors(runs, groups, theme);

  if (model.state === 'loading' && !comparison) {
    return (
      <div className="jp-nbops-State jp-mod-loading" role="status">
        <div className="jp-nbops-Spinner" aria-hidden="true" />
        Loading {model.runIds.length} runs…
      </div>
    );
  }
  if (model.state === 'error') {
    return (
      <div className="jp-nbops-State jp-mod-error">
        <div className="jp-nbops-Compare-notice jp-mod-error" role="alert">
          Cannot compare these runs: {model.error}
        </div>
        <button
          className="jp-mod-styled jp-mod-accept jp-nbops-Button"
          onClick={() => void model.load()}
        >
          Retry
        </button>
      </div>
    );
  }
  if (runs.length === 0) {
    return (
      <div className="jp-nbops-State jp-mod-empty">
        <Notices model={model} />
        <p>
          None of these runs can be shown. Select runs in the Experiments sidebar and choose
          Compare.
        </p>
      </div>
    );
  }

  const choices = groupingChoices(params);
  const firstMetric = defaultMetric(metricKeys);
  const firstParam = plottedParams(params)[0]?.key ?? '';
  return (
    <div className="jp-nbops-Compare">
      <header className="jp-nbops-Compare-header">
        <h2 className="jp-nbops-Compare-title">
          Comparing {runs.length} run{runs.length === 1 ? '' : 's'}
        </h2>
        <ControlSelect
          label="Group runs"
          value={groupingValue(grouping)}
          options={[{ kind: 'none' } as Grouping, ...choices].map(choice => ({
            value: groupingValue(choice),
            label: groupingLabel(choice)
          }))}
          onChange={value => setGrouping(parseGrouping(value))}
          disabled={choices.length === 0}
        />
        <button
          className="jp-mod-styled jp-nbops-Button"
          onClick={() =>
            comparison &&
            downloadText(
              comparisonCsv(
                comparison,
                orderedRuns.map(run => run.id)
              ),
              'nbops-compare.csv'
            )
          }
          title="Download the runs' params and last metric values as CSV"
        >
          Export CSV
        </button>
        <button
          className="jp-mod-styled jp-nbops-Button"
          onClick={() => void model.load()}
          title="Reload the comparison"
        >
          Reload
        </button>
      </header>
      <Notices model={model} />
      <div className="jp-nbops-Compare-grid">
        <Section title="Parameters" wide>
          <ParamTable
            runs={orderedRuns}
            params={params}
            metrics={metrics}
            colors={colors}
            groups={groups}
            groupColors={groupColors}
            differencesOnly={differencesOnly}
            onDifferencesOnlyChange={setDifferencesOnly}
          />
        </Section>
        <Section title="Metric curves" wide>
          <CurvesView
            model={model}
            runs={runs}
            metricKeys={metricKeys}
            colors={colors}
            groups={groups}
            groupColors={groupColors}
            theme={theme}
          />
        </Section>
        {systemKeys.length > 0 && (
          <Section title="System metrics" wide lazy>
            <CurvesView
              model={model}
              runs={runs}
              metricKeys={systemKeys}
              colors={colors}
              groups={groups}
              groupColors={groupColors}
              theme={theme}
              persist={false}
              dataId="compare-system-curves"
            />
          </Section>
        )}
        <Section title="Metric by run" wide lazy>
          <BarView
            runs={orderedRuns}
            metrics={metrics}
            colors={colors}
            theme={theme}
            initialMetric={metricKeys.find(key => /^test_|auc/i.test(key)) ?? firstMetric}
          />
        </Section>
        <Section title="Param importance" wide lazy>
          <ImportanceView
            runIds={runs.map(run => run.id)}
            metricKeys={metricKeys}
            initialMetric={metricKeys.find(key => /^test_|auc/i.test(key)) ?? firstMetric}
          />
        </Section>
        <Section title="Parallel coordinates" lazy>
          <ParallelView
            runs={runs}
            params={params}
            metrics={metrics}
            theme={theme}
            initialMetric={firstMetric}
          />
        </Section>
        <Section title="Param vs metric" lazy>
          <ScatterView
            runs={runs}
            params={params}
            metrics={metrics}
            colors={colors}
            theme={theme}
            initialParam={firstParam}
            initialMetric={firstMetric}
          />
        </Section>
        <Section title="Artifacts side by side" wide lazy>
          <ArtifactsCompare runs={runs} theme={theme} />
        </Section>
        <Section title="Code diff" wide lazy>
          <CodeDiffView runs={runs} />
        </Section>
      </div>
    </div>
  );
}
