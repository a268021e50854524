import { describe, expect, it } from 'vitest';
import { lonePoint, ROUND, valueRange } from '../../renderer/components/chartScale.ts';

describe("a chart's value axis", () => {
  it('starts at zero, so noise on a steady figure stays flat', () => {
    // a replay lag of 2.132-2.134 ms: uPlot's own fit made it a swing across the whole chart
    expect(valueRange(2.132, 2.134)).toEqual([0, 2.5]);
    expect(valueRange(1, 1892)).toEqual([0, 2000]);
    expect(valueRange(0.4, 96)).toEqual([0, 100]);
    expect(valueRange(3, 4.9)).toEqual([0, 5]);
    expect(valueRange(3, 5)).toEqual([0, 6]);
  });

  it('tops the data with room, at a round number', () => {
    for (const max of [0.0007, 0.9, 1, 3.9, 47, 99.9, 100, 12_345, 2e9]) {
      const [, top] = valueRange(0, max);
      expect(top).toBeGreaterThan(max);
      expect(top).toBeLessThanOrEqual(max * 1.5);
      const mantissa = top / 10 ** Math.floor(Math.log10(top) + 1e-9);
      expect(ROUND.some((m) => Math.abs(m - mantissa) < 1e-9)).toBe(true);
    }
  });

  it('has a range when there is no data or only zeros, and keeps a negative value in view', () => {
    expect(valueRange(null, null)).toEqual([0, 1]);
    expect(valueRange(0, 0)).toEqual([0, 1]);
    expect(valueRange(-3, 5)).toEqual([-3, 6]);
    expect(valueRange(-3, -1)).toEqual([-3, 0]);
  });

  it('draws a point only for a series with a single value in view', () => {
    expect(lonePoint(undefined, 1, 0, 0)).toBe(true);
    expect(lonePoint(undefined, 1, 0, 1)).toBe(false);
  });
});
