import { describe, expect, it } from 'vitest';

import {
  fieldName,
  fitColumns,
  fixedWidth,
  nameWidth,
  nextSort,
  numericParams,
  paramWidth,
  parseSort,
  pickMetricColumns,
  pickParamColumns,
  WIDE_TABLE
} from '../../../src/widgets/sidebar/columns';
import { IRun } from '../../../src/tokens';

function run(
  id: string,
  metrics: Record<string, number | null>,
  params: Record<string, string> = {}
): IRun {
  return {
    id,
    experiment: 'exp',
    name: id,
    status: 'finished',
    start_time: 0,
    end_time: 1,
    duration: 1,
    params,
    metrics,
    tags: {},
    notebook_path: null
  } as IRun;
}

describe('fieldName', () => {
  it('quotes keys the sort language cannot read bare', () => {
    expect(fieldName('metrics', 'auc')).toBe('metrics.auc');
    expect(fieldName('metrics', 'val/loss-1.x')).toBe('metrics.val/loss-1.x');
    expect(fieldName('params', 'learning rate')).toBe('params.`learning rate`');
  });
});

describe('pickMetricColumns', () => {
  const runs = [
    run('a', { auc: 0.9, loss: 0.1, acc10: 1 }),
    run('b', { auc: 0.8, acc2: null }),
    run('c', { auc: null, loss: 0.3 })
  ];

  it('takes the configured keys as given', () => {
    expect(pickMetricColumns(runs, ['zeta', 'auc'], 1)).toEqual(['zeta', 'auc']);
  });

  it('orders by how many runs have a key, ties in natural order', () => {
    expect(pickMetricColumns(runs, [], 10)).toEqual(['auc', 'loss', 'acc2', 'acc10']);
    expect(pickMetricColumns(runs, [], 2)).toEqual(['auc', 'loss']);
    expect(pickMetricColumns([], [], 5)).toEqual([]);
  });
});

describe('pickParamColumns', () => {
  it('drops params that are the same in every loaded run', () => {
    const runs = [
      run('a', {}, { lr: '0.1', seed: '1', model: 'rf' }),
      run('b', {}, { lr: '0.2', seed: '1', model: 'rf' }),
      run('c', {}, { lr: '0.1', seed: '2' })
    ];
    expect(pickParamColumns(runs, [], 5)).toEqual(['lr', 'seed']);
    expect(pickParamColumns(runs, [], 1)).toEqual(['lr']);
    expect(pickParamColumns(runs, ['model'], 5)).toEqual(['model']);
  });
});

describe('numericParams', () => {
  it('keeps a param numeric only while every loaded value parses as a number', () => {
    const runs = [
      run('a', {}, { lr: '0.1', inf: 'Infinity', neg: '-Infinity', blank: ' ', nan: 'NaN' }),
      run('b', {}, { lr: '1e-3', inf: '5', neg: '-2', blank: '3', nan: '1', name: 'rf' })
    ];
    const numeric = numericParams(runs, ['lr', 'inf', 'neg', 'blank', 'nan', 'name']);
    expect([...numeric].sort()).toEqual(['inf', 'lr', 'neg']);
  });
});

describe('widths', () => {
  it('sizes the name column to the longest name within bounds', () => {
    expect(nameWidth([])).toBe(80);
    expect(nameWidth(['abcdefghijkl'])).toBe(7 * 12 + 12);
    expect(nameWidth(['x'.repeat(200)])).toBe(170);
  });

  it('sizes a param column to its longest value within bounds', () => {
    expect(paramWidth([])).toBe(52);
    expect(paramWidth([undefined, '0.0001'])).toBe(8 * 6 + 14);
    expect(paramWidth(['y'.repeat(50)])).toBe(110);
  });

  it('shows the status word from the wide-table width on', () => {
    expect(fixedWidth(WIDE_TABLE - 1)).toBe(24 + 24);
    expect(fixedWidth(WIDE_TABLE)).toBe(24 + 84);
  });
});

describe('fitColumns', () => {
  it('fills by priority and returns display order', () => {
    // 300 - 48 fixed - 80 name = 172 px: auc (58), lr (52), start (62); no room for duration.
    const ids = fitColumns(300, ['auc', 'loss'], ['lr']).map(c => c.id);
    expect(ids).toEqual(['start', 'metric:auc', 'param:lr']);
  });

  it('shows nothing when the table is narrower than its fixed columns', () => {
    expect(fitColumns(0, ['auc'], ['lr'])).toEqual([]);
  });

  it('shows start and duration when there are no metrics or params', () => {
    expect(fitColumns(1000, [], []).map(c => c.id)).toEqual(['start', 'duration']);
  });

  it('widens the sorted column so its header is not cut', () => {
    const columns = fitColumns(
      400,
      ['validation_loss'],
      [],
      new Set(),
      80,
      'metrics.validation_loss'
    );
    const metric = columns.find(c => c.id === 'metric:validation_loss');
    expect(metric?.width).toBe(7 * 'validation_loss'.length + 22);
    expect(columns.map(c => c.id)).toEqual(['start', 'metric:validation_loss']);
  });

  it('aligns numeric params right and text params left', () => {
    const columns = fitColumns(2000, [], ['lr', 'model'], new Set(['lr']));
    expect(columns.filter(c => c.kind === 'param').map(c => [c.key, c.numeric])).toEqual([
      ['lr', true],
      ['model', false]
    ]);
  });
});

describe('sorting', () => {
  it('parses a sort string', () => {
    expect(parseSort('-metrics.auc')).toEqual({ field: 'metrics.auc', descending: true });
    expect(parseSort('name')).toEqual({ field: 'name', descending: false });
    expect(parseSort('')).toEqual({ field: '', descending: false });
  });

  it('flips the current column and starts a new one in its natural direction', () => {
    expect(nextSort('-metrics.auc', 'metrics.auc', 'metric')).toBe('metrics.auc');
    expect(nextSort('metrics.auc', 'metrics.auc', 'metric')).toBe('-metrics.auc');
    expect(nextSort('', 'metrics.auc', 'metric')).toBe('-metrics.auc');
    expect(nextSort('', 'start_time', 'start')).toBe('-start_time');
    expect(nextSort('', 'duration', 'duration')).toBe('-duration');
    expect(nextSort('-start_time', 'params.lr', 'param')).toBe('params.lr');
    expect(nextSort('', 'name', 'name')).toBe('name');
  });
});
