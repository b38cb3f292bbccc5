/**
 * A model version's explanation in the Models view: permutation importance
 * (and mean |SHAP| when computed) as a sorted horizontal bar chart, and the
 * same side by side with another version of the model, with a table of both.
 */
import * as React from 'react';

import { modelsAPI } from '../../api';
import { IModelExplanation, IModelVersion } from '../../tokens';
import { formatDateTime } from '../format';
import { PlotlyChart } from '../plot/PlotlyChart';
import { IPlotTheme, readPlotTheme, seriesColor } from '../plot/theme';

const BAR_HEIGHT = 22;

/** The explanation of `version`, optionally compared with another version of `name`. */
export function ExplanationPanel(props: {
  name: string;
  version: number;
  versions: IModelVersion[];
  onClose: () => void;
}): JSX.Element {
  const { name, version } = props;
  const [other, setOther] = React.useState<number | null>(null);
  const primary = useExplanation(name, version);
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
      {primary.error && (
        <p className="jp-nbops-InlineError" role="alert">
          {primary.error}
        </p>
      )}
      {primary.loading && <p className="jp-nbops-Muted">Loading the explanation…</p>}
      {!primary.loading && !primary.error && primary.explanation === null && (
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
  return (
    <p className="jp-nbops-Muted jp-nbops-Explanation-summary">
      v{e.version}: permutation importance of {e.scoring} on {e.rows.toLocaleString()} rows against{' '}
      {e.target === 'labels' ? 'the labels' : "the model's own predictions"}, {e.n_repeats} repeats
      {e.methods.includes('shap') ? ' · mean |SHAP|' : ''} · {formatDateTime(e.created_at)}
    </p>
  );
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
  const data = React.useMemo(() => {
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
    return shap
      ? [
          bars,
          {
            type: 'bar',
            orientation: 'h',
            name: 'mean |SHAP|',
            y: features.map(f => f.feature),
            x: features.map(f => f.shap ?? 0),
            marker: { color: seriesColor(theme, 1) },
            xaxis: 'x2',
            hovertemplate: '%{y}: %{x:.4f}<extra>mean |SHAP|</extra>'
          }
        ]
      : [bars];
  }, [features, theme, shap]);
  const layout = React.useMemo(() => {
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
  }, [theme, features, shap, explanation.scoring]);
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
  const value = (e: IModelExplanation, feature: string) =>
    e.features.find(f => f.feature === feature)?.importance;
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
