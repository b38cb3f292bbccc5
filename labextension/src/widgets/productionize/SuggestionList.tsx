/**
 * Proposed roles for the untagged cells of the current notebook, each with Accept (its cell
 * number goes to the cell), and one Accept all. Accepting writes tags into the open notebook (the plugin
 * does that through the notebook model); the next analysis then drops what was accepted.
 */
import * as React from 'react';

import { ITagSuggestion } from '../../tokens';

export function SuggestionList(props: {
  suggestions: ITagSuggestion[];
  onAccept: (suggestions: ITagSuggestion[]) => void;
  onSelectCell: (cellId: string) => void;
}): JSX.Element {
  const { suggestions } = props;
  return (
    <div className="jp-nbops-Suggestions" data-id="nbops-tag-suggestions">
      <div className="jp-nbops-Suggestions-head">
        <h3 className="jp-nbops-PipelinePanel-subheading">Suggested tags ({suggestions.length})</h3>
        <button
          className="jp-nbops-Button jp-mod-secondary"
          onClick={() => props.onAccept(suggestions)}
          title="Add every suggested tag to its cell (other tags stay)"
        >
          Accept all
        </button>
      </div>
      <ul aria-label="Suggested tags">
        {suggestions.map(s => (
          <li
            key={`${s.index}-${s.tag}`}
            className="jp-nbops-Suggestion"
            data-cell-id={s.id ?? ''}
            data-tag={s.tag}
          >
            <div className="jp-nbops-Suggestion-head">
              {s.id ? (
                <button
                  className="jp-nbops-Button jp-mod-link jp-nbops-Suggestion-cell"
                  onClick={() => props.onSelectCell(s.id!)}
                  aria-label={`Go to cell ${s.index}`}
                  title="Go to cell"
                >
                  cell {s.index}
                </button>
              ) : (
                <span className="jp-nbops-Suggestion-cell">cell {s.index}</span>
              )}
              <code className={`jp-nbops-Suggestion-tag jp-mod-${s.role}`} title={s.tag}>
                {s.tag}
              </code>
              <button
                className="jp-nbops-Button jp-mod-link jp-nbops-Suggestion-accept"
                onClick={() => props.onAccept([s])}
                aria-label={`Accept ${s.tag} for cell ${s.index}`}
              >
                Accept
              </button>
            </div>
            <div className="jp-nbops-Suggestion-reason">{s.reason}</div>
          </li>
        ))}
      </ul>
    </div>
  );
}
