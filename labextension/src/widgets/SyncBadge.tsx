/**
 * A run's sync state with an MLflow server, as a small icon with a readable tooltip and
 * label: pushed (cloud with a tick), pulled (cloud with an arrow down), push failed
 * (cloud with a cross, the error in the tooltip). Local-only runs show nothing in lists
 * and say "Local only" in the run detail.
 */
import * as React from 'react';

import { ISyncState } from '../tokens';

const CLOUD = 'M4.5 13a3.5 3.5 0 0 1-.4-7A4.5 4.5 0 0 1 12.8 6.2 3.4 3.4 0 0 1 12.5 13z';
const MARKS: Record<ISyncState['state'], string> = {
  pushed: 'M6 9.3l1.4 1.4L10.3 7.8',
  pulled: 'M8 6.8v4M6.4 9.4 8 11l1.6-1.6',
  failed: 'M6.6 7.9l2.8 2.8M9.4 7.9l-2.8 2.8'
};

/** One line describing the state, e.g. "Pushed to http://mlflow:5000". */
export function describeSync(sync: ISyncState | null | undefined): string {
  if (!sync) {
    return 'Local only: never pushed to an MLflow server';
  }
  switch (sync.state) {
    case 'pushed':
      return `Pushed to ${sync.target}`;
    case 'pulled':
      return `Pulled from ${sync.target}`;
    default:
      return `Push to ${sync.target} failed: ${sync.error ?? 'unknown error'}`;
  }
}

export function SyncBadge(props: {
  sync: ISyncState | null | undefined;
  withLabel?: boolean;
}): JSX.Element | null {
  const { sync, withLabel } = props;
  if (!sync && !withLabel) {
    return null;
  }
  const state = sync?.state ?? 'local';
  const text = describeSync(sync);
  return (
    <span
      className={`jp-nbops-SyncBadge jp-mod-${state}`}
      title={text}
      role="img"
      aria-label={text}
      data-sync-state={state}
    >
      <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
        <path
          d={CLOUD}
          fill="none"
          stroke="currentColor"
          strokeWidth="1.3"
          strokeLinejoin="round"
        />
        {sync && (
          <path
            d={MARKS[sync.state]}
            fill="none"
            stroke="currentColor"
            strokeWidth="1.4"
            strokeLinecap="round"
            strokeLinejoin="round"
          />
        )}
      </svg>
      {withLabel && <span className="jp-nbops-SyncBadge-label">{text}</span>}
    </span>
  );
}
