/**
 * A chart's value axis. Every figure the app draws is a count, a rate, a size, a time or a ratio, so the axis
 * starts at zero: uPlot's own fit spans the data alone, so a replay lag of 2.132-2.134 ms (noise) fills the
 * chart as a swing would. The top is the next round number above the data (ROUND times a power of ten), a
 * little clear of the highest value.
 */
/** The round numbers an axis may end at, times a power of ten. */
export const ROUND = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];

export function valueRange(min: number | null, max: number | null): [number, number] {
  const lo = Math.min(0, min ?? 0);
  const hi = max ?? 0;
  if (hi <= 0) return [lo, lo < 0 ? 0 : 1];
  const target = hi * 1.02;
  const power = 10 ** Math.floor(Math.log10(target));
  const step = ROUND.find((m) => m * power >= target) ?? 10;
  return [lo, step * power];
}

/** Points are drawn only while a single moment is in view (a line needs two: the first second's chart drew nothing). */
export const lonePoint = (_u: unknown, _series: number, first: number, last: number) => last <= first;
