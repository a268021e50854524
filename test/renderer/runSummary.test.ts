/** The summary after a run names the busiest resource: cores, a pool, connections or a replica's lag. */
import { describe, expect, it } from 'vitest';
import { summarize } from '../../renderer/components/runSummary.ts';
import type { SeriesPoint } from '../../renderer/sim/protocol.ts';
import type { NodeSnapshot, SimSnapshot } from '../../sim/index.ts';

const point = (t: number, cpu: number): SeriesPoint => ({
  t,
  throughput: 100,
  failed: 0,
  p50: 1,
  p95: 4,
  p99: 8,
  nodes: { app: { qps: 100, cpu: 0, errors: 0 }, primary: { qps: 300, cpu, errors: 0 } },
});
const node = (id: string, extra: Record<string, unknown>): NodeSnapshot =>
  ({ id, kind: 'x', status: 'up', queries: 0, errors: 0, queriesPerSecond: 0, cpuUtilization: 0, connections: 0, ...extra }) as NodeSnapshot;
const snap = (nodes: NodeSnapshot[]): SimSnapshot => ({ time: 10, completed: 0, failed: 0, nodes, inFlight: [], events: [] });

describe('the run summary', () => {
  it('names the primary\'s cores when they are the busiest resource', () => {
    const f = summarize(Array.from({ length: 12 }, (_, t) => point(t, 0.95)), snap([node('primary', { connections: 20, maxConnections: 100 })]));
    expect(f).toMatchObject({ seconds: 10, throughput: 100, p95: 4, failed: 0, bottleneck: { node: 'primary', resource: 'cores' } });
    expect(f?.bottleneck?.text).toBe("primary's cores are 95 % busy: queries queue for a core");
  });

  it('names connections at max_connections, a waiting pool, a lagging replica; nothing when none is saturated', () => {
    const calm = Array.from({ length: 5 }, (_, t) => point(t, 0.2));
    expect(summarize(calm, snap([node('primary', { connections: 98, maxConnections: 100 })]))?.bottleneck?.resource).toBe('connections');
    expect(summarize(calm, snap([node('pgbouncer', { cl_waiting: 12 })]))?.bottleneck).toMatchObject({ node: 'pgbouncer', resource: 'pool' });
    expect(summarize(calm, snap([node('replica1', { replication: { role: 'replica', replayDelayMs: 2500 } })]))?.bottleneck?.resource).toBe('replica lag');
    expect(summarize(calm, snap([node('primary', { connections: 10, maxConnections: 100 })]))?.bottleneck).toBeUndefined();
    expect(summarize([], undefined)).toBeUndefined();
  });
});
