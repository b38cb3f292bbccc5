/**
 * The filter box: the server's filter language, applied on Enter or after a
 * pause in typing. The server's message about a bad filter shows under it.
 */
import * as React from 'react';

/** A pause this long in typing applies the filter. */
const DEBOUNCE_MS = 700;

export const FILTER_HELP = [
  'Filter runs, e.g.',
  "  metrics.auc > 0.8 and params.model = 'rf'",
  "  status = 'running' or name like 'lr-%'",
  'Fields: metrics.KEY, params.KEY, tags.KEY, status, name, experiment,',
  '  start_time, duration, user, notebook_path',
  'Operators: = != < <= > >= like in (…), and, or, ( )',
  'Enter applies, Escape clears.'
].join('\n');

export interface IFilterBoxProps {
  /** The filter the shown runs match. */
  applied: string;
  /** The server's message about the last filter it refused. */
  error: string | null;
  onApply: (filter: string) => void;
}

export function FilterBox(props: IFilterBoxProps): JSX.Element {
  const [text, setText] = React.useState(props.applied);
  const timer = React.useRef(0);
  const { onApply } = props;

  const apply = React.useCallback(
    (value: string) => {
      window.clearTimeout(timer.current);
      onApply(value);
    },
    [onApply]
  );
  React.useEffect(() => () => window.clearTimeout(timer.current), []);

  const onChange = (event: React.ChangeEvent<HTMLInputElement>) => {
    const value = event.currentTarget.value;
    setText(value);
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => onApply(value), DEBOUNCE_MS);
  };
  const onKeyDown = (event: React.KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') {
      apply(text);
    } else if (event.key === 'Escape' && text) {
      event.stopPropagation();
      setText('');
      apply('');
    }
  };

  const errorId = 'jp-nbops-FilterBox-error';
  return (
    <div className={'jp-nbops-FilterBox' + (props.error ? ' jp-mod-error' : '')}>
      <div className="jp-nbops-FilterBox-field">
        <FilterGlyph />
        <input
          type="search"
          className="jp-nbops-FilterBox-input"
          aria-label="Filter runs"
          aria-invalid={props.error !== null}
          aria-describedby={props.error ? errorId : undefined}
          placeholder="metrics.auc > 0.8 and params.model = 'rf'"
          title={FILTER_HELP}
          spellCheck={false}
          autoComplete="off"
          value={text}
          onChange={onChange}
          onKeyDown={onKeyDown}
        />
      </div>
      {props.error && (
        <div id={errorId} className="jp-nbops-FilterBox-error" role="alert">
          {props.error}
        </div>
      )}
    </div>
  );
}

function FilterGlyph(): JSX.Element {
  return (
    <svg
      className="jp-nbops-FilterBox-icon"
      viewBox="0 0 16 16"
      width="12"
      height="12"
      aria-hidden="true"
      focusable="false"
    >
      <path fill="currentColor" d="M1.5 2.5h13l-5 6v5l-3 1.5v-6.5z" />
    </svg>
  );
}
