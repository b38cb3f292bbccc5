import { describe, expect, it } from 'vitest';

import { groupTraces, localDate, runTraces } from '../../../src/widgets/compare/curves';
import { IMetricSeries } from '../../../src/tokens';
import { run, series } from './fixtures';

const roles = (traces: Record<string, unknown>[]) =>
  traces.map(t => (t.meta as { role: string }).role);

describe('localDate', () => {
  it('writes plotly dates with milliseconds (tests run with TZ=UTC)', () => {
    expect(localDate(1_700_000_000.25)).toBe('2023-11-14 22:13:20.250');
  });
});

describe('runTraces', () => {
  it('draws one line per run with data, skipping runs without', () => {
    const traces = runTraces(
      [run('r1', 'alpha'), run('r2', 'beta'), run('r3', 'gamma')],
      new Map([
        ['r1', series([0, 1, 2], [1, 2, 3])],
        ['r2', null],
        ['r3', series([], [])]
      ]),
      new Map([['r1', '#ff0000']]),
      { xAxis: 'step', smoothing: 0 }
    );
    expect(roles(traces)).toEqual(['line']);
    expect(traces[0]).toMatchObject({
      x: [0, 1, 2],
      y: [1, 2, 3],
      mode: 'lines',
      name: 'alpha',
      line: { color: '#ff0000', width: 2 }
    });
  });

  it('adds the envelope of a downsampled run and the raw curve behind a smoothed one', () => {
    const traces = runTraces(
      [run('r1', null)],
      new Map([['r1', series([0, 1], [1, 3], true)]]),
      new Map(),
      { xAxis: 'relative_time', smoothing: 0.5 }
    );
    expect(roles(traces)).toEqual(['envelope-edge', 'envelope', 'raw', 'line']);
    expect(traces[0].y).toEqual([2, 4]);
    expect(traces[1]).toMatchObject({ y: [0, 2], fill: 'tonexty' });
    // No colour given: grey, faded for the envelope.
    expect(traces[1].fillcolor).toBe('rgba(136, 136, 136, 0.12)');
    expect(traces[2].y).toEqual([1, 3]);
    expect(traces[3].x).toEqual([0, 2]);
    expect((traces[3].y as number[])[0]).toBe(1);
    expect(traces[3].name).toBe('r1');
  });

  it('marks a single point and writes wall times as dates', () => {
    const traces = runTraces([run('r1', 'one')], new Map([['r1', series([5], [0.5])]]), new Map(), {
      xAxis: 'wall_time',
      smoothing: 0
    });
    expect(traces[0].mode).toBe('markers');
    expect(traces[0].x).toEqual([localDate(1_700_000_005)]);
  });
});

describe('groupTraces', () => {
  const data = new Map<string, IMetricSeries | null>([
    ['a', series([0, 1], [1, 3])],
    ['b', series([0, 1], [3, 5])],
    ['c', series([0, 1], [10, null])],
    ['d', null]
  ]);

  it('draws a mean line inside a ±1 std band per group', () => {
    const traces = groupTraces(
      [{ key: 'g', label: 'lr=0.1', runs: ['a', 'b'] }],
      data,
      new Map([['g', '#0000ff']]),
      { xAxis: 'step', smoothing: 0 }
    );
    expect(roles(traces)).toEqual(['band-edge', 'band', 'mean']);
    expect(traces[2]).toMatchObject({
      x: [0, 1],
      y: [2, 4],
      name: 'lr=0.1 (2)',
      customdata: [2, 2]
    });
    expect((traces[0].y as number[])[0]).toBeCloseTo(2 + Math.SQRT2, 12);
    expect(traces[1].fillcolor).toBe('rgba(0, 0, 255, 0.28)');
  });

  it('draws no band for a group of one and skips groups without data', () => {
    const traces = groupTraces(
      [
        { key: 'solo', label: 'lr=0.2', runs: ['c'] },
        { key: 'empty', label: 'lr=0.3', runs: ['d', 'missing'] }
      ],
      data,
      new Map(),
      { xAxis: 'step', smoothing: 0 }
    );
    expect(roles(traces)).toEqual(['mean']);
    expect(traces[0]).toMatchObject({ y: [10, null], name: 'lr=0.2 (1)', customdata: [1, 0] });
  });

  it('places a group on a time axis at its members’ mean time', () => {
    const traces = groupTraces([{ key: 'g', label: 'g', runs: ['a', 'b'] }], data, new Map(), {
      xAxis: 'relative_time',
      smoothing: 0
    });
    expect(traces.at(-1)?.x).toEqual([0, 2]);
  });
});
