import { describe, expect, it } from 'vitest';
import { compact, heatColour, shardHeat } from '../../renderer/sharding/heat.ts';
import type { SeriesPoint } from '../../renderer/sim/protocol.ts';

/** A second where each node ran `qps` statements at `cpu`. */
const second = (t: number, nodes: Record<string, [number, number]>): SeriesPoint => ({
  t,
  throughput: 0,
  failed: 0,
  p50: 0,
  p95: 0,
  p99: 0,
  nodes: Object.fromEntries(Object.entries(nodes).map(([id, [qps, cpu]]) => [id, { qps, cpu, errors: 0 }])),
});

// shard1 has a replica; the app's own figures are not a shard's
const shardOf = new Map([
  ['shard1', 'shard1'],
  ['replica1', 'shard1'],
  ['shard2', 'shard2'],
]);

describe('the skew heatmap', () => {
  it('sums a shard with its replicas, takes its primary’s CPU, and finds the hot shard', () => {
    const series = [0, 1, 2].map((t) => second(t, { app: [500, 0], shard1: [10, 0.1], replica1: [5, 0.9], shard2: [90, 0.8] }));
    const heat = shardHeat(series, ['shard1', 'shard2'], shardOf, 10);
    expect(heat.width).toBe(1);
    expect(heat.columns.map((c) => c.from)).toEqual([0, 1, 2]);
    expect(heat.columns[0].cells.shard1).toEqual({ qps: 15, cpu: 0.1 });
    expect(heat.columns[0].cells.shard2).toEqual({ qps: 90, cpu: 0.8 });
    expect(heat.totals.shard2.queries).toBe(270);
    expect(heat.totals.shard2.share).toBeCloseTo(90 / 105);
    expect(heat.hottest).toBe('shard2');
    expect(heat.max).toEqual({ qps: 90, cpu: 1 });
  });

  it('groups seconds into at most maxColumns columns, each the mean of its seconds', () => {
    const series = Array.from({ length: 10 }, (_, t) => second(t, { shard1: [t, 0.5], shard2: [100, 1.5] }));
    const heat = shardHeat(series, ['shard1', 'shard2'], shardOf, 4);
    // 10 seconds in at most 4 columns: 3 s each, the last one partial
    expect(heat.width).toBe(3);
    expect(heat.columns.map((c) => [c.from, c.to])).toEqual([[0, 3], [3, 6], [6, 9], [9, 12]]);
    expect(heat.columns[0].cells.shard1.qps).toBe(1);
    expect(heat.columns[3].cells.shard1.qps).toBe(9);
    // a CPU over 100% (a saturated node's queue) sets the colour scale
    expect(heat.max.cpu).toBe(1.5);
  });

  it('a run that has not started has no columns and no hot shard', () => {
    const heat = shardHeat([], ['shard1', 'shard2'], shardOf, 8);
    expect(heat.columns).toEqual([]);
    expect(heat.hottest).toBeUndefined();
    expect(heat.totals.shard1).toEqual({ queries: 0, share: 0, cpu: 0 });
  });

  it('colours grow darker with load, with ink that stays readable', () => {
    const light = (c: string) => Number(/(\d+)%\)$/.exec(c)![1]);
    expect(light(heatColour(1).background)).toBeLessThan(light(heatColour(0.5).background));
    expect(light(heatColour(0.5).background)).toBeLessThan(light(heatColour(0).background));
    expect(heatColour(0).ink).toBe('#111827');
    expect(heatColour(1).ink).toBe('#fff');
    expect(heatColour(Number.NaN)).toEqual(heatColour(0));
    expect([compact(0), compact(4.25), compact(87.6), compact(1234), compact(45678)]).toEqual(['0', '4.3', '88', '1.2k', '46k']);
  });
});
