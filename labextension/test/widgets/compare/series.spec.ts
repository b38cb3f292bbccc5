import { describe, expect, it } from 'vitest';

import { aggregate, commonSteps, ema, interpolate } from '../../../src/widgets/compare/series';

describe('ema', () => {
  it('returns a copy when smoothing is off', () => {
    const values = [1, null, 3];
    const smoothed = ema(values, 0);
    expect(smoothed).toEqual(values);
    expect(smoothed).not.toBe(values);
  });

  it('debiases the start and keeps gaps as gaps', () => {
    const smoothed = ema([1, null, 3], 0.5);
    expect(smoothed[0]).toBe(1);
    expect(smoothed[1]).toBeNull();
    // last = 0.5 * 0.5 + 0.5 * 3 = 1.75, debiased by 1 - 0.5^2.
    expect(smoothed[2]).toBeCloseTo(1.75 / 0.75, 12);
  });

  it('treats NaN and infinities as gaps, never as numbers', () => {
    expect(ema([NaN, Infinity, -Infinity, 2], 0.9)).toEqual([null, null, null, 2]);
  });

  it('leaves a constant curve constant', () => {
    for (const value of ema([2, 2, 2, 2], 0.99)) {
      expect(value).toBeCloseTo(2, 12);
    }
  });
});

describe('interpolate', () => {
  const curve = { x: [0, 10, 20], y: [0, 1, null] };

  it('is linear between neighbours and exact on a step', () => {
    expect(interpolate(curve, 5)).toBeCloseTo(0.5, 12);
    expect(interpolate(curve, 10)).toBe(1);
    expect(interpolate(curve, 0)).toBe(0);
  });

  it('is a gap outside the range, next to a gap, or on an empty curve', () => {
    expect(interpolate(curve, -1)).toBeNull();
    expect(interpolate(curve, 21)).toBeNull();
    expect(interpolate(curve, 15)).toBeNull();
    expect(interpolate(curve, 20)).toBeNull();
    expect(interpolate({ x: [], y: [] }, 0)).toBeNull();
  });
});

describe('commonSteps', () => {
  it('unites the steps within the range every curve covers', () => {
    const a = { x: [0, 1, 2, 3], y: [0, 0, 0, 0] };
    const b = { x: [1, 2.5, 4, 5], y: [0, 0, 0, 0] };
    expect(commonSteps([a, b])).toEqual([1, 2, 2.5, 3]);
  });

  it('ignores empty curves and is empty without data', () => {
    expect(
      commonSteps([
        { x: [], y: [] },
        { x: [3, 4], y: [1, 1] }
      ])
    ).toEqual([3, 4]);
    expect(commonSteps([])).toEqual([]);
    expect(commonSteps([{ x: [], y: [] }])).toEqual([]);
  });

  it('thins to at most maxPoints, evenly', () => {
    const x = Array.from({ length: 10 }, (_, i) => i);
    expect(commonSteps([{ x, y: x }], 5)).toEqual([0, 2, 4, 6, 8]);
  });
});

describe('aggregate', () => {
  it('gives mean and ±1 sample std of the curves that have a value', () => {
    const stats = aggregate([
      { x: [0, 1, 2], y: [1, 2, 3] },
      { x: [0, 1, 2], y: [3, 4, null] }
    ]);
    expect(stats.x).toEqual([0, 1, 2]);
    expect(stats.mean).toEqual([2, 3, 3]);
    expect(stats.count).toEqual([2, 2, 1]);
    expect(stats.upper[0]).toBeCloseTo(2 + Math.SQRT2, 12);
    expect(stats.lower[0]).toBeCloseTo(2 - Math.SQRT2, 12);
    // One value: a zero-width band, not a gap.
    expect([stats.lower[2], stats.upper[2]]).toEqual([3, 3]);
  });

  it('leaves a gap where no curve has a value', () => {
    const stats = aggregate([{ x: [0, 1], y: [null, NaN as unknown as number] }]);
    expect(stats.mean).toEqual([null, null]);
    expect(stats.lower).toEqual([null, null]);
    expect(stats.count).toEqual([0, 0]);
  });
});
