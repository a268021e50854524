/**
 * Follow one request (sim/net/Link.ts spans) on real PGlite, PgBouncer in front of the primary and reads on
 * two replicas: a followed request's spans tile its life with no gap, add up to the latency the app
 * recorded for it, and name every hop (app pool wait, the pooler's queue, the wire, the engine); following
 * changes nothing in the run.
 */
import { describe, expect, it } from 'vitest';
import { buildReport, type RequestPath, type Scenario, type Simulation } from '../../sim/index.ts';
import { scenarioFile, startSim } from './harness.ts';

/** PgBouncer with 2 server connections and apps with 3 connections for 24 clients: requests wait in both queues. */
function squeezed(): Scenario {
  const s = structuredClone(scenarioFile('pgbouncer-replicas.json'));
  s.workload.clients = 24;
  s.workload.think_time = '5ms';
  s.run.seed = 3;
  for (const n of s.nodes) {
    if (n.id === 'pgbouncer') Object.assign(n.settings, { default_pool_size: 2 });
    if (n.id === 'app') Object.assign(n.settings, { pool_size: 3 });
  }
  return s;
}

/** Every followed request whose path is still kept (ids are the workload's, from 0). */
function paths(sim: Simulation): RequestPath[] {
  const out: RequestPath[] = [];
  for (let id = 0; id < sim.metrics.completed + sim.metrics.failed + 200; id++) {
    const p = sim.requestPath(id);
    if (p?.done) out.push(p);
  }
  return out;
}

describe('follow one request', () => {
  it('spans tile each request and add up to its latency; every hop of pgbouncer + replicas is named; following changes nothing', async () => {
    const s = squeezed();
    const sim = await startSim(s);
    // the latency of every request as the app records it, by the time it ended
    const recorded = new Map<string, number>();
    const requestDone = sim.metrics.requestDone.bind(sim.metrics);
    sim.metrics.requestDone = (latencyUs, code, atUs) => {
      const key = `${atUs}:${latencyUs}`;
      recorded.set(key, (recorded.get(key) ?? 0) + 1);
      requestDone(latencyUs, code, atUs);
    };
    sim.followRequests(true);
    await sim.runUntil(0.6e6);

    const all = paths(sim);
    expect(all.length).toBeGreaterThan(100);
    for (const p of all) {
      // no gap, no overlap: each span starts where the one before ended
      for (let i = 1; i < p.spans.length; i++) expect(p.spans[i].startUs).toBe(p.spans[i - 1].endUs);
      expect(p.spans[0].startUs).toBe(p.startUs);
      expect(p.spans.at(-1)!.endUs).toBe(p.endUs);
      const total = p.spans.reduce((n, x) => n + (x.endUs - x.startUs), 0);
      expect(total).toBeCloseTo(p.endUs - p.startUs, 6);
      // the app recorded a request of exactly that latency when this one ended
      const key = `${p.endUs}:${p.endUs - p.startUs}`;
      expect(recorded.get(key), `request ${p.id} (${p.op}) ended at ${p.endUs} after ${total} µs`).toBeGreaterThan(0);
      recorded.set(key, recorded.get(key)! - 1);
    }

    const time = (p: RequestPath, what: string, place: string) => p.spans.filter((x) => x.what === what && x.place === place).reduce((n, x) => n + x.endUs - x.startUs, 0);
    const writes = all.filter((p) => p.spans.some((x) => x.place === 'pgbouncer'));
    const reads = all.filter((p) => p.spans.some((x) => x.place === 'replica1' || x.place === 'replica2'));
    expect(writes.length).toBeGreaterThan(5);
    expect(reads.length).toBeGreaterThan(50);
    // a write: app -> pgbouncer -> primary and back, 0.2 ms each way on app <-> pgbouncer
    const w = writes[0];
    expect(w.spans.map((x) => x.place)).toEqual(expect.arrayContaining(['app->pgbouncer', 'pgbouncer->primary', 'primary', 'primary->pgbouncer', 'pgbouncer->app']));
    expect(w.spans.find((x) => x.place === 'app->pgbouncer')!.endUs - w.spans.find((x) => x.place === 'app->pgbouncer')!.startUs).toBe(200);
    expect(time(w, 'engine', 'primary')).toBeGreaterThan(0);
    // the squeeze shows: some requests waited for the app's pool, some in PgBouncer's queue (cl_waiting)
    expect(all.some((p) => time(p, 'pool wait', 'app') > 0)).toBe(true);
    expect(writes.some((p) => time(p, 'queue', 'pgbouncer') > 0)).toBe(true);
    expect(reads.every((p) => !p.spans.some((x) => x.place === 'pgbouncer'))).toBe(true);
    expect(reads.some((p) => time(p, 'engine', 'replica1') > 0)).toBe(true);
    // the slowest is the longest of them
    const slowest = sim.requestPath('slowest')!;
    expect(Math.max(...all.map((p) => p.endUs - p.startUs))).toBe(slowest.endUs - slowest.startUs);

    // following changed nothing: the same run without it gives the same report
    const plain = await startSim(s);
    await plain.runUntil(0.6e6);
    const report = (x: Simulation) => JSON.stringify({ ...buildReport(x, [], 0), wallSeconds: 0 });
    expect(report(sim)).toBe(report(plain));
    // and records nothing
    expect(plain.requestPath('slowest')).toBeUndefined();
  }, 120_000);
});
