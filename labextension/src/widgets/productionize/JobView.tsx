/**
 * A productionize job: its stages with timings while it runs, then the outcome — the
 * equivalence table, the generated tests' results, and a link to the package's README.
 */
import * as React from 'react';

import { IDeployTarget, IEquivalenceEntry, IPipelineTests, IProductionizeJob } from '../../tokens';
import { DiagnosticsList } from './DiagnosticsList';

const STAGE_LABELS: Record<string, string> = {
  analyse: 'Analyse',
  golden_run: 'Golden run (2 kernels)',
  generate: 'Generate package',
  equivalence: 'Prove equivalence',
  tests: 'Run generated pytest',
  write: 'Write package'
};

export function formatSeconds(seconds: number): string {
  if (seconds < 60) {
    return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  }
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

/** Seconds since the job was created, ticking locally between polls while it runs. */
function useElapsed(job: IProductionizeJob): number {
  const active = job.state === 'queued' || job.state === 'running';
  const receivedAt = React.useMemo(() => Date.now(), [job]);
  const [, setTick] = React.useState(0);
  React.useEffect(() => {
    if (!active) {
      return;
    }
    const timer = window.setInterval(() => setTick(t => t + 1), 1000);
    return () => window.clearInterval(timer);
  }, [active]);
  return active ? job.elapsed + (Date.now() - receivedAt) / 1000 : job.elapsed;
}

/** The stage that failed: where the first error diagnostic comes from, else the last begun. */
function failedStage(job: IProductionizeJob): string | null {
  if (job.state !== 'failed') {
    return null;
  }
  const last = job.stages.length ? job.stages[job.stages.length - 1].stage : null;
  const error = job.result?.diagnostics.find(d => d.severity === 'error');
  if (!error || job.error) {
    return last;
  }
  const byCode: Record<string, string> = {
    NB402: 'golden_run',
    NB404: 'equivalence',
    NB405: 'equivalence',
    NB406: 'tests'
  };
  return byCode[error.code] ?? (error.code < 'NB400' ? 'analyse' : last);
}

function Stages(props: { job: IProductionizeJob; elapsed: number }): JSX.Element {
  const { job } = props;
  const failed = failedStage(job);
  const names = job.all_stages.length ? job.all_stages : Object.keys(STAGE_LABELS);
  const begun = new Map(job.stages.map(s => [s.stage, s]));
  const finished = job.state === 'done' || job.state === 'failed';
  return (
    <ol className="jp-nbops-JobStages" aria-label="Stages">
      {names.map(name => {
        const stage = begun.get(name);
        const running = !finished && job.stage === name;
        const status =
          name === failed
            ? 'failed'
            : stage
              ? running
                ? 'running'
                : 'done'
              : finished
                ? 'skipped'
                : 'pending';
        let time = '';
        if (stage && stage.seconds !== null) {
          time = formatSeconds(stage.seconds);
        } else if (running) {
          time = formatSeconds(Math.max(0, job.created + props.elapsed - stage!.started));
        }
        return (
          <li key={name} className={`jp-nbops-JobStage jp-mod-${status}`} data-stage={name}>
            <span className="jp-nbops-JobStage-mark" aria-hidden="true" />
            <span className="jp-nbops-JobStage-name" title={stage?.message ?? ''}>
              {STAGE_LABELS[name] ?? name}
            </span>
            <span className="jp-nbops-JobStage-time">{time}</span>
          </li>
        );
      })}
    </ol>
  );
}

const STATUS_TEXT: Record<IEquivalenceEntry['status'], string> = {
  match: 'ok',
  nondeterministic: 'ok (varies)',
  mismatch: 'mismatch',
  missing: 'missing'
};

function EquivalenceTable(props: { entries: IEquivalenceEntry[] }): JSX.Element {
  return (
    <table className="jp-nbops-Table jp-nbops-EquivalenceTable" aria-label="Equivalence">
      <thead>
        <tr>
          <th>Step</th>
          <th>Variable</th>
          <th>Result</th>
        </tr>
      </thead>
      <tbody>
        {props.entries.map(entry => (
          <tr key={`${entry.step}.${entry.variable}`} title={entry.detail ?? ''}>
            <td>{entry.step}</td>
            <td>
              <code>{entry.variable}</code>
            </td>
            <td className={`jp-nbops-Equivalence-${entry.status}`}>{STATUS_TEXT[entry.status]}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function TestsSummary(props: { tests: IPipelineTests }): JSX.Element {
  const { tests } = props;
  const parts = [`${tests.passed} passed`];
  if (tests.failed) {
    parts.push(`${tests.failed} failed`);
  }
  if (tests.errors) {
    parts.push(`${tests.errors} errors`);
  }
  if (tests.skipped) {
    parts.push(`${tests.skipped} skipped`);
  }
  return (
    <div className="jp-nbops-TestsSummary" data-ok={tests.ok}>
      <div className={`jp-nbops-TestsSummary-counts ${tests.ok ? 'jp-mod-ok' : 'jp-mod-bad'}`}>
        pytest: {parts.join(', ')}
      </div>
      {tests.failures.length > 0 && (
        <ul className="jp-nbops-TestsSummary-failures">
          {tests.failures.map(name => (
            <li key={name}>
              <code>{name}</code>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export interface IJobViewProps {
  job: IProductionizeJob;
  error: string | null;
  onSelectCell: (cellId: string) => void;
  onOpenFile: (path: string) => void;
}

export function JobView(props: IJobViewProps): JSX.Element {
  const { job } = props;
  const elapsed = useElapsed(job);
  const result = job.result;
  const active = job.state === 'queued' || job.state === 'running';
  const headline = active
    ? job.state === 'queued'
      ? 'Queued'
      : 'Productionizing…'
    : job.state === 'done'
      ? 'Done'
      : 'Failed';
  const equivalent = result?.equivalence.ok ?? false;
  const entries = result?.equivalence.entries ?? [];
  return (
    <section
      className={`jp-nbops-JobView jp-mod-${job.state}`}
      aria-label="Productionize job"
      data-state={job.state}
    >
      <div className="jp-nbops-JobView-header">
        <span className={`jp-nbops-JobState jp-mod-${job.state}`}>{headline}</span>
        <span className="jp-nbops-JobView-elapsed" title="elapsed">
          {formatSeconds(elapsed)}
        </span>
      </div>
      <div className="jp-nbops-JobView-target" title={job.out_dir}>
        → <code>{job.out_dir}</code>
      </div>
      <Stages job={job} elapsed={elapsed} />
      {(props.error || job.error) && (
        <div className="jp-nbops-JobView-error" role="alert">
          {props.error || job.error}
        </div>
      )}
      {result && (
        <>
          {entries.length > 0 && (
            <>
              <div
                className={`jp-nbops-JobView-verdict ${equivalent ? 'jp-mod-ok' : 'jp-mod-bad'}`}
              >
                {equivalent
                  ? `Equivalent: all ${entries.length} step outputs match the notebook`
                  : 'Not equivalent: see the mismatches below'}
              </div>
              <EquivalenceTable entries={entries} />
            </>
          )}
          {result.tests && <TestsSummary tests={result.tests} />}
          {result.diagnostics.length > 0 && (
            <DiagnosticsList
              title="Diagnostics of this run"
              diagnostics={result.diagnostics}
              onSelectCell={props.onSelectCell}
            />
          )}
          {result.package_dir && (result.targets ?? []).length > 0 && (
            <DeployTargets targets={result.targets ?? []} />
          )}
          {result.package_dir && (
            <button
              className="jp-nbops-Button jp-mod-link"
              onClick={() => props.onOpenFile(`${job.out_dir}/README.md`)}
            >
              Open the generated README
            </button>
          )}
        </>
      )}
    </section>
  );
}

const TARGET_LABELS: Record<string, string> = {
  container: 'Container image',
  kfp: 'Kubeflow Pipelines',
  airflow: 'Airflow DAG'
};

/** What was generated for each deployment target, and the command that submits it. */
function DeployTargets(props: { targets: IDeployTarget[] }): JSX.Element {
  return (
    <div className="jp-nbops-DeployTargets">
      <div className="jp-nbops-DeployTargets-title">Deploy</div>
      <ul aria-label="Deployment targets">
        {props.targets.map(target => (
          <li key={target.name} data-target={target.name}>
            <div className="jp-nbops-DeployTargets-name">
              {TARGET_LABELS[target.name] ?? target.name}
            </div>
            <div className="jp-nbops-DeployTargets-files">
              {target.files.map(file => (
                <code key={file}>{file}</code>
              ))}
            </div>
            <div className="jp-nbops-DeployTargets-submit" title="how to submit">
              {target.submit}
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}
