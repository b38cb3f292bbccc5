/**
 * A model version's explanation in the Models view: permutation importance
 * (and mean |SHAP| when computed) as a sorted horizontal bar chart, and the
 * same side by side with another version of the model, with a table of both.
 * A served version can be explained on its newest live inputs instead; that
 * computation's refusals (inputs not kept, nothing computable) show inline.
 */
import * as React from 'react';

import { modelsAPI } from '../../api';
import { IModelExplanation, IModelVersion } from '../../tokens';
import { formatDateTime } from '../format';
import { PlotlyChart } from '../plot/PlotlyChart';
import { IPlotTheme, readPlotTheme, seriesColor } from '../plot/theme';

const BAR_HEIGHT = 22;
/** Live rows explained on request: the server's default sample. */
export const LIVE_ROWS = 500;

/**
 * The explanation of `version`, optionally compared with another version of `name`.
 * With `live`, it is first computed on the version's newest live inputs.
 */
export function ExplanationPanel(props: {
  name: string;
  version: number;
  versions: IModelVersion[];
  live?: boolean;
  /** Told when computing on live inputs starts and ends (the row's button waits). */
  onLiveBusy?: (busy: boolean) => void;
  onClose: () => void;
}): JSX.Element {
  const { name, version } = props;
  const [other, setOther] = React.useState<number | null>(null);
  const stored = useExplanation(name, version);
  const live = useLiveExplanation(name, version, props.live ?? false);
  const { onLiveBusy } = props;
  React.useEffect(() => {
    onLiveBusy?.(live.busy);
    return () => onLiveBusy?.(false);
  }, [live.busy, onLiveBusy]);
  // a live explanation just computed is also the newest stored one: it wins until closed
  const primary = live.explanation ? { ...stored, explanation: live.explanation } : stored;
  const compared = useExplanation(name, other);
  const theme = usePlotTheme();
  const others = props.versions.filter(v => v.version !== version);
  return (
    <section
      className="jp-nbops-Explanation"
      aria-label={`Explanation of ${name} v${version}`}
      data-id="explanation"
    >
      <header className="jp-nbops-Evaluation-header">
        <h4>Explanation · v{version}</h4>
        <span className="jp-nbops-RunDetail-spacer" />
        {others.length > 0 && (
          <label className="jp-nbops-Explanation-compare">
            Compare with
            <select
              className="jp-mod-styled"
              aria-label="Compare with version"
              value={other ?? ''}
              onChange={event => setOther(event.target.value ? Number(event.target.value) : null)}
            >
              <option value="">—</option>
              {others.map(v => (
                <option key={v.version} value={v.version}>
                  v{v.version}
                  {v.aliases.length ? ` (${v.aliases.join(', ')})` : ''}
                </option>
              ))}
            </select>
          </label>
        )}
        <button className="jp-mod-styled jp-nbops-Button" onClick={props.onClose}>
          Close
        </button>
      </header>
      {live.busy && (
        <p className="jp-nbops-Muted jp-nbops-Explanation-busy" role="status" data-id="live-busy">
          <span className="jp-nbops-Spinner" aria-hidden="true" />
          Explaining v{version} on its newest {LIVE_ROWS.toLocaleString()} live inputs…
        </p>
      )}
      {live.error && (
        <p className="jp-nbops-InlineError" role="alert" data-id="live-explanation-error">
          Cannot explain v{version} on live inputs: {live.error}
        </p>
      )}
      {primary.error && (
        <p className="jp-nbops-InlineError" role="alert">
          {primary.error}
        </p>
      )}
      {primary.loading && <p className="jp-nbops-Muted">Loading the explanation…</p>}
      {!live.busy &&
        !live.error &&
        !primary.loading &&
        !primary.error &&
        primary.explanation === null && (
          <p className="jp-nbops-Muted" role="status">
            v{version} has no explanation yet. Compute one in a notebook with{' '}
            <code>
              nbops.explain(model, X, y, name="{name}", version={version})
            </code>
            .
          </p>
        )}
      {primary.explanation && other === null && (
        <SingleExplanation explanation={primary.explanation} theme={theme} />
      )}
      {primary.explanation && other !== null && (
        <>
          {compared.error && (
            <p className="jp-nbops-InlineError" role="alert">
              {compared.error}
            </p>
          )}
          {!compared.loading && !compared.error && compared.explanation === null && (
            <p className="jp-nbops-Muted" role="status">
              v{other} has no explanation yet: run <code>nbops.explain(…, version={other})</code> to
              compare.
            </p>
          )}
          {compared.explanation && (
            <ComparedExplanations a={primary.explanation} b={compared.explanation} theme={theme} />
          )}
        </>
      )}
    </section>
  );
}

