import { describe, expect, it } from 'vitest';

import { curlExample } from '../../../src/widgets/models/curl';

describe('curlExample', () => {
  it('sends one row of the training columns, a value of each dtype', () => {
    const features = [
      { name: 'x1', dtype: 'float64' },
      { name: 'count', dtype: 'int64' },
      { name: 'plan', dtype: 'object' },
      { name: 'active', dtype: 'bool' }
    ];
    expect(curlExample('http://127.0.0.1:5001', features)).toBe(
      "curl -X POST http://127.0.0.1:5001/invocations -H 'Content-Type: application/json' " +
        '-d \'{"dataframe_split":{"columns":["x1","count","plan","active"],"data":[[0,0,"a",false]]}}\''
    );
  });

  it('falls back to a generic row when no schema is known', () => {
    expect(curlExample('http://h:1', [])).toContain(
      '{"dataframe_split":{"columns":["feature_1","feature_2"],"data":[[0.5,1]]}}'
    );
  });

  it("escapes a single quote in a column name for the shell's single quotes", () => {
    const call = curlExample('http://h:1', [{ name: "o'brien", dtype: 'int64' }]);
    expect(call).toContain('"columns":["o\'\\\'\'brien"]');
  });
});
