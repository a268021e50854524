/**
 * The A/B compare (npm run compare): every figure of two reports with its difference, the topology diff of
 * two scenarios, and predicted against measured from two report files.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { diffFigures, figures, overlayCharts, svgChart, topologyDiff } from '../../sim/index.ts';
import { main, parseCompareArgs } from '../../sim/cli/compare.ts';
import { parseScenario, type Report } from '../../sim/index.ts';

const report = (over: Record<string, unknown>): Report =>
  ({
    scenario: 'S', seed: 1, simulatedSeconds: 10, completed: 1000, failed: 0, throughputRps: 100,
    latencyMs: { p50: 2, p95: 8, p99: 10, max: 20, mean: 3 }, errors: {},
    nodes: { pgbouncer: { kind: 'pgbouncer', queries: 10, series: [{ t: 0, queries: 3 }], pool: { clWaitingAvg: 4, svActiveAvg: 20 } } },
    timeSeries: [{ t: 0, throughputRps: 100, failed: 0, p50Ms: 2, p95Ms: 8, p99Ms: 10 }], events: [], sql: [], realQueries: 5, wallSeconds: 3,
    ...over,
  }) as unknown as Report;

describe('compare', () => {
  it("every numeric figure by its path, leaving out series, lists and the run's identity", () => {
    const f = figures(report({}));
    expect(f.get('latencyMs.p95')).toBe(8);
    expect(f.get('nodes.pgbouncer.pool.clWaitingAvg')).toBe(4);
    expect([...f.keys()].some((k) => /series|timeSeries|wallSeconds|realQueries|^seed$/.test(k))).toBe(false);
  });

  it('the difference and the percentage against A; none where A is 0 or a side lacks the figure', () => {
    const d = diffFigures(report({ failed: 0 }), report({ throughputRps: 80, failed: 3, latencyMs: { p50: 3, p95: 8, p99: 10, max: 20, mean: 3 }, consistency: { staleReads: 2 } }));
    const by = Object.fromEntries(d.map((x) => [x.figure, x]));
    expect(by.throughputRps).toEqual({ figure: 'throughputRps', a: 100, b: 80, diff: -20, pct: -20 });
    expect(by['latencyMs.p50'].pct).toBe(50);
    expect(by.failed).toEqual({ figure: 'failed', a: 0, b: 3, diff: 3 });
    expect(by['consistency.staleReads']).toEqual({ figure: 'consistency.staleReads', a: undefined, b: 2 });
  });

  it('the topology diff lists nodes, effective settings, edges and workload that differ', () => {
    const base = {
      nodes: [
        { id: 'app', kind: 'app', settings: { read_policy: 'random' } },
        { id: 'primary', kind: 'postgres' },
        { id: 'replica1', kind: 'postgres' },
      ],
      edges: [{ from: 'app', to: 'primary' }, { from: 'app', to: 'replica1' }, { from: 'primary', to: 'replica1' }],
      workload: { clients: 10 },
    };
    const a = parseScenario(base);
    const b = parseScenario({
      ...base,
      nodes: [{ id: 'app', kind: 'app', settings: { read_policy: 'read-your-writes', instances: 2 } }, base.nodes[1]],
      edges: [{ from: 'app', to: 'primary', latency: '2ms', jitter: '1ms' }],
      workload: { clients: 20 },
    });
    if (!a.ok || !b.ok) throw new Error('bad fixture');
    // instances: 2 is the default: not a difference
    expect(topologyDiff(a.scenario, b.scenario)).toEqual([
      '- node replica1 (postgres)',
      '~ app.read_policy: random -> read-your-writes',
      '~ edge app -> primary latency: 0.5ms -> 2ms',
      '~ edge app -> primary jitter: 0ms -> 1ms',
      '- edge app -> replica1',
      '- edge primary -> replica1',
      '~ workload.clients: 10 -> 20',
    ]);
  });

  it("overlays A's and B's per-second series on one axis of seconds, a dot per second and no interval", () => {
    const second = (t: number, tp: number, p95: number) => ({ t, throughputRps: tp, failed: 0, p50Ms: 1, p95Ms: p95, p99Ms: p95 + 1 });
    const a = report({ timeSeries: [second(0, 100, 8), second(1, 110, 9)] });
    const b = report({ timeSeries: [second(0, 50, 20), second(1, 60, 21), second(2, 70, 22)] });
    const charts = overlayCharts(a, b);
    expect(charts.map((c) => c.name)).toEqual(['throughput', 'p95', 'p99']);
    const [tp, p95] = charts.map((c) => c.chart);
    expect(tp.xs).toEqual([0, 1, 2]);
    expect(tp.series.map((s) => s.name)).toEqual(['A', 'B']);
    expect(tp.series[1].points).toEqual([{ x: 0, mean: 50 }, { x: 1, mean: 60 }, { x: 2, mean: 70 }]);
    expect(p95.series[0].points.map((p) => p.mean)).toEqual([8, 9]);
    const svg = svgChart(tp);
    expect(svg.match(/<circle /g)).toHaveLength(5);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    // B dashed: where it lies on A, both show
    expect(svg.match(/stroke-dasharray/g)).toHaveLength(1);
    // a per-second figure has no interval: no band, no whisker
    expect(svg).not.toContain('<polygon');
    expect(svg).toContain('<title>B at 2: 70</title>');
  });

  it('one scenario needs --set changes; two report files compare without running', async () => {
    expect(() => parseCompareArgs(['a.json'])).toThrow(/--set/);
    expect(parseCompareArgs(['a.json', '--set', 'app.read_policy=primary'])).toMatchObject({ a: 'a.json', sets: ['app.read_policy=primary'] });
    const dir = mkdtempSync(join(tmpdir(), 'pg-lab-compare-'));
    writeFileSync(join(dir, 'sim.json'), JSON.stringify({ ...report({}), source: 'sim' }));
    writeFileSync(join(dir, 'real.json'), JSON.stringify({ ...report({ throughputRps: 150 }), source: 'real' }));
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      expect(await main([join(dir, 'sim.json'), join(dir, 'real.json')])).toBe(0);
      const out = log.mock.calls.map((c) => String(c[0])).join('\n');
      expect(out).toMatch(/figure\s+A \(sim\)\s+B \(real\)/);
      expect(out).toMatch(/throughputRps\s+100\s+150\s+\+50\s+\+50%/);
    } finally {
      log.mockRestore();
    }
  });
});