/** The explanation computed on live inputs when `wanted`: busy while the server computes. */
function useLiveExplanation(
  name: string,
  version: number,
  wanted: boolean
): { explanation: IModelExplanation | null; busy: boolean; error: string | null } {
  const [state, setState] = React.useState({
    explanation: null as IModelExplanation | null,
    busy: wanted,
    error: null as string | null
  });
  React.useEffect(() => {
    if (!wanted) {
      return;
    }
    let mounted = true;
    modelsAPI.explainLive(name, version, LIVE_ROWS).then(
      ({ explanation }) => mounted && setState({ explanation, busy: false, error: null }),
      reason =>
        mounted && setState({ explanation: null, busy: false, error: (reason as Error).message })
    );
    return () => {
      mounted = false;
    };
  }, [name, version, wanted]);
  return state;
}

function useExplanation(
  name: string,
  version: number | null
): { explanation: IModelExplanation | null; loading: boolean; error: string | null } {
  const [state, setState] = React.useState({
    explanation: null as IModelExplanation | null,
    loading: version !== null,
    error: null as string | null
  });
  React.useEffect(() => {
    if (version === null) {
      setState({ explanation: null, loading: false, error: null });
      return;
    }
    let live = true;
    setState({ explanation: null, loading: true, error: null });
    modelsAPI.explanation(name, version).then(
      ({ explanation }) => live && setState({ explanation, loading: false, error: null }),
      reason =>
        live && setState({ explanation: null, loading: false, error: (reason as Error).message })
    );
    return () => {
      live = false;
    };
  }, [name, version]);
  return state;
}

/** The plot colours, re-read when Lab switches theme (it marks the body's data-jp-theme-* attributes). */
function usePlotTheme(): IPlotTheme {
  const [theme, setTheme] = React.useState(() => readPlotTheme());
  React.useEffect(() => {
    const timers: number[] = [];
    const observer = new MutationObserver(() => {
      // the new theme's stylesheet can land a little after the attribute
      timers.push(window.setTimeout(() => setTheme(readPlotTheme()), 50));
      timers.push(window.setTimeout(() => setTheme(readPlotTheme()), 500));
    });
    observer.observe(document.body, { attributes: true, attributeFilter: ['data-jp-theme-name'] });
    return () => {
      observer.disconnect();
      timers.forEach(t => window.clearTimeout(t));
    };
  }, []);
  return theme;
}

function Summary(props: { explanation: IModelExplanation }): JSX.Element {
  const e = props.explanation;
  const rows = `${e.rows.toLocaleString()}${e.source === 'live' ? ' live' : ''} rows`;
  const shap = e.methods.includes('shap') ? ' · mean |SHAP|' : '';
  const against = e.target === 'labels' ? 'the labels' : "the model's own predictions";
  // a live explanation says its rows up front
  const on = e.source === 'live' ? '' : ` on ${rows}`;
  const what = e.methods.includes('permutation')
    ? `permutation importance of ${e.scoring}${on} against ${against}, ${e.n_repeats} repeats${shap}`
    : `mean |SHAP| alone${on}`;
  return (
    <p className="jp-nbops-Muted jp-nbops-Explanation-summary" data-id="explanation-summary">
      v{e.version}:{' '}
      {e.source === 'live' && (
        <>
          <span className="jp-nbops-Explanation-live">live inputs</span> computed on {rows}
          {labelledOf(e)}, at {formatDateTime(e.created_at)} ·{' '}
        </>
      )}
      {what}
      {e.source === 'live' ? '' : ` · ${formatDateTime(e.created_at)}`}
    </p>
  );
}

/** Which live rows permutation importance used: those with feedback labels among the newest. */
function labelledOf(e: IModelExplanation): string {
  if (!e.methods.includes('permutation') || e.sampled_rows === undefined) {
    return '';
  }
  return ` (those with feedback labels among the newest ${e.sampled_rows.toLocaleString()})`;
}

function Notes(props: { explanation: IModelExplanation; prefixed?: boolean }): JSX.Element | null {
  const { notes } = props.explanation;
  if (notes.length === 0) {
    return null;
  }
  return (
    <ul className="jp-nbops-Explanation-notes">
      {notes.map(note => (
        <li key={note}>
          {props.prefixed ? `v${props.explanation.version}: ` : ''}
          {note}
        </li>
      ))}
    </ul>
  );
}

function axisLayout(theme: IPlotTheme, features: number, title: string): Record<string, unknown> {
  return {
    height: Math.max(140, features * BAR_HEIGHT + 70),
    margin: { l: 10, r: 16, t: 8, b: 40 },
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: 'rgba(0,0,0,0)',
    font: { family: theme.font, size: theme.fontSize, color: theme.fontColor },
    xaxis: {
      title: { text: title, font: { color: theme.mutedColor, size: theme.fontSize - 1 } },
      gridcolor: theme.gridColor,
      zerolinecolor: theme.lineColor,
      tickfont: { color: theme.mutedColor }
    },
    yaxis: { automargin: true, autorange: 'reversed', tickfont: { color: theme.fontColor } },
    bargap: 0.25,
    showlegend: false
  };
}

