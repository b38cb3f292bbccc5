/**
 * Compact numbers and labels of the Drift monitor.
 */

/** Short names of statistics, as in the server's alert messages. */
const SHORT: Record<string, string> = {
  effect: 'effect',
  wasserstein: 'W',
  jensen_shannon: 'JS',
  jensen_shannon_e: 'JS',
  psi: 'PSI',
  ks: 'KS D',
  chi_square: 'χ²',
  missing_rate_change: 'Δmissing',
  out_of_range_share: 'out of range',
  unseen_share: 'unseen'
};

/** Readable names for the statistic menu. */
const LONG: Record<string, string> = {
  effect: 'Decision effect',
  wasserstein: 'Wasserstein / std',
  jensen_shannon: 'Jensen–Shannon',
  psi: 'PSI',
  ks: 'KS statistic D',
  chi_square: 'Chi-square',
  missing_rate_change: 'Missing-rate change',
  out_of_range_share: 'Out-of-range share',
  unseen_share: 'Unseen share'
};

export function shortStatistic(name: string | null | undefined): string {
  return name ? (SHORT[name] ?? name) : '—';
}

export function longStatistic(name: string): string {
  return LONG[name] ?? name;
}

/** `0.123`, `12.3`, `1.2e-5`; `—` for missing. */
export function formatValue(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) {
    return '—';
  }
  const abs = Math.abs(value);
  if (abs === 0) {
    return '0';
  }
  if (abs >= 1000 || abs < 0.001) {
    return value.toExponential(1);
  }
  if (abs >= 10) {
    return value.toFixed(1);
  }
  return value.toFixed(3);
}

/** p-values: `<1e-300`, `3.2e-8`, `0.042`. */
export function formatP(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) {
    return '—';
  }
  if (value === 0) {
    return '<1e-300';
  }
  return value < 0.001 ? value.toExponential(1) : value.toFixed(3);
}

export function formatCount(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : value.toLocaleString('en-US');
}

/** `2024-05-03 14:02` in the user's time zone. */
export function formatTime(epochSeconds: number): string {
  const date = new Date(epochSeconds * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}

/**
 * Indices of the window labels an x axis shows: every `step`-th so that the
 * labels fit `widthPx` side by side, and the last one, whose neighbour is
 * dropped when it would crowd it.
 */
export function tickIndices(labels: string[], widthPx: number): number[] {
  const n = labels.length;
  const longest = Math.max(...labels.map(l => l.length), 1);
  const fit = Math.max(2, Math.floor(widthPx / (longest * 6 + 14)));
  const step = Math.max(1, Math.ceil(n / fit));
  const ticks = [];
  for (let i = 0; i < n; i += step) {
    ticks.push(i);
  }
  if (n > 0 && ticks[ticks.length - 1] !== n - 1) {
    if (n - 1 - ticks[ticks.length - 1] < step) {
      ticks.pop();
    }
    ticks.push(n - 1);
  }
  return ticks;
}
