/**
 * A latency histogram with 1 % relative precision: values (microseconds) fall into logarithmic buckets;
 * a percentile is the upper bound of its bucket, the maximum is exact. Sparse, so a histogram per
 * simulated second stays small.
 */
const GROWTH = Math.log(1.01);

export class Histogram {
  private buckets = new Map<number, number>();
  count = 0;
  sum = 0;
  max = 0;

  record(us: number): void {
    const b = us <= 1 ? 0 : Math.ceil(Math.log(us) / GROWTH);
    this.buckets.set(b, (this.buckets.get(b) ?? 0) + 1);
    this.count++;
    this.sum += us;
    if (us > this.max) this.max = us;
  }

  /** The value at percentile p (0-100), in microseconds; 0 when empty. */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    // (p/100)*count is inexact in floating point (0.07 * 100 = 7.000000000000001): round before ceil.
    const rank = Math.max(1, Math.ceil(Math.round((p / 100) * this.count * 1e9) / 1e9));
    const keys = [...this.buckets.keys()].sort((a, b) => a - b);
    let seen = 0;
    for (const k of keys) {
      seen += this.buckets.get(k)!;
      if (seen >= rank) return Math.min(this.max, Math.exp(k * GROWTH));
    }
    return this.max;
  }

  get mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }
}
