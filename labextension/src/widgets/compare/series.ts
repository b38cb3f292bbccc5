/**
 * Pure numeric helpers for metric curves: EMA smoothing, aligning runs on common
 * steps and aggregating them into a mean ± std band. No DOM, no plotly.
 *
 * `null` is a gap (the server's NaN): it is never treated as zero.
 */

/** A curve as parallel columns; `x` is the step (or time) of each `y`. */
export interface ICurve {
  x: number[];
  y: (number | null)[];
}

/**
 * TensorBoard's debiased exponential moving average.
 *
 * `weight` 0 returns the values unchanged, 0.99 is very smooth. The bias
 * correction keeps the first points from being pulled towards zero. Gaps stay
 * gaps and do not reset the average, so a curve resumes where it left off.
 */
export function ema(values: (number | null)[], weight: number): (number | null)[] {
  if (weight <= 0) {
    return values.slice();
  }
  const w = Math.min(weight, 0.999);
  let last = 0;
  let seen = 0;
  return values.map(value => {
    if (value === null || !Number.isFinite(value)) {
      return null;
    }
    last = last * w + (1 - w) * value;
    seen += 1;
    return last / (1 - Math.pow(w, seen));
  });
}

/**
 * The value of `curve` at `x` by linear interpolation between its neighbours;
 * `null` outside its range or when a neighbour is a gap.
 */
export function interpolate(curve: ICurve, x: number): number | null {
  const xs = curve.x;
  if (xs.length === 0 || x < xs[0] || x > xs[xs.length - 1]) {
    return null;
  }
  let low = 0;
  let high = xs.length - 1;
  while (high - low > 1) {
    const mid = (low + high) >> 1;
    if (xs[mid] <= x) {
      low = mid;
    } else {
      high = mid;
    }
  }
  if (xs[low] === x) {
    return curve.y[low];
  }
  if (xs[high] === x) {
    return curve.y[high];
  }
  const a = curve.y[low];
  const b = curve.y[high];
  if (a === null || b === null) {
    return null;
  }
  const t = (x - xs[low]) / (xs[high] - xs[low]);
  return a + t * (b - a);
}

/**
 * The steps on which to compare `curves`: the union of their steps, kept to the
 * range every curve covers (so the mean never mixes in fewer runs at the ends
 * just because one run stopped early), thinned to at most `maxPoints`.
 */
export function commonSteps(curves: ICurve[], maxPoints = 2000): number[] {
  const nonEmpty = curves.filter(c => c.x.length > 0);
  if (nonEmpty.length === 0) {
    return [];
  }
  const start = Math.max(...nonEmpty.map(c => c.x[0]));
  const end = Math.min(...nonEmpty.map(c => c.x[c.x.length - 1]));
  const union = new Set<number>();
  for (const curve of nonEmpty) {
    for (const x of curve.x) {
      if (x >= start && x <= end) {
        union.add(x);
      }
    }
  }
  const steps = [...union].sort((a, b) => a - b);
  if (steps.length <= maxPoints) {
    return steps;
  }
  const stride = steps.length / maxPoints;
  return Array.from({ length: maxPoints }, (_, i) => steps[Math.floor(i * stride)]);
}

/** Mean and ±1 standard deviation of several curves on common steps. */
export interface IAggregate {
  x: number[];
  mean: (number | null)[];
  lower: (number | null)[];
  upper: (number | null)[];
  /** How many curves had a value at each step. */
  count: number[];
}

/**
 * Align `curves` on {@link commonSteps} and take, per step, the mean and the
 * sample standard deviation of the curves that have a value there. A step where
 * no curve has a value is a gap; one value gives a zero-width band.
 */
export function aggregate(curves: ICurve[], maxPoints = 2000): IAggregate {
  const x = commonSteps(curves, maxPoints);
  const result: IAggregate = { x, mean: [], lower: [], upper: [], count: [] };
  for (const step of x) {
    const values = curves
      .map(curve => interpolate(curve, step))
      .filter((v): v is number => v !== null && Number.isFinite(v));
    result.count.push(values.length);
    if (values.length === 0) {
      result.mean.push(null);
      result.lower.push(null);
      result.upper.push(null);
      continue;
    }
    const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
    const variance =
      values.length > 1
        ? values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1)
        : 0;
    const std = Math.sqrt(variance);
    result.mean.push(mean);
    result.lower.push(mean - std);
    result.upper.push(mean + std);
  }
  return result;
}
