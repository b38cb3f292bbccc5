/**
 * Tags (add, change, remove) and the run's note, saved with `PATCH runs/{id}`.
 * Edits show at once; the model reverts them and the server's message is shown
 * here when the server refuses.
 */
import * as React from 'react';

import { IRunRecord } from '../../tokens';
import { IRunActions } from './actions';
import { RunDetailModel } from './RunDetailModel';
import { Section } from './Section';

export function TagsNotesSection(props: {
  model: RunDetailModel;
  run: IRunRecord;
  actions: IRunActions;
}): JSX.Element {
  const { model, run } = props;
  const tags = Object.entries(run.tags).sort(([a], [b]) => a.localeCompare(b));
  return (
    <Section id="tags" title="Tags and notes" badge={tags.length}>
      {model.editError && (
        <div className="jp-nbops-InlineError" role="alert">
          <span>Not saved: {model.editError}</span>
          <button
            className="jp-nbops-Button jp-mod-link"
            aria-label="Dismiss the error"
            onClick={() => model.clearEditError()}
          >
            Dismiss
          </button>
        </div>
      )}
      <ul className="jp-nbops-Tags" aria-label="Tags">
        {tags.map(([key, value]) => (
          <TagChip key={key} name={key} value={value} model={model} />
        ))}
        {tags.length === 0 && <li className="jp-nbops-Empty">No tags yet.</li>}
      </ul>
      <TagForm model={model} />
      <NoteEditor model={model} note={run.note} actions={props.actions} />
    </Section>
  );
}

function TagChip(props: { name: string; value: string; model: RunDetailModel }): JSX.Element {
  const [editing, setEditing] = React.useState(false);
  const [draft, setDraft] = React.useState(props.value);
  const save = () => {
    setEditing(false);
    if (draft !== props.value) {
      void props.model.edit({ tags: { [props.name]: draft } });
    }
  };
  if (editing) {
    return (
      <li className="jp-nbops-Tag jp-mod-editing">
        <span className="jp-nbops-Tag-key">{props.name}</span>
        <input
          className="jp-mod-styled jp-nbops-Tag-input"
          aria-label={`Value of tag ${props.name}`}
          value={draft}
          autoFocus
          onChange={event => setDraft(event.target.value)}
          onBlur={save}
          onKeyDown={event => {
            if (event.key === 'Enter') {
              save();
            } else if (event.key === 'Escape') {
              setDraft(props.value);
              setEditing(false);
            }
          }}
        />
      </li>
    );
  }
  return (
    <li className="jp-nbops-Tag" data-tag={props.name}>
      <button
        className="jp-nbops-Tag-body"
        title="Click to change the value"
        aria-label={`Edit tag ${props.name}`}
        onClick={() => {
          setDraft(props.value);
          setEditing(true);
        }}
      >
        <span className="jp-nbops-Tag-key">{props.name}</span>
        {props.value !== '' && <span className="jp-nbops-Tag-value">{props.value}</span>}
      </button>
      <button
        className="jp-nbops-Tag-remove"
        aria-label={`Remove tag ${props.name}`}
        title="Remove this tag"
        onClick={() => void props.model.edit({ delete_tags: [props.name] })}
      >
        ×
      </button>
    </li>
  );
}

function TagForm(props: { model: RunDetailModel }): JSX.Element {
  const [key, setKey] = React.useState('');
  const [value, setValue] = React.useState('');
  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    const name = key.trim();
    if (!name) {
      return;
    }
    void props.model.edit({ tags: { [name]: value } });
    setKey('');
    setValue('');
  };
  return (
    <form className="jp-nbops-TagForm" onSubmit={submit} aria-label="Add a tag">
      <input
        className="jp-mod-styled"
        placeholder="tag"
        aria-label="New tag name"
        value={key}
        onChange={event => setKey(event.target.value)}
      />
      <input
        className="jp-mod-styled"
        placeholder="value"
        aria-label="New tag value"
        value={value}
        onChange={event => setValue(event.target.value)}
      />
      <button type="submit" className="jp-mod-styled jp-nbops-Button" disabled={!key.trim()}>
        Add tag
      </button>
    </form>
  );
}

function NoteEditor(props: {
  model: RunDetailModel;
  note: string | null;
  actions: IRunActions;
}): JSX.Element {
  const [editing, setEditing] = React.useState(false);
  const [draft, setDraft] = React.useState(props.note ?? '');
  const save = async () => {
    setEditing(false);
    const text = draft.trim() ? draft : null;
    if (text !== props.note) {
      const saved = await props.model.edit({ note: text });
      if (!saved) {
        setEditing(true); // keep the user's text to fix and retry
      }
    }
  };
  return (
    <div className="jp-nbops-Note">
      <div className="jp-nbops-Note-header">
        <h4>Note</h4>
        {!editing && (
          <button
            className="jp-mod-styled jp-nbops-Button"
            onClick={() => {
              setDraft(props.note ?? '');
              setEditing(true);
            }}
          >
            {props.note ? 'Edit note' : 'Add note'}
          </button>
        )}
      </div>
      {editing ? (
        <>
          <textarea
            className="jp-mod-styled jp-nbops-Note-input"
            aria-label="Note"
            placeholder="What was this run about? What did you learn?"
            value={draft}
            rows={5}
            autoFocus
            onChange={event => setDraft(event.target.value)}
            onKeyDown={event => {
              if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
                void save();
              }
            }}
          />
          <div className="jp-nbops-Note-actions">
            <button
              className="jp-mod-styled jp-mod-accept jp-nbops-Button"
              onClick={() => void save()}
            >
              Save note
            </button>
            <button className="jp-mod-styled jp-nbops-Button" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </>
      ) : props.note ? (
        <MarkdownNote text={props.note} actions={props.actions} />
      ) : (
        <p className="jp-nbops-Empty">No note.</p>
      )}
    </div>
  );
}

/** The saved note rendered as markdown (plain text until the renderer answers). */
function MarkdownNote(props: { text: string; actions: IRunActions }): JSX.Element {
  const host = React.useRef<HTMLDivElement>(null);
  React.useEffect(() => {
    const node = host.current;
    if (!node) {
      return;
    }
    node.textContent = props.text;
    let release: (() => void) | null = null;
    let cancelled = false;
    props.actions
      .renderMarkdown(node, props.text)
      .then(done => (cancelled ? done() : (release = done)))
      .catch(() => undefined); // the plain text stays
    return () => {
      cancelled = true;
      release?.();
    };
  }, [props.text]);
  return (
    <div ref={host} className="jp-nbops-Note-text jp-RenderedHTMLCommon" data-testid="run-note" />
  );
}
