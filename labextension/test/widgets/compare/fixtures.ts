/** Compare runs and metric series as the server sends them, for the curve tests. */
import { ICompareRun, IMetricSeries } from '../../../src/tokens';

export function series(
  step: number[],
  value: (number | null)[],
  downsampled = false
): IMetricSeries {
  return {
    step,
    wall_time: step.map(s => 1_700_000_000 + s),
    relative_time: step.map(s => s * 2),
    value,
    last: value,
    min: value.map(v => (v === null ? null : v - 1)),
    max: value.map(v => (v === null ? null : v + 1)),
    count: step.map(() => 1),
    bucket_width: 1,
    downsampled
  };
}

export function run(id: string, name: string | null): ICompareRun {
  return {
    id,
    name,
    experiment: 'exp',
    status: 'finished',
    start_time: 1_700_000_000,
    end_time: 1_700_000_060,
    heartbeat: 1_700_000_060,
    duration: 60,
    pid: 1,
    host: 'host',
    user: 'user',
    notebook_path: null,
    git_commit: null,
    git_branch: null,
    git_dirty: null,
    parent_id: null,
    note: null,
    deleted_at: null
  };
}
