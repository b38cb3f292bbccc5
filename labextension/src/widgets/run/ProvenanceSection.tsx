/**
 * Where the run came from: git state and diff, interpreter, packages, and the
 * notebook cells it executed, with a warning when they ran out of order.
 */
import * as React from 'react';

import { IRunRecord } from '../../tokens';
import { IRunActions } from './actions';
import { checkCellOrder, ICellOrderReport } from './cellOrder';
import { Empty, Section } from './Section';

export function ProvenanceSection(props: { run: IRunRecord; actions: IRunActions }): JSX.Element {
  const { run } = props;
  const provenance = run.provenance ?? {
    python: null,
    packages: null,
    git_diff: null,
    cells: null
  };
  return (
    <Section id="provenance" title="Provenance">
      <dl className="jp-nbops-Facts">
        <dt>Git commit</dt>
        <dd>
          {run.git_commit ? (
            <code>{run.git_commit}</code>
          ) : (
            'not recorded (not in a git repository)'
          )}
        </dd>
        {run.git_branch && (
          <>
            <dt>Branch</dt>
            <dd>
              <code>{run.git_branch}</code>
            </dd>
          </>
        )}
        {run.git_commit && (
          <>
            <dt>Working tree</dt>
            <dd>
              {run.git_dirty ? (
                <span className="jp-nbops-Dirty">uncommitted changes</span>
              ) : (
                'clean'
              )}
            </dd>
          </>
        )}
        <dt>Python</dt>
        <dd>{provenance.python ?? '—'}</dd>
      </dl>
      {provenance.git_diff ? <GitDiff diff={provenance.git_diff} /> : null}
      <Packages packages={provenance.packages ?? []} />
      <ExecutedCells
        cells={provenance.cells ?? []}
        notebookPath={run.notebook_path}
        actions={props.actions}
      />
    </Section>
  );
}

function GitDiff(props: { diff: string }): JSX.Element {
  const lines = props.diff.replace(/\n$/, '').split('\n');
  const kind = (line: string) =>
    line.startsWith('+++') || line.startsWith('---') || line.startsWith('diff ')
      ? 'file'
      : line.startsWith('@@')
        ? 'hunk'
        : line.startsWith('+')
          ? 'add'
          : line.startsWith('-')
            ? 'del'
            : 'context';
  return (
    <details className="jp-nbops-Subsection">
      <summary>Uncommitted diff ({lines.length} lines)</summary>
      <pre className="jp-nbops-Diff" aria-label="Git diff">
        {lines.map((line, index) => (
          <span key={index} className={`jp-nbops-Diff-${kind(line)}`}>
            {line}
            {'\n'}
          </span>
        ))}
      </pre>
    </details>
  );
}

function Packages(props: { packages: { name: string; version: string }[] }): JSX.Element {
  const [filter, setFilter] = React.useState('');
  const needle = filter.trim().toLowerCase();
  const shown = needle
    ? props.packages.filter(p => p.name.toLowerCase().includes(needle))
    : props.packages;
  return (
    <details className="jp-nbops-Subsection">
      <summary>Packages ({props.packages.length})</summary>
      {props.packages.length === 0 ? (
        <Empty>Packages were not recorded.</Empty>
      ) : (
        <>
          <input
            className="jp-mod-styled jp-nbops-Filter"
            type="search"
            placeholder="Filter packages"
            aria-label="Filter packages"
            value={filter}
            onChange={event => setFilter(event.target.value)}
          />
          <ul className="jp-nbops-Packages" aria-label="Packages">
            {shown.map(p => (
              <li key={p.name}>
                <span>{p.name}</span>
                <code>{p.version}</code>
              </li>
            ))}
            {shown.length === 0 && (
              <li className="jp-nbops-Empty">No package matches “{filter}”.</li>
            )}
          </ul>
        </>
      )}
    </details>
  );
}

function ExecutedCells(props: {
  cells: { execution_count: number; source: string }[];
  notebookPath: string | null;
  actions: IRunActions;
}): JSX.Element {
  const { cells, notebookPath, actions } = props;
  const [notebook, setNotebook] = React.useState<string[] | null>(null);
  React.useEffect(() => {
    let cancelled = false;
    if (notebookPath) {
      actions
        .readNotebookSources(notebookPath)
        .then(sources => !cancelled && setNotebook(sources))
        .catch(() => undefined); // a moved notebook only loses the order check
    }
    return () => {
      cancelled = true;
    };
  }, [notebookPath]);
  const report = React.useMemo(() => checkCellOrder(cells, notebook), [cells, notebook]);
  return (
    <div className="jp-nbops-Cells">
      <h4>Executed cells ({cells.length})</h4>
      {cells.length === 0 ? (
        <Empty>No notebook cells were recorded (the run did not start in a notebook).</Empty>
      ) : (
        <>
          <OrderWarning report={report} />
          <ol className="jp-nbops-CellList" aria-label="Executed cells">
            {report.cells.map((cell, index) => {
              const { late, rerun: again } = cell;
              return (
                <li
                  key={index}
                  className={`jp-nbops-Cell${late || again ? ' jp-mod-flagged' : ''}`}
                >
                  <span className="jp-nbops-Cell-prompt">[{cell.execution_count}]</span>
                  <div className="jp-nbops-Cell-body">
                    <pre className="jp-nbops-Cell-source">{cell.source}</pre>
                    <span className="jp-nbops-Cell-note">
                      {cell.notebookIndex === null
                        ? notebookPath && notebook
                          ? 'not in the notebook any more'
                          : ''
                        : `notebook cell ${cell.notebookIndex + 1}`}
                      {late ? ' · ran out of order' : ''}
                      {again ? ' · ran again' : ''}
                    </span>
                  </div>
                </li>
              );
            })}
          </ol>
        </>
      )}
    </div>
  );
}

function firstLine(source: string): string {
  const line = source.trim().split('\n')[0];
  return line.length > 60 ? `${line.slice(0, 57)}…` : line;
}

function OrderWarning(props: { report: ICellOrderReport }): JSX.Element | null {
  const { repeated, outOfOrder } = props.report;
  if (repeated.length === 0 && outOfOrder.length === 0) {
    return null;
  }
  return (
    <div className="jp-nbops-Warning" role="alert" aria-label="Cells ran out of order">
      <strong>Cells ran out of order</strong> — re-running the notebook top to bottom may not
      reproduce this run.
      <ul>
        {outOfOrder.map(({ cell, after }, index) => (
          <li key={`o${index}`}>
            Notebook cell {cell.notebookIndex! + 1} (<code>[{cell.execution_count}]</code>{' '}
            <code>{firstLine(cell.source)}</code>) ran after cell {after.notebookIndex! + 1} (
            <code>[{after.execution_count}]</code>) below it.
          </li>
        ))}
        {repeated.map(({ source, counts }, index) => (
          <li key={`r${index}`}>
            <code>{firstLine(source)}</code> ran {counts.length} times (
            {counts.map(n => `[${n}]`).join(', ')}).
          </li>
        ))}
      </ul>
    </div>
  );
}
