/**
 * The bar above the runs table: how many runs are checked, and "Compare".
 */
import * as React from 'react';

export interface ISelectionBarProps {
  count: number;
  /** Whether a Compare panel is installed (its command registered). */
  canCompare: boolean;
  onCompare: () => void;
  onClear: () => void;
}

export function SelectionBar(props: ISelectionBarProps): JSX.Element {
  const { count, canCompare } = props;
  const enabled = canCompare && count >= 2;
  const why = !canCompare
    ? 'The Compare panel is not installed'
    : count < 2
      ? 'Check two or more runs to compare them'
      : `Compare the ${count} checked runs`;
  return (
    <div className="jp-nbops-SelectionBar">
      <span className="jp-nbops-SelectionBar-count" aria-live="polite">
        {count === 0 ? 'Check runs to compare' : `${count} selected`}
      </span>
      {count > 0 && (
        <button
          type="button"
          className="jp-nbops-Button jp-mod-link"
          title="Uncheck all runs"
          onClick={props.onClear}
        >
          Clear
        </button>
      )}
      <button
        type="button"
        className="jp-Button jp-mod-styled jp-mod-accept jp-nbops-SelectionBar-compare"
        disabled={!enabled}
        title={why}
        onClick={props.onCompare}
      >
        Compare
      </button>
    </div>
  );
}
