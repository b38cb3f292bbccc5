/** Who, where and when: the run's status, times, host, notebook and related runs. */
import * as React from 'react';

import { IRunRecord } from '../../tokens';
import { formatDateTime, formatDuration } from '../format';
import { StatusBadge } from '../StatusBadge';
import { SyncBadge } from '../SyncBadge';
import { IRunActions } from './actions';
import { Section } from './Section';

function RunLink(props: { id: string; label?: string | null; actions: IRunActions }): JSX.Element {
  return (
    <button
      className="jp-nbops-Button jp-mod-link"
      title={`Open run ${props.id}`}
      onClick={() => props.actions.openRun(props.id)}
    >
      {props.label ? `${props.label} ` : ''}
      <code>{props.id}</code>
    </button>
  );
}

export function OverviewSection(props: { run: IRunRecord; actions: IRunActions }): JSX.Element {
  const { run, actions } = props;
  const children = run.child_runs ?? [];
  const rows: [string, React.ReactNode][] = [
    ['Experiment', run.experiment],
    ['Started', formatDateTime(run.start_time)],
    ['Ended', run.end_time === null ? '—' : formatDateTime(run.end_time)],
    ['Duration', formatDuration(run.duration)],
    ['User', run.user ?? '—'],
    ['Host', run.host ?? '—'],
    [
      'Notebook',
      run.notebook_path ? (
        <span className="jp-nbops-Overview-notebook">
          <code title={run.notebook_path}>{run.notebook_path}</code>
          <button
            className="jp-mod-styled jp-nbops-Button"
            onClick={() => actions.openNotebook(run.notebook_path!)}
          >
            Open notebook
          </button>
        </span>
      ) : (
        '—'
      )
    ]
  ];
  rows.push(['MLflow', <SyncBadge sync={run.sync} withLabel />]);
  if (run.parent_id) {
    rows.push(['Parent run', <RunLink id={run.parent_id} actions={actions} />]);
  }
  if (children.length > 0) {
    rows.push([
      `Child runs (${children.length})`,
      <ul className="jp-nbops-Overview-children">
        {children.map(child => (
          <li key={child.id}>
            <StatusBadge status={child.status} />{' '}
            <RunLink id={child.id} label={child.name} actions={actions} />
          </li>
        ))}
      </ul>
    ]);
  }
  return (
    <Section id="overview" title="Overview">
      <dl className="jp-nbops-Facts">
        {rows.map(([label, value]) => (
          <React.Fragment key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </React.Fragment>
        ))}
      </dl>
    </Section>
  );
}
