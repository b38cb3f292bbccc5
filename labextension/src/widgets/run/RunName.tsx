/**
 * The run's name as the panel's heading, renamed in place: Rename (or a double click)
 * turns it into a text box; Enter saves, Escape cancels. The server checks the name
 * (non-empty, at most 250 characters) and its message is shown if it refuses.
 */
import * as React from 'react';

import { IRunRecord } from '../../tokens';
import { RunDetailModel } from './RunDetailModel';

const MAX_NAME = 250;

export function RunName(props: { model: RunDetailModel; run: IRunRecord }): JSX.Element {
  const { model, run } = props;
  const [draft, setDraft] = React.useState<string | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const title = run.name || `Run ${run.id.slice(0, 8)}`;
  const save = async () => {
    if (draft === null) {
      return;
    }
    const name = draft.trim();
    if (name === (run.name ?? '')) {
      setDraft(null);
      return;
    }
    if (!name) {
      setError('A run needs a name: type one, or press Escape to keep the current one.');
      return;
    }
    setDraft(null);
    setError(null);
    if (!(await model.edit({ name }))) {
      setError(`Cannot rename: ${model.editError}`);
    }
  };
  if (draft === null) {
    return (
      <>
        <h2
          className="jp-nbops-RunDetail-title"
          onDoubleClick={() => setDraft(run.name ?? '')}
          title={title}
        >
          {title}
        </h2>
        <button
          className="jp-mod-styled jp-nbops-Button"
          onClick={() => {
            setError(null);
            setDraft(run.name ?? '');
          }}
        >
          Rename
        </button>
        {error && (
          <span className="jp-nbops-InlineError" role="alert">
            {error}
          </span>
        )}
      </>
    );
  }
  return (
    <>
      <input
        className="jp-mod-styled jp-nbops-RunDetail-nameInput"
        aria-label="Run name"
        value={draft}
        maxLength={MAX_NAME}
        autoFocus
        onChange={event => setDraft(event.target.value)}
        onKeyDown={event => {
          if (event.key === 'Enter') {
            void save();
          } else if (event.key === 'Escape') {
            setDraft(null);
            setError(null);
          }
        }}
      />
      <button className="jp-mod-styled jp-mod-accept jp-nbops-Button" onClick={() => void save()}>
        Save
      </button>
      <button
        className="jp-mod-styled jp-nbops-Button"
        onClick={() => {
          setDraft(null);
          setError(null);
        }}
      >
        Cancel
      </button>
      {error && (
        <span className="jp-nbops-InlineError" role="alert">
          {error}
        </span>
      )}
    </>
  );
}