/** One version: importance bars (error bars: std over repeats), mean |SHAP| beside them. */
function SingleExplanation(props: {
  explanation: IModelExplanation;
  theme: IPlotTheme;
}): JSX.Element {
  const { explanation, theme } = props;
  const features = explanation.features;
  const shap = explanation.methods.includes('shap');
  const permutation = explanation.methods.includes('permutation');
  const data = React.useMemo(() => {
    const shapBars = {
      type: 'bar',
      orientation: 'h',
      name: 'mean |SHAP|',
      y: features.map(f => f.feature),
      x: features.map(f => f.shap ?? 0),
      marker: { color: seriesColor(theme, 1) },
      hovertemplate: '%{y}: %{x:.4f}<extra>mean |SHAP|</extra>'
    };
    if (!permutation) {
      return [shapBars]; // no labels: SHAP alone, on the first axis
    }
    const bars = {
      type: 'bar',
      orientation: 'h',
      name: 'permutation importance',
      y: features.map(f => f.feature),
      x: features.map(f => f.importance),
      error_x: {
        type: 'data',
        array: features.map(f => f.std),
        color: theme.mutedColor,
        thickness: 1
      },
      marker: { color: seriesColor(theme, 0) },
      hovertemplate: '%{y}: %{x:.4f}<extra>permutation</extra>'
    };
    return shap ? [bars, { ...shapBars, xaxis: 'x2' }] : [bars];
  }, [features, theme, shap, permutation]);
  const layout = React.useMemo(() => {
    if (!permutation) {
      return axisLayout(theme, features.length, 'mean |SHAP value|');
    }
    const base = axisLayout(theme, features.length, `drop in ${explanation.scoring} when shuffled`);
    if (!shap) {
      return base;
    }
    const x = base.xaxis as Record<string, unknown>;
    return {
      ...base,
      xaxis: { ...x, domain: [0, 0.48] },
      xaxis2: {
        ...x,
        domain: [0.52, 1],
        anchor: 'y',
        title: { ...(x.title as object), text: 'mean |SHAP value|' }
      }
    };
  }, [theme, features, shap, permutation, explanation.scoring]);
  return (
    <>
      <Summary explanation={explanation} />
      <PlotlyChart
        data={data}
        layout={layout}
        label={`Feature importance of v${explanation.version}`}
        dataId="explanation-chart"
      />
      <Notes explanation={explanation} />
    </>
  );
}

/** Two versions: grouped bars per feature (ordered by the first), and a table with both columns. */
function ComparedExplanations(props: {
  a: IModelExplanation;
  b: IModelExplanation;
  theme: IPlotTheme;
}): JSX.Element {
  const { a, b, theme } = props;
  const features = React.useMemo(() => {
    const names = a.features.map(f => f.feature);
    b.features.forEach(f => names.includes(f.feature) || names.push(f.feature));
    return names;
  }, [a, b]);
  // a SHAP-only explanation has no importance to compare: its cells read —
  const value = (e: IModelExplanation, feature: string) =>
    e.features.find(f => f.feature === feature)?.importance ?? undefined;
  const data = React.useMemo(
    () =>
      [a, b].map((e, index) => ({
        type: 'bar',
        orientation: 'h',
        name: `v${e.version}`,
        y: features,
        x: features.map(f => value(e, f) ?? null),
        marker: { color: seriesColor(theme, index) },
        hovertemplate: `%{y}: %{x:.4f}<extra>v${e.version}</extra>`
      })),
    [a, b, features, theme]
  );
  const layout = React.useMemo(
    () => ({
      ...axisLayout(theme, features.length * 1.6, 'drop in score when shuffled'),
      barmode: 'group',
      showlegend: true,
      margin: { l: 10, r: 16, t: 28, b: 40 },
      legend: {
        orientation: 'h',
        x: 1,
        xanchor: 'right',
        y: 1,
        yanchor: 'bottom',
        font: { color: theme.fontColor }
      }
    }),
    [theme, features]
  );
  return (
    <>
      <Summary explanation={a} />
      <Summary explanation={b} />
      <PlotlyChart
        data={data}
        layout={layout}
        label={`Feature importance of v${a.version} and v${b.version}`}
        dataId="explanation-compare-chart"
      />
      <table
        className="jp-nbops-Table jp-nbops-EvaluationTable jp-nbops-ExplanationTable"
        aria-label="Importance by version"
      >
        <thead>
          <tr>
            <th scope="col">Feature</th>
            <th scope="col">v{a.version}</th>
            <th scope="col">v{b.version}</th>
            <th scope="col">Change</th>
          </tr>
        </thead>
        <tbody>
          {features.map(feature => {
            const x = value(a, feature);
            const y = value(b, feature);
            return (
              <tr key={feature} data-feature={feature}>
                <th scope="row">{feature}</th>
                <td>{x === undefined ? '—' : x.toFixed(4)}</td>
                <td>{y === undefined ? '—' : y.toFixed(4)}</td>
                <td className="jp-nbops-Muted">
                  {x === undefined || y === undefined
                    ? '—'
                    : `${y - x >= 0 ? '+' : ''}${(y - x).toFixed(4)}`}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <Notes explanation={a} prefixed />
      <Notes explanation={b} prefixed />
    </>
  );
}
