/**
 * The code two runs executed: their notebook cells aligned and diffed cell by cell
 * (unchanged cells folded), then each run's git diff side by side.
 */
import React, { useEffect, useState } from 'react';

import { compareAPI } from '../../api';
import { ICellDiff, ICodeDiff, ICompareRun } from '../../tokens';
import { ControlSelect } from './ControlSelect';
import { runLabel } from './model';

const STATUS_LABEL: Record<ICellDiff['status'], string> = {
  same: 'unchanged',
  changed: 'changed',
  added: 'only in B',
  removed: 'only in A'
};

export function CodeDiffView(props: { runs: ICompareRun[] }): JSX.Element {
  const { runs } = props;
  const [a, setA] = useState(runs[0]?.id ?? '');
  const [b, setB] = useState(runs[1]?.id ?? '');
  const [answer, setAnswer] = useState<ICodeDiff | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [showSame, setShowSame] = useState(false);
  useEffect(() => {
    if (!a || !b || a === b) {
      return;
    }
    let cancelled = false;
    setError(null);
    compareAPI
      .codeDiff(a, b)
      .then(result => !cancelled && setAnswer(result))
      .catch(reason => !cancelled && setError((reason as Error).message));
    return () => {
      cancelled = true;
    };
  }, [a, b]);
  if (runs.length < 2) {
    return (
      <p className="jp-nbops-Empty jp-nbops-Compare-empty">Select two runs to diff their code.</p>
    );
  }
  const options = runs.map(run => ({ value: run.id, label: runLabel(run) }));
  const byId = new Map(runs.map(run => [run.id, run]));
  const label = (id: string) => (byId.has(id) ? runLabel(byId.get(id)!) : id.slice(0, 8));
  const current = answer && answer.runs[0].id === a && answer.runs[1].id === b ? answer : null;
  const same = current?.cells.filter(cell => cell.status === 'same').length ?? 0;
  const shown = current?.cells.filter(cell => showSame || cell.status !== 'same') ?? [];
  return (
    <div className="jp-nbops-CodeDiff">
      <div className="jp-nbops-Compare-controls">
        <ControlSelect
          label="A"
          ariaLabel="Code diff run A"
          value={a}
          options={options}
          onChange={setA}
        />
        <ControlSelect
          label="B"
          ariaLabel="Code diff run B"
          value={b}
          options={options}
          onChange={setB}
        />
        {same > 0 && (
          <label className="jp-nbops-Compare-control">
            <input
              type="checkbox"
              checked={showSame}
              onChange={event => setShowSame(event.target.checked)}
            />
            Show {same} unchanged cell{same === 1 ? '' : 's'}
          </label>
        )}
      </div>
      {a === b && <p className="jp-nbops-Compare-hint">Pick two different runs.</p>}
      {error && (
        <p className="jp-nbops-Compare-notice jp-mod-error" role="alert">
          {error}
        </p>
      )}
      {current && !error && (
        <>
          <h4 className="jp-nbops-CodeDiff-heading">Executed cells</h4>
          {!current.has_cells[a] && !current.has_cells[b] ? (
            <p className="jp-nbops-Compare-hint">
              Neither run recorded its executed cells (runs started outside a notebook do not).
            </p>
          ) : shown.length === 0 ? (
            <p className="jp-nbops-Compare-hint">Both runs executed the same {same} cells.</p>
          ) : (
            <ol className="jp-nbops-CodeDiff-cells" aria-label="Cell diff">
              {shown.map((cell, index) => (
                <li key={index} className="jp-nbops-CodeDiff-cell" data-status={cell.status}>
                  <span className={`jp-nbops-CodeDiff-status jp-mod-${cell.status}`}>
                    {STATUS_LABEL[cell.status]}
                  </span>
                  <DiffText cell={cell} />
                </li>
              ))}
            </ol>
          )}
          <h4 className="jp-nbops-CodeDiff-heading">Git diffs</h4>
          <div className="jp-nbops-CodeDiff-git">
            {[a, b].map((id, i) => (
              <figure
                key={id}
                className="jp-nbops-CodeDiff-side"
                aria-label={`Git diff of ${label(id)}`}
              >
                <figcaption>
                  {i === 0 ? 'A' : 'B'} · {label(id)}
                </figcaption>
                {current.git_diff[id] ? (
                  <UnifiedText text={current.git_diff[id]!} />
                ) : (
                  <p className="jp-nbops-Compare-hint">No uncommitted changes recorded.</p>
                )}
              </figure>
            ))}
          </div>
        </>
      )}
    </div>
  );
}

function DiffText(props: { cell: ICellDiff }): JSX.Element {
  const { cell } = props;
  if (cell.status === 'same') {
    return <UnifiedText text={cell.a ?? ''} plain />;
  }
  // The ---/+++ header names the runs, which the A/B pickers already show.
  const body = cell.diff.split('\n').slice(2).join('\n');
  return <UnifiedText text={body} />;
}

/** A unified diff with its added, removed and hunk lines coloured (`plain`: source as is). */
function UnifiedText(props: { text: string; plain?: boolean }): JSX.Element {
  const lines = props.text.replace(/\n$/, '').split('\n');
  return (
    <pre className="jp-nbops-CodeDiff-text">
      {lines.map((line, i) => (
        <span key={i} className={`jp-nbops-CodeDiff-line ${props.plain ? '' : lineClass(line)}`}>
          {line + '\n'}
        </span>
      ))}
    </pre>
  );
}

function lineClass(line: string): string {
  if (line.startsWith('+++') || line.startsWith('---') || line.startsWith('diff ')) {
    return 'jp-mod-header';
  }
  if (line.startsWith('@@')) {
    return 'jp-mod-hunk';
  }
  return line.startsWith('+') ? 'jp-mod-added' : line.startsWith('-') ? 'jp-mod-removed' : '';
}
