/**
 * A labelled drop-down of the Compare panel's toolbars (metric, param, x axis…).
 */
import { HTMLSelect } from '@jupyterlab/ui-components';
import React from 'react';

export interface IControlSelectProps {
  /** Visible label before the drop-down. */
  label: string;
  /** Accessible name, when the visible label is ambiguous on its own. */
  ariaLabel?: string;
  value: string;
  /** Choices; a plain string is both value and label. */
  options: (string | { value: string; label: string })[];
  onChange: (value: string) => void;
  disabled?: boolean;
}

export function ControlSelect(props: IControlSelectProps): JSX.Element {
  return (
    <label className="jp-nbops-Compare-control">
      {props.label}
      <HTMLSelect
        className="jp-nbops-Compare-select"
        aria-label={props.ariaLabel ?? props.label}
        value={props.value}
        onChange={event => props.onChange(event.target.value)}
        disabled={props.disabled}
      >
        {props.options.map(option => {
          const { value, label } =
            typeof option === 'string' ? { value: option, label: option } : option;
          return (
            <option key={value} value={value}>
              {label}
            </option>
          );
        })}
      </HTMLSelect>
    </label>
  );
}
