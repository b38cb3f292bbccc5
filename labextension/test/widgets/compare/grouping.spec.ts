import { describe, expect, it } from 'vitest';

import {
  groupingChoices,
  groupingLabel,
  groupingValue,
  groupRuns,
  parseGrouping
} from '../../../src/widgets/compare/grouping';
import { ICompareRow } from '../../../src/tokens';

const params: ICompareRow[] = [
  { key: 'lr', values: { a: '0.1', b: '0.1', c: '0.2' }, differs: true },
  { key: 'seed', values: { a: '1', b: '2', c: '1' }, differs: true },
  { key: 'model', values: { a: 'rf', b: 'rf', c: 'rf' }, differs: false }
];

describe('grouping values', () => {
  it('round-trips through its string form, colons in the param included', () => {
    for (const grouping of [
      { kind: 'none' } as const,
      { kind: 'by', param: 'lr' } as const,
      { kind: 'except', param: 'a:b' } as const
    ]) {
      expect(parseGrouping(groupingValue(grouping))).toEqual(grouping);
    }
  });

  it('reads anything unknown as no grouping', () => {
    for (const value of ['', 'bogus', 'by:', 'other:lr']) {
      expect(parseGrouping(value)).toEqual({ kind: 'none' });
    }
  });
});

describe('groupRuns', () => {
  it('puts each run in its own group without grouping', () => {
    expect(groupRuns(['a', 'b'], params, { kind: 'none' })).toEqual([
      { key: 'a', label: 'a', runs: ['a'] },
      { key: 'b', label: 'b', runs: ['b'] }
    ]);
  });

  it('groups by one param, in order of first run', () => {
    const groups = groupRuns(['c', 'a', 'b'], params, { kind: 'by', param: 'lr' });
    expect(groups.map(g => [g.label, g.runs])).toEqual([
      ['lr=0.2', ['c']],
      ['lr=0.1', ['a', 'b']]
    ]);
  });

  it('groups seed replicates, labelling only the params that differ', () => {
    const groups = groupRuns(['a', 'b', 'c'], params, { kind: 'except', param: 'seed' });
    expect(groups.map(g => [g.label, g.runs])).toEqual([
      ['lr=0.1', ['a', 'b']],
      ['lr=0.2', ['c']]
    ]);
  });

  it('groups a run that lacks the param as unset', () => {
    const groups = groupRuns(['a', 'd'], params, { kind: 'by', param: 'lr' });
    expect(groups.map(g => g.label)).toEqual(['lr=0.1', 'lr=(unset)']);
  });

  it('puts all runs together when nothing else differs', () => {
    const only = [params[1]];
    const groups = groupRuns(['a', 'b'], only, { kind: 'except', param: 'seed' });
    expect(groups).toEqual([{ key: '[]', label: 'all runs', runs: ['a', 'b'] }]);
  });
});

describe('groupingChoices', () => {
  it('offers "except" for each differing param, seed first, then "by"', () => {
    expect(groupingChoices(params).map(groupingValue)).toEqual([
      'except:seed',
      'except:lr',
      'by:lr',
      'by:seed'
    ]);
    expect(groupingChoices([])).toEqual([]);
  });

  it('labels each choice', () => {
    expect(groupingLabel({ kind: 'none' })).toBe('No grouping');
    expect(groupingLabel({ kind: 'by', param: 'lr' })).toBe('By lr');
    expect(groupingLabel({ kind: 'except', param: 'seed' })).toBe('By everything except seed');
  });
});
