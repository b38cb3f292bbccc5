/**
 * A run's status as a small coloured badge: icon plus word, so it reads
 * without relying on colour alone.
 */
import * as React from 'react';

import { RunStatus } from '../tokens';

const ICON_PATHS: Record<RunStatus, string> = {
  // A ring; the badge animates it while the run is logging.
  running: 'M8 1.5a6.5 6.5 0 1 0 6.5 6.5h-2A4.5 4.5 0 1 1 8 3.5z',
  finished:
    'M8 1a7 7 0 1 0 0 14A7 7 0 0 0 8 1zm3.3 4.8-4 4.6a.8.8 0 0 1-1.2 0L4.7 8.9a.8.8 0 1 1 1.2-1l1.8 1.7 3.4-3.9a.8.8 0 0 1 1.2 1z',
  failed:
    'M8 1a7 7 0 1 0 0 14A7 7 0 0 0 8 1zm2.8 8.7a.8.8 0 1 1-1.1 1.1L8 9.1l-1.7 1.7a.8.8 0 1 1-1.1-1.1L6.9 8 5.2 6.3a.8.8 0 1 1 1.1-1.1L8 6.9l1.7-1.7a.8.8 0 1 1 1.1 1.1L9.1 8z',
  crashed:
    'M8.9 1.6a1 1 0 0 0-1.8 0L.9 13a1 1 0 0 0 .9 1.5h12.4a1 1 0 0 0 .9-1.5zM8 5a.8.8 0 0 1 .8.8v3.5a.8.8 0 0 1-1.6 0V5.8A.8.8 0 0 1 8 5zm0 6.2a.9.9 0 1 1 0 1.8.9.9 0 0 1 0-1.8z',
  killed: 'M8 1a7 7 0 1 0 0 14A7 7 0 0 0 8 1zM5.5 5.5h5v5h-5z'
};

const DESCRIPTIONS: Record<RunStatus, string> = {
  running: 'Running: still logging',
  finished: 'Finished successfully',
  failed: 'Failed: the tracked code raised an exception',
  crashed: 'Crashed: its process died without ending the run',
  killed: 'Killed: stopped by the user'
};

export function StatusIcon(props: { status: RunStatus }): JSX.Element {
  const path = ICON_PATHS[props.status] ?? ICON_PATHS.crashed;
  return (
    <svg
      className="jp-nbops-StatusIcon"
      viewBox="0 0 16 16"
      width="13"
      height="13"
      aria-hidden="true"
      focusable="false"
    >
      <path fill="currentColor" fillRule="evenodd" d={path} />
    </svg>
  );
}

export function StatusBadge(props: { status: RunStatus }): JSX.Element {
  const { status } = props;
  return (
    <span
      className={`jp-nbops-StatusBadge jp-mod-${status}`}
      title={DESCRIPTIONS[status] ?? status}
    >
      <StatusIcon status={status} />
      <span className="jp-nbops-StatusBadge-label">{status}</span>
    </span>
  );
}
