/**
 * A figure over several seeds: its mean and a 95 % confidence interval for that mean, from Student's t
 * distribution with n - 1 degrees of freedom (the seeds are independent runs; their spread is the
 * sample's standard deviation). The quantile comes from @stdlib, not from hand-written maths.
 */
import tQuantile from '@stdlib/stats-base-dists-t-quantile';

export interface Interval {
  mean: number;
  /** The 95 % interval's bounds; equal to the mean with one sample (nothing to say about spread). */
  lo: number;
  hi: number;
  /** Sample standard deviation (n - 1); 0 with one sample. */
  sd: number;
  n: number;
}

export function interval95(xs: readonly number[]): Interval {
  const n = xs.length;
  if (n === 0) throw new Error('interval95: no samples');
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, lo: mean, hi: mean, sd: 0, n };
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  const half = tQuantile(0.975, n - 1) * (sd / Math.sqrt(n));
  return { mean, lo: mean - half, hi: mean + half, sd, n };
}
