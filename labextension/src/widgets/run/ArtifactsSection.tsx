/**
 * The run's files: images and plotly figures drawn inline, everything else
 * listed with a download button. Content is fetched with the server
 * connection's credentials and shown through object URLs.
 */
import * as React from 'react';

import { runsAPI } from '../../api';
import { IArtifact } from '../../tokens';
import { FULL_MODE_BAR, PlotlyChart } from '../plot/PlotlyChart';
import { IPlotTheme, withTheme } from '../plot/theme';
import { Empty, Section } from './Section';

const IMAGE_TYPES = /^image\/(png|jpe?g|gif|svg\+xml|webp)$/;
const PLOTLY_TYPE = 'application/vnd.plotly.v1+json';
/** Inline previews past this size would stall the panel; they stay downloadable. */
const MAX_PREVIEW_BYTES = 20 * 1024 * 1024;

type Kind = 'image' | 'plotly' | 'file';

export function artifactKind(artifact: IArtifact): Kind {
  if (artifact.size > MAX_PREVIEW_BYTES) {
    return 'file';
  }
  if (IMAGE_TYPES.test(artifact.media_type ?? '')) {
    return 'image';
  }
  if (artifact.media_type === PLOTLY_TYPE || artifact.path.endsWith('.plotly.json')) {
    return 'plotly';
  }
  return 'file';
}

export function formatBytes(size: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export function ArtifactsSection(props: {
  runId: string;
  artifacts: IArtifact[];
  theme: IPlotTheme;
}): JSX.Element {
  const previews = props.artifacts.filter(a => artifactKind(a) !== 'file');
  return (
    <Section id="artifacts" title="Artifacts" badge={props.artifacts.length}>
      {props.artifacts.length === 0 ? (
        <Empty>
          No artifacts. Log files with <code>nbops.log_artifact(path)</code> or figures with{' '}
          <code>nbops.log_figure(fig)</code>.
        </Empty>
      ) : (
        <>
          {previews.length > 0 && (
            <div className="jp-nbops-ArtifactPreviews">
              {previews.map(artifact => (
                <figure
                  key={artifact.path}
                  className="jp-nbops-ArtifactPreview"
                  data-artifact={artifact.path}
                >
                  {artifactKind(artifact) === 'image' ? (
                    <ArtifactImage runId={props.runId} artifact={artifact} />
                  ) : (
                    <ArtifactFigure runId={props.runId} artifact={artifact} theme={props.theme} />
                  )}
                  <figcaption>{artifact.path}</figcaption>
                </figure>
              ))}
            </div>
          )}
          <table className="jp-nbops-Table jp-nbops-ArtifactsTable" aria-label="Artifacts">
            <thead>
              <tr>
                <th scope="col">Path</th>
                <th scope="col">Type</th>
                <th scope="col">Size</th>
                <th scope="col">
                  <span className="jp-nbops-VisuallyHidden">Download</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {props.artifacts.map(artifact => (
                <tr key={artifact.path}>
                  <td>
                    <code>{artifact.path}</code>
                  </td>
                  <td>{artifact.media_type}</td>
                  <td className="jp-mod-numeric">{formatBytes(artifact.size)}</td>
                  <td>
                    <DownloadButton runId={props.runId} artifact={artifact} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </Section>
  );
}

/** An object URL for the artifact's content, revoked when the view goes. */
function useArtifactURL(runId: string, path: string): { url: string | null; error: string | null } {
  const [state, setState] = React.useState<{ url: string | null; error: string | null }>({
    url: null,
    error: null
  });
  React.useEffect(() => {
    let url: string | null = null;
    let cancelled = false;
    runsAPI
      .artifactBlob(runId, path)
      .then(blob => {
        if (!cancelled) {
          url = URL.createObjectURL(blob);
          setState({ url, error: null });
        }
      })
      .catch(reason => !cancelled && setState({ url: null, error: (reason as Error).message }));
    return () => {
      cancelled = true;
      if (url) {
        URL.revokeObjectURL(url);
      }
    };
  }, [runId, path]);
  return state;
}

export function ArtifactImage(props: { runId: string; artifact: IArtifact }): JSX.Element {
  const { url, error } = useArtifactURL(props.runId, props.artifact.path);
  if (error) {
    return <p className="jp-nbops-InlineError">{error}</p>;
  }
  if (!url) {
    return <p className="jp-nbops-Loading">Loading {props.artifact.path}…</p>;
  }
  return <img src={url} alt={props.artifact.path} className="jp-nbops-ArtifactImage" />;
}

export function ArtifactFigure(props: {
  runId: string;
  artifact: IArtifact;
  theme: IPlotTheme;
}): JSX.Element {
  const [figure, setFigure] = React.useState<{
    data: unknown[];
    layout: Record<string, unknown>;
  } | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  React.useEffect(() => {
    let cancelled = false;
    runsAPI
      .artifactBlob(props.runId, props.artifact.path)
      .then(blob => blob.text())
      .then(text => {
        const parsed = JSON.parse(text) as { data?: unknown[]; layout?: Record<string, unknown> };
        if (!cancelled) {
          // A fixed width would overflow the card: the figure takes the card's width instead.
          const { width: _width, autosize: _autosize, ...layout } = parsed.layout ?? {};
          setFigure({
            data: parsed.data ?? [],
            // The figure's template is dropped for the Lab theme; its roomy default margins with it.
            layout: { height: 300, margin: { l: 48, r: 16, t: 48, b: 40 }, ...layout }
          });
        }
      })
      .catch(
        reason =>
          !cancelled && setError(`Cannot show ${props.artifact.path}: ${(reason as Error).message}`)
      );
    return () => {
      cancelled = true;
    };
  }, [props.runId, props.artifact.path]);
  if (error) {
    return <p className="jp-nbops-InlineError">{error}</p>;
  }
  if (!figure) {
    return <p className="jp-nbops-Loading">Loading {props.artifact.path}…</p>;
  }
  return <ThemedFigure figure={figure} theme={props.theme} label={props.artifact.path} />;
}

/** A logged figure drawn in the Lab theme, with plotly's full mode bar (e.g. to save a PNG). */
function ThemedFigure(props: {
  figure: { data: unknown[]; layout: Record<string, unknown> };
  theme: IPlotTheme;
  label: string;
}): JSX.Element {
  const { figure, theme } = props;
  const layout = React.useMemo(
    () => withTheme(theme, figure.layout, { fontSize: 11, quietAxes: true }),
    [figure, theme]
  );
  return (
    <PlotlyChart
      data={figure.data}
      layout={layout}
      config={FULL_MODE_BAR}
      className="jp-nbops-ArtifactFigure"
      label={props.label}
    />
  );
}

function DownloadButton(props: { runId: string; artifact: IArtifact }): JSX.Element {
  const [error, setError] = React.useState<string | null>(null);
  const download = async () => {
    try {
      const blob = await runsAPI.artifactBlob(props.runId, props.artifact.path);
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = props.artifact.path.split('/').pop() ?? 'artifact';
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setError(null);
    } catch (reason) {
      setError((reason as Error).message);
    }
  };
  return (
    <>
      <button
        className="jp-mod-styled jp-nbops-Button"
        aria-label={`Download ${props.artifact.path}`}
        onClick={() => void download()}
      >
        Download
      </button>
      {error && <span className="jp-nbops-InlineError">{error}</span>}
    </>
  );
}
