import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { BASIC_TRACE_TYPES, plotlyBuildFor } from '../src/plotly';
import { groupTraces, runTraces } from '../src/widgets/compare/curves';
import { run, series } from './widgets/compare/fixtures';

const require = createRequire(import.meta.url);

/** The installed bundle's package folder and its minified script. */
function bundle(name: string): { version: string; source: string } {
  const manifest = require.resolve(`${name}/package.json`);
  const { version, main } = JSON.parse(readFileSync(manifest, 'utf8'));
  return { version, source: readFileSync(join(dirname(manifest), main), 'utf8') };
}

/** The trace types a plotly bundle registers, read from its module definitions. */
function registeredTraces(source: string): string[] {
  const names = [...source.matchAll(/moduleType:"trace",name:"(\w+)"/g)].map(m => m[1]);
  return [...new Set(names)].sort();
}

describe('plotlyBuildFor', () => {
  it('draws the Compare metric curves, bands included, with the basic build', () => {
    const data = new Map([
      ['a', series([0, 1, 2], [3, 2, 1])],
      ['b', series([0, 1, 2], [4, 2, 0])]
    ]);
    const options = { xAxis: 'step' as const, smoothing: 0 };
    const lines = runTraces([run('a', 'a'), run('b', 'b')], data, new Map(), options);
    const bands = groupTraces(
      [{ key: 'g', label: 'lr=0.1', runs: ['a', 'b'] }],
      data,
      new Map(),
      options
    );
    expect(lines.length).toBeGreaterThan(0);
    expect(bands.length).toBeGreaterThan(1);
    expect(plotlyBuildFor(lines)).toBe('basic');
    expect(plotlyBuildFor(bands)).toBe('basic');
  });

  it('takes a trace without a type for a scatter, as plotly does', () => {
    expect(
      plotlyBuildFor([
        { x: [1], y: [2] },
        { type: null, x: [1] }
      ])
    ).toBe('basic');
    expect(plotlyBuildFor([{ type: 'bar' }, { type: 'pie' }])).toBe('basic');
    expect(plotlyBuildFor([])).toBe('basic');
  });

  it('needs the full build as soon as one trace is of another type', () => {
    expect(plotlyBuildFor([{ type: 'parcoords', dimensions: [] }])).toBe('full');
    expect(plotlyBuildFor([{ type: 'scatter' }, { type: 'heatmap', z: [[1]] }])).toBe('full');
    expect(plotlyBuildFor([{ type: 'scattergl' }])).toBe('full');
  });

  it('leaves what is not a trace to the full build, which reports it', () => {
    expect(plotlyBuildFor([null])).toBe('full');
    expect(plotlyBuildFor(['scatter'])).toBe('full');
    expect(plotlyBuildFor([{ type: 7 }])).toBe('full');
  });
});

describe('the two plotly builds', () => {
  const basic = bundle('plotly.js-basic-dist-min');
  const full = bundle('plotly.js-dist-min');

  it('are the same plotly.js version, so a chart looks the same from either', () => {
    expect(basic.version).toBe(full.version);
  });

  it('basic registers exactly the trace types plotlyBuildFor sends to it', () => {
    expect(registeredTraces(basic.source)).toEqual([...BASIC_TRACE_TYPES].sort());
  });

  it('full registers the types nbops sends to it', () => {
    const traces = registeredTraces(full.source);
    expect(traces).toEqual(expect.arrayContaining(['parcoords', 'heatmap', ...BASIC_TRACE_TYPES]));
  });
});
