/**
 * The Compare table as CSV: one row per run (id, name, experiment, status),
 * then every param and every metric's last value, as a spreadsheet expects.
 */
import { IComparison } from '../../tokens';

/** RFC 4180: quote a field holding a comma, quote or line break; double its quotes. */
function field(value: string | number | null | undefined): string {
  if (value === null || value === undefined) {
    return '';
  }
  const text = typeof value === 'number' ? (Number.isNaN(value) ? 'NaN' : String(value)) : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function comparisonCsv(comparison: IComparison, runIds: ReadonlyArray<string>): string {
  const runs = comparison.runs.filter(run => runIds.includes(run.id));
  const header = [
    'run_id',
    'name',
    'experiment',
    'status',
    ...comparison.params.map(row => `params.${row.key}`),
    ...comparison.metrics.map(row => `metrics.${row.key}`)
  ];
  const lines = runs.map(run =>
    [
      run.id,
      run.name,
      run.experiment,
      run.status,
      ...comparison.params.map(row => row.values[run.id]),
      ...comparison.metrics.map(row => {
        const summary = row.values[run.id];
        return summary ? (summary.last ?? NaN) : null;
      })
    ]
      .map(field)
      .join(',')
  );
  return [header.map(field).join(','), ...lines].join('\r\n') + '\r\n';
}

/** Save `text` as a file through the browser's download. */
export function downloadText(text: string, filename: string, type = 'text/csv'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
