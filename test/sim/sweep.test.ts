/**
 * The sweep (npm run sweep): its arguments, the combinations, the intervals over seeds, the charts, and
 * one small real sweep through child processes (two client counts, two seeds each).
 */
import { describe, expect, it } from 'vitest';
import { aggregate, combinations, interval95, svgChart, sweepCharts } from '../../sim/index.ts';
import { parseSweepArgs, sweep, sweepHtml, sweepTable } from '../../sim/cli/sweep.ts';
import type { Report } from '../../sim/index.ts';

const report = (throughputRps: number, p50: number): Report =>
  ({ throughputRps, failed: 0, latencyMs: { p50, p95: p50 * 2, p99: p50 * 3, max: p50 * 4, mean: p50 } }) as Report;

describe('sweep arguments and arithmetic', () => {
  it('parses --vary lists (numbers stay numbers), --seeds and refuses what makes no sense', () => {
    const a = parseSweepArgs(['f.json', '--vary', 'workload.clients=10,20', '--vary', 'pgbouncer.pool_mode=session,transaction', '--seeds', '5', '--duration', '2s']);
    expect(a.vary).toEqual([
      { key: 'workload.clients', values: [10, 20] },
      { key: 'pgbouncer.pool_mode', values: ['session', 'transaction'] },
    ]);
    expect([a.seeds, a.durationUs]).toEqual([5, 2_000_000]);
    expect(() => parseSweepArgs(['f.json'])).toThrow(/--vary/);
    expect(() => parseSweepArgs(['f.json', '--vary', 'clients=1'])).toThrow(/NODE.SETTING/);
    expect(() => parseSweepArgs(['f.json', '--vary', 'workload.clients=1,,2'])).toThrow(/empty/);
    expect(() => parseSweepArgs(['f.json', '--vary', 'workload.clients=1', '--seeds', '0'])).toThrow(/--seeds/);
  });

  it('every combination once, the first key varying slowest', () => {
    expect(combinations([{ key: 'a.x', values: [1, 2] }, { key: 'b.y', values: ['p', 'q', 'r'] }])).toEqual([
      { 'a.x': 1, 'b.y': 'p' }, { 'a.x': 1, 'b.y': 'q' }, { 'a.x': 1, 'b.y': 'r' },
      { 'a.x': 2, 'b.y': 'p' }, { 'a.x': 2, 'b.y': 'q' }, { 'a.x': 2, 'b.y': 'r' },
    ]);
  });

  it("a 95 % interval from Student's t: t(0.975, 4) = 2.776", () => {
    const i = interval95([10, 12, 11, 13, 9]);
    expect(i.mean).toBe(11);
    expect(i.hi - i.mean).toBeCloseTo((2.7764451 * Math.sqrt(2.5)) / Math.sqrt(5), 5);
    expect(i.mean - i.lo).toBeCloseTo(i.hi - i.mean, 9);
    expect(interval95([7])).toEqual({ mean: 7, lo: 7, hi: 7, sd: 0, n: 1 });
  });

  it('groups reports by combination then seed, and draws a line per other setting with whiskers', () => {
    const vary = [{ key: 'workload.clients', values: [10, 20] }, { key: 'app.read_policy', values: ['random', 'primary'] }];
    const combos = combinations(vary);
    const reports = [report(100, 1), report(110, 1), report(90, 2), report(92, 2), report(200, 3), report(220, 3), report(150, 4), report(152, 4)];
    const points = aggregate(combos, [1, 2], reports);
    expect(points.map((p) => p.figures.throughputRps.mean)).toEqual([105, 91, 210, 151]);
    expect(points[0].runs.map((r) => r.seed)).toEqual([1, 2]);
    const result = { scenario: 'S', file: 'f.json', vary, seeds: [1, 2], simulatedSeconds: 1, points };
    const [tp, lat] = sweepCharts(result);
    expect(tp.chart.series.map((s) => s.name)).toEqual(['req/s app.read_policy=random', 'req/s app.read_policy=primary']);
    expect(tp.chart.series[0].points.map((p) => [p.x, p.mean])).toEqual([[0, 105], [1, 210]]);
    expect(lat.chart.series).toHaveLength(6);
    const svg = svgChart(tp.chart);
    // 4 points, each a whisker and two caps, and a band per line
    expect(svg.match(/<circle /g)).toHaveLength(4);
    expect(svg.match(/<polygon /g)).toHaveLength(2);
    expect(sweepTable(result)).toMatch(/105 ± /);
    expect(sweepHtml(result)).toContain('<svg');
  });
});

describe('a real sweep', () => {
  it('runs every combination and seed in child processes and aggregates them', { timeout: 600_000 }, async () => {
    const done: number[] = [];
    const r = await sweep(
      { file: 'lessons/scenarios/single-primary.json', vary: [{ key: 'workload.clients', values: [1, 8] }], seeds: 2, durationUs: 300_000, parallel: 2 },
      (d) => done.push(d),
    );
    expect(done).toEqual([1, 2, 3, 4]);
    expect(r.seeds).toEqual([1, 2]);
    expect(r.points.map((p) => p.at)).toEqual([{ 'workload.clients': 1 }, { 'workload.clients': 8 }]);
    // a closed loop far from saturation: eight clients do several times what one does
    expect(r.points[1].figures.throughputRps.mean).toBeGreaterThan(3 * r.points[0].figures.throughputRps.mean);
    for (const p of r.points) {
      expect(p.runs[0].throughputRps).not.toBe(0);
      expect(p.figures.throughputRps.lo).toBeLessThanOrEqual(p.figures.throughputRps.mean);
    }
  });
});
