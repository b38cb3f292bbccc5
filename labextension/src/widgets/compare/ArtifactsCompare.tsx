/**
 * Artifacts side by side: every image or plotly figure that more than one compared run
 * logged under the same path, one row per path, one cell per run.
 */
import React, { useEffect, useMemo, useState } from 'react';

import { runsAPI } from '../../api';
import { IArtifact, ICompareRun } from '../../tokens';
import { IPlotTheme } from '../plot/theme';
import { ArtifactFigure, ArtifactImage, artifactKind } from '../run/ArtifactsSection';
import { runLabel } from './model';

export function ArtifactsCompare(props: { runs: ICompareRun[]; theme: IPlotTheme }): JSX.Element {
  const { runs, theme } = props;
  const [lists, setLists] = useState<Map<string, IArtifact[]> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const ids = runs.map(run => run.id).join(',');
  useEffect(() => {
    let cancelled = false;
    Promise.all(runs.map(run => runsAPI.artifacts(run.id)))
      .then(answers => {
        if (!cancelled) {
          setLists(new Map(answers.map(answer => [answer.run_id, answer.artifacts])));
        }
      })
      .catch(reason => !cancelled && setError((reason as Error).message));
    return () => {
      cancelled = true;
    };
  }, [ids]);
  const rows = useMemo(() => sharedPreviews(lists), [lists]);
  if (error) {
    return (
      <p className="jp-nbops-Compare-notice jp-mod-error" role="alert">
        Cannot list artifacts: {error}
      </p>
    );
  }
  if (lists === null) {
    return <p className="jp-nbops-Loading">Loading artifacts…</p>;
  }
  if (rows.length === 0) {
    return (
      <p className="jp-nbops-Empty jp-nbops-Compare-empty">
        No image or figure was logged under the same name by two of these runs.
      </p>
    );
  }
  return (
    <div className="jp-nbops-ArtifactsCompare">
      {rows.map(([path, byRun]) => (
        <section
          key={path}
          className="jp-nbops-ArtifactsCompare-row"
          data-artifact={path}
          aria-label={path}
        >
          <h4 className="jp-nbops-ArtifactsCompare-path">
            <code>{path}</code>
          </h4>
          <div className="jp-nbops-ArtifactsCompare-cells">
            {runs.map(run => {
              const artifact = byRun.get(run.id);
              return (
                <figure key={run.id} className="jp-nbops-ArtifactPreview" data-run={run.id}>
                  {!artifact ? (
                    <p className="jp-nbops-Compare-hint">Not logged by this run.</p>
                  ) : artifactKind(artifact) === 'image' ? (
                    <ArtifactImage runId={run.id} artifact={artifact} />
                  ) : (
                    <ArtifactFigure runId={run.id} artifact={artifact} theme={theme} />
                  )}
                  <figcaption>{runLabel(run)}</figcaption>
                </figure>
              );
            })}
          </div>
        </section>
      ))}
    </div>
  );
}

/** Paths of previewable artifacts logged by at least two runs, in path order. */
function sharedPreviews(
  lists: Map<string, IArtifact[]> | null
): [string, Map<string, IArtifact>][] {
  const byPath = new Map<string, Map<string, IArtifact>>();
  for (const [runId, artifacts] of lists ?? []) {
    for (const artifact of artifacts) {
      if (artifactKind(artifact) !== 'file') {
        const row = byPath.get(artifact.path) ?? new Map<string, IArtifact>();
        row.set(runId, artifact);
        byPath.set(artifact.path, row);
      }
    }
  }
  return [...byPath.entries()]
    .filter(([, row]) => row.size > 1)
    .sort(([x], [y]) => (x < y ? -1 : 1));
}
