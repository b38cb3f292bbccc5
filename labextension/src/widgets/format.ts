/**
 * Compact text for the runs table: durations, start times and metric values.
 */

/** `0.42s`, `12.3s`, `4m 05s`, `2h 03m`, `3d 4h`. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) {
    return '—';
  }
  if (seconds < 10) {
    return `${seconds < 0.01 ? '<0.01' : seconds.toFixed(2)}s`;
  }
  if (seconds < 60) {
    return `${seconds.toFixed(1)}s`;
  }
  const total = Math.round(seconds);
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (days > 0) {
    return `${days}d ${hours}h`;
  }
  if (hours > 0) {
    return `${hours}h ${pad(minutes)}m`;
  }
  return `${minutes}m ${pad(secs)}s`;
}

/** Seconds a run has lasted so far: its duration, or the time since start. */
export function elapsed(
  run: { start_time: number; end_time: number | null; duration: number | null },
  now: number
): number | null {
  if (run.duration !== null) {
    return run.duration;
  }
  if (run.end_time !== null) {
    return run.end_time - run.start_time;
  }
  return Math.max(0, now / 1000 - run.start_time);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Short age of an epoch-seconds time: `now`, `5m`, `3h`, `2d`, `Nov 21`. */
export function formatAge(epochSeconds: number, now: number): string {
  const seconds = now / 1000 - epochSeconds;
  if (seconds < 45) {
    return 'now';
  }
  if (seconds < 3600) {
    return `${Math.max(1, Math.round(seconds / 60))}m ago`;
  }
  if (seconds < 86400) {
    return `${Math.floor(seconds / 3600)}h ago`;
  }
  if (seconds < 7 * 86400) {
    return `${Math.floor(seconds / 86400)}d ago`;
  }
  const date = new Date(epochSeconds * 1000);
  const label = `${MONTHS[date.getMonth()]} ${date.getDate()}`;
  return date.getFullYear() === new Date(now).getFullYear()
    ? label
    : `${label}, ${date.getFullYear()}`;
}

/** Full local date and time, for tooltips. */
export function formatDateTime(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toLocaleString();
}

/**
 * Up to four significant digits, no trailing zeros: `0.91`, `0.9123`, `1235`.
 * `null` is how the server sends NaN; infinities arrive as ±Infinity (see api.ts).
 */
export function formatMetric(value: number | null | undefined): string {
  if (value === undefined) {
    return '';
  }
  if (value === Infinity) {
    return '∞';
  }
  if (value === -Infinity) {
    return '−∞';
  }
  if (value === null || !Number.isFinite(value)) {
    return 'NaN';
  }
  if (Number.isInteger(value) && Math.abs(value) < 1e6) {
    return String(value);
  }
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) {
    return value.toExponential(2);
  }
  return String(Number(value.toPrecision(4)));
}

/**
 * One number format for a whole column, so values line up: every value gets the
 * decimals the most precise one needs at four significant digits (`0.9720`
 * beside `0.9441`; a lone `0.91` stays `0.91`), integers stay whole, and very
 * small or large columns keep the exponent form.
 */
export function columnFormat(
  values: ReadonlyArray<number | null | undefined>
): (value: number | null | undefined) => string {
  const finite = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (finite.some(v => v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e6))) {
    return formatMetric;
  }
  const decimals = Math.min(
    6,
    finite.reduce((most, v) => Math.max(most, (formatMetric(v).split('.')[1] ?? '').length), 0)
  );
  if (decimals === 0) {
    return formatMetric;
  }
  return value =>
    typeof value === 'number' && Number.isFinite(value)
      ? value.toFixed(decimals)
      : formatMetric(value);
}
