/**
 * Model tests on the stand-in engine (TestSim): connection pools, the pooler, connection setup, traffic on
 * every edge and failover. Real SQL does not matter here, so each runs in well under a second of wall time;
 * TESTSIM_ENGINE=pglite runs them on real PGlite, where they hold as well.
 */
import { describe, expect, it } from 'vitest';
import type { AppSnapshot, PgBouncerSnapshot } from '../../sim/index.ts';
import { TestSim } from './TestSim.ts';

const sleep10ms = [{ name: 'slow', sql: 'SELECT pg_sleep(0.01)' }];

describe("the app's client pool", () => {
  const busy = (pool_timeout: string) =>
    TestSim.start('app -> primary', {
      latency: '0.1ms',
      settings: { app: { instances: 2, pool_size: 3, pool_timeout } },
      workload: { clients: 20, think_time: '0ms', operations: sleep10ms },
    });

  it('opens at most pool_size connections per instance and queues the other requests', async () => {
    const t = await busy('10s');
    await t.advance('1s');
    expect(t.report().nodes.primary.connectionsMax).toBe(6);
    expect(t.node('app').connections).toBe(6);
    expect(t.node<AppSnapshot>('app').poolWaiting).toBe(14);
    // 6 connections, each busy 10.2 ms a request: the pool, not the 20 clients, sets the throughput
    expect(t.report().completed).toBeGreaterThan(560);
    expect(t.report().completed).toBeLessThanOrEqual(6 * 1000 / 10.2);
    expect(t.report().failed).toBe(0);
  });

  it('fails a request that waited longer than pool_timeout', async () => {
    const t = await busy('20ms');
    await t.advance('1s');
    expect(t.report().errors.pool_timeout).toBeGreaterThan(0);
    expect(t.report().nodes.primary.connectionsMax).toBe(6);
  });
});

describe('PgBouncer in transaction mode', () => {
  it('keeps the primary at default_pool_size connections while 40 clients are connected to it', async () => {
    const app = { instances: 4, pool_size: 10 };
    const workload = { clients: 40, think_time: '0ms', operations: sleep10ms };
    const pooled = await TestSim.start('app -> pgbouncer -> primary', {
      settings: { app, pgbouncer: { pool_mode: 'transaction', default_pool_size: 5 } },
      workload,
    });
    await pooled.advance('500ms');
    expect(pooled.node('pgbouncer').connections).toBe(40);
    expect(pooled.node<PgBouncerSnapshot>('pgbouncer').cl_waiting).toBeGreaterThan(0);
    expect(pooled.report().nodes.primary.connectionsMax).toBe(5);
    expect(pooled.report().failed).toBe(0);
    // without the pooler the same app holds 40 backends
    const direct = await TestSim.start('app -> primary', { settings: { app }, workload });
    await direct.advance('500ms');
    expect(direct.report().nodes.primary.connectionsMax).toBe(40);
  });
});

describe('connection setup', () => {
  it('a per_request app pays five one-way trips and a backend start on every request', async () => {
    const p50 = async (connection_mode: string) => {
      const t = await TestSim.start('app -> primary', {
        latency: '1ms',
        settings: { app: { instances: 1, connection_mode } },
        workload: { clients: 1, think_time: '10ms', operations: [{ name: 'one', sql: 'SELECT 1' }] },
      });
      await t.advance('2s');
      return t.report().latencyMs.p50;
    };
    const pooled = await p50('pool');
    const perRequest = await p50('per_request');
    expect(pooled).toBeGreaterThan(2);
    expect(pooled).toBeLessThan(2.1); // one round trip and the statement
    // TCP handshake and startup packet (2 trips), authentication and the ready answer (3), 1.5 ms of backend start
    expect(perRequest - pooled).toBeGreaterThan(6.4);
    expect(perRequest - pooled).toBeLessThan(6.6);
  });
});

describe('traffic', () => {
  it('requests are drawn on both edges of app -> pgbouncer -> primary, both ways', async () => {
    const t = await TestSim.start('app -> pgbouncer -> primary', {
      latency: '1ms',
      settings: { pgbouncer: { pool_mode: 'transaction' } },
      workload: { clients: 20, think_time: '1ms', operations: [{ name: 'short', sql: 'SELECT pg_sleep(0.001)' }] },
    });
    await t.advance('200ms'); // PgBouncer logs in its servers one after another
    const places = new Set<string>();
    for (let i = 0; i < 50; i++) {
      await t.advance('0.3ms');
      for (const r of t.sim.snapshot(100).inFlight) places.add(r.at);
    }
    // on the edges of their path, both ways, and at the pooler while its core handles them; nowhere else (sim/net/Link.ts)
    expect([...places].sort()).toEqual(['app->pgbouncer', 'pgbouncer', 'pgbouncer->app', 'pgbouncer->primary', 'primary->pgbouncer']);
  });
});

describe('failover', () => {
  it('auto_failover_after promotes the replica that long after the primary dies, and writes go on there', async () => {
    const t = await TestSim.start('app -> primary -> replica1, app -> replica1', {
      settings: { primary: { auto_failover_after: '300ms' } },
      workload: { clients: 10 },
    });
    await t.advance('1s');
    expect(await t.sim.apply({ do: 'fault', fault: { kind: 'kill', node: 'primary' } })).toMatchObject({ outcome: 'applied' });
    await t.advance('250ms');
    expect(t.events('failover')).toEqual([]);
    await t.advance('250ms');
    expect(t.events('failover')).toHaveLength(1);
    const before = t.report().nodes.replica1.queries;
    await t.advance('1s');
    expect(t.report().nodes.replica1.queries).toBeGreaterThan(before + 100);
  });
});
