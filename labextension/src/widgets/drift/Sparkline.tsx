/**
 * A tiny inline SVG line of one feature's effect over the windows, with its
 * drift threshold dashed and the selected window dotted in its tier colour.
 */
import * as React from 'react';

import { DriftTier } from '../../tokens';

const WIDTH = 64;
const HEIGHT = 20;
const PAD = 2;

export interface ISparklineProps {
  values: (number | null)[];
  threshold: number | null;
  tiers: (DriftTier | null)[];
  selected: number;
}

export function Sparkline(props: ISparklineProps): JSX.Element {
  const { values, threshold, tiers, selected } = props;
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const top = Math.max(...finite, threshold !== null ? threshold * 1.25 : 0, 1e-9);
  const n = values.length;
  const x = (i: number) => (n <= 1 ? WIDTH / 2 : PAD + (i * (WIDTH - 2 * PAD)) / (n - 1));
  const y = (v: number) => HEIGHT - PAD - (Math.max(v, 0) / top) * (HEIGHT - 2 * PAD);

  // Gaps (windows without a value) split the line into segments.
  const segments: string[] = [];
  let current: string[] = [];
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) {
      if (current.length) {
        segments.push(current.join(' '));
      }
      current = [];
    } else {
      current.push(`${x(i).toFixed(1)},${y(v).toFixed(1)}`);
    }
  });
  if (current.length) {
    segments.push(current.join(' '));
  }
  const point = values[selected];

  return (
    <svg
      className="jp-nbops-Sparkline"
      width={WIDTH}
      height={HEIGHT}
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-label={`effect over ${n} windows`}
    >
      {threshold !== null && threshold <= top && (
        <line
          className="jp-nbops-Sparkline-threshold"
          x1={0}
          x2={WIDTH}
          y1={y(threshold)}
          y2={y(threshold)}
        />
      )}
      {segments.map((points, i) =>
        points.includes(' ') ? (
          <polyline key={i} className="jp-nbops-Sparkline-line" points={points} />
        ) : null
      )}
      {point !== null && point !== undefined && Number.isFinite(point) && (
        <circle
          className={`jp-nbops-Sparkline-dot jp-mod-${tiers[selected] ?? 'none'}`}
          cx={x(selected)}
          cy={y(point)}
          r={2.5}
        />
      )}
    </svg>
  );
}
