import { describe, expect, it } from 'vitest';

import {
  columnFormat,
  elapsed,
  formatAge,
  formatDuration,
  formatMetric
} from '../../src/widgets/format';

describe('formatDuration', () => {
  it('shows a dash for what is not a duration', () => {
    for (const value of [null, NaN, Infinity, -Infinity, -1]) {
      expect(formatDuration(value)).toBe('—');
    }
  });

  it('scales from hundredths of a second to days', () => {
    expect(formatDuration(0)).toBe('<0.01s');
    expect(formatDuration(0.005)).toBe('<0.01s');
    expect(formatDuration(0.42)).toBe('0.42s');
    expect(formatDuration(12.34)).toBe('12.3s');
    expect(formatDuration(245)).toBe('4m 05s');
    expect(formatDuration(2 * 3600 + 3 * 60 + 20)).toBe('2h 03m');
    expect(formatDuration(3 * 86400 + 4 * 3600 + 59)).toBe('3d 4h');
  });
});

describe('elapsed', () => {
  const start = 1_700_000_000;

  it('prefers the recorded duration, then the end time', () => {
    expect(elapsed({ start_time: start, end_time: start + 50, duration: 7 }, 0)).toBe(7);
    expect(elapsed({ start_time: start, end_time: start + 50, duration: null }, 0)).toBe(50);
  });

  it('counts a running run up to now, never below zero', () => {
    const run = { start_time: start, end_time: null, duration: null };
    expect(elapsed(run, (start + 90) * 1000)).toBe(90);
    expect(elapsed(run, (start - 5) * 1000)).toBe(0);
  });
});

describe('formatAge', () => {
  const now = new Date(2026, 10, 30, 12, 0, 0).getTime();
  const ago = (seconds: number) => now / 1000 - seconds;

  it('reads as now, minutes, hours and days ago', () => {
    expect(formatAge(ago(10), now)).toBe('now');
    expect(formatAge(ago(50), now)).toBe('1m ago');
    expect(formatAge(ago(300), now)).toBe('5m ago');
    expect(formatAge(ago(3 * 3600), now)).toBe('3h ago');
    expect(formatAge(ago(2 * 86400), now)).toBe('2d ago');
  });

  it('names the date after a week, with the year only when it differs', () => {
    expect(formatAge(new Date(2026, 10, 21, 9).getTime() / 1000, now)).toBe('Nov 21');
    expect(formatAge(new Date(2025, 10, 21, 9).getTime() / 1000, now)).toBe('Nov 21, 2025');
  });
});

describe('formatMetric', () => {
  it('keeps NaN, +inf and -inf apart', () => {
    expect(formatMetric(null)).toBe('NaN');
    expect(formatMetric(NaN)).toBe('NaN');
    expect(formatMetric(Infinity)).toBe('∞');
    expect(formatMetric(-Infinity)).toBe('−∞');
    expect(formatMetric(undefined)).toBe('');
  });

  it('infinities decoded from the server strings show as ∞', () => {
    // The server writes ±inf as the strings "Infinity" and "-Infinity".
    const decoded = Number('Infinity');
    expect(formatMetric(decoded)).toBe('∞');
    expect(formatMetric(Number('-Infinity'))).toBe('−∞');
  });

  it('gives four significant digits without trailing zeros', () => {
    expect(formatMetric(0)).toBe('0');
    expect(formatMetric(3)).toBe('3');
    expect(formatMetric(-42)).toBe('-42');
    expect(formatMetric(0.91)).toBe('0.91');
    expect(formatMetric(0.912345)).toBe('0.9123');
    expect(formatMetric(1234.56)).toBe('1235');
  });

  it('switches to the exponent form for very small or large values', () => {
    expect(formatMetric(0.00001234)).toBe('1.23e-5');
    expect(formatMetric(2e7)).toBe('2.00e+7');
    expect(formatMetric(-3.5e9)).toBe('-3.50e+9');
  });
});

describe('columnFormat', () => {
  it('pads a column to the decimals of its most precise value', () => {
    const format = columnFormat([0.972, 0.9441]);
    expect(format(0.972)).toBe('0.9720');
    expect(format(0.9441)).toBe('0.9441');
  });

  it('leaves a lone value and whole numbers as they are', () => {
    expect(columnFormat([0.91])(0.91)).toBe('0.91');
    expect(columnFormat([1, 2, 30])(2)).toBe('2');
  });

  it('ignores NaN and infinities when choosing decimals, and still shows them', () => {
    const format = columnFormat([null, NaN, Infinity, -Infinity, 0.5, undefined]);
    expect(format(0.5)).toBe('0.5');
    expect(format(0.25)).toBe('0.3');
    expect(format(null)).toBe('NaN');
    expect(format(Infinity)).toBe('∞');
    expect(format(-Infinity)).toBe('−∞');
    expect(format(undefined)).toBe('');
  });

  it('falls back to the per-value format for an empty or exponent-sized column', () => {
    expect(columnFormat([])(0.123456)).toBe('0.1235');
    const tiny = columnFormat([0.00001, 0.5]);
    expect(tiny(0.00001)).toBe('1.00e-5');
    expect(tiny(0.5)).toBe('0.5');
  });
});
