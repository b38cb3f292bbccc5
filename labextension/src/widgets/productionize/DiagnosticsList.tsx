/**
 * Coded diagnostics, errors first, each with its cell and a "Go to cell" button.
 */
import * as React from 'react';

import { IPipelineDiagnostic } from '../../tokens';

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 };

export function DiagnosticsList(props: {
  title: string;
  diagnostics: IPipelineDiagnostic[];
  onSelectCell: (cellId: string) => void;
}): JSX.Element {
  const sorted = [...props.diagnostics].sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      (a.cell_index ?? -1) - (b.cell_index ?? -1)
  );
  return (
    <div className="jp-nbops-Diagnostics">
      <h3 className="jp-nbops-PipelinePanel-subheading">
        {props.title} ({props.diagnostics.length})
      </h3>
      <ul aria-label={props.title}>
        {sorted.map((d, i) => (
          <li
            key={`${d.code}-${d.cell_id}-${d.line}-${i}`}
            className={`jp-nbops-Diagnostic jp-mod-${d.severity}`}
            data-code={d.code}
            data-cell-id={d.cell_id ?? ''}
          >
            <div className="jp-nbops-Diagnostic-head">
              <span className="jp-nbops-Diagnostic-code" title={`${d.severity}: ${d.title}`}>
                {d.code}
              </span>
              <span className="jp-nbops-Diagnostic-where">
                {d.cell_index !== null ? `cell ${d.cell_index}` : 'notebook'}
                {d.line !== null ? `, line ${d.line}` : ''}
              </span>
              {d.cell_id && (
                <button
                  className="jp-nbops-Button jp-mod-link"
                  onClick={() => props.onSelectCell(d.cell_id!)}
                  aria-label={`Go to cell ${d.cell_index} (${d.code})`}
                >
                  Go to cell
                </button>
              )}
            </div>
            <div className="jp-nbops-Diagnostic-message">{d.message}</div>
            {d.suggestion && <div className="jp-nbops-Diagnostic-fix">fix: {d.suggestion}</div>}
          </li>
        ))}
      </ul>
    </div>
  );
}
