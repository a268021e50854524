/** Integration tests of the core on real PGlite (no mocks): determinism, monitoring, pg_sleep, watchdog, limits. */
import { nodeEngineFactory } from '../../sim/engine/node/platform.ts';
import { describe, expect, it } from 'vitest';
import { buildReport, MONITORING_QUERIES } from '../../sim/index.ts';
import { scenario, scenarioFile, startSim } from './harness.ts';

const small = (over: Record<string, unknown> = {}) =>
  scenario({
    name: 'small',
    nodes: [
      { id: 'app', kind: 'app', settings: { instances: 1, pool_size: 5 } },
      { id: 'primary', kind: 'postgres' },
    ],
    edges: [{ from: 'app', to: 'primary' }],
    workload: { clients: 8, think_time: '10ms', data: { users: 500, orders_per_user: 2 }, ...over },
  });

const reports = (n: number) =>
  small({
    clients: n,
    think_time: '0ms',
    operations: [{ name: 'report', sql: 'SELECT count(*) FROM orders, (SELECT pg_sleep(6)) AS s', params: [] }],
  });

describe('Simulation on real PGlite', () => {
  it('is deterministic: same scenario and seed, same report; another seed, another report', async () => {
    const base = scenarioFile('single-primary.json');
    const run = async (seed: number) => {
      const sim = await startSim({ ...base, run: { ...base.run, seed } });
      await sim.runUntil(2e6);
      const r = buildReport(sim, [await sim.apply({ do: 'runSql', node: 'primary', sql: MONITORING_QUERIES[0].sql })], 0);
      await sim.close();
      return r;
    };
    const a = await run(7);
    const b = await run(7);
    const c = await run(8);
    expect(a.completed).toBeGreaterThan(1000);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(JSON.stringify(c)).not.toBe(JSON.stringify(a));
  });

  it('runs the seed monitoring queries verbatim and they show the simulated activity', async () => {
    const sim = await startSim(reports(3));
    // the first reports started at ~0 s and end at ~6 s: at 5.8 s they have run for more than 5 s
    await sim.runUntil(5.8e6);
    const results = [];
    for (const q of MONITORING_QUERIES) results.push(await sim.apply({ do: 'runSql', node: 'primary', sql: q.sql }));
    const [conn, long, size] = results;
    expect(conn.error).toBeUndefined();
    expect(conn.columns).toEqual(['count', 'state']);
    const active = conn.rows.find((r) => r[1] === 'active');
    // three reports running, plus the console's own session
    expect(Number(active?.[0])).toBe(4);
    expect(conn.rows.some((r) => r[1] === null)).toBe(true); // background processes

    expect(long.error).toBeUndefined();
    expect(long.columns).toEqual(['pid', 'duration', 'query']);
    expect(long.rows.length).toBe(3);
    for (const r of long.rows) {
      expect(String(r[2])).toContain('pg_sleep(6)');
      const m = /(\d+):(\d+):(\d+(\.\d+)?)/.exec(String(r[1])) ?? /(\d+(\.\d+)?) sec/.exec(String(r[1]));
      expect(m).not.toBeNull();
    }

    expect(size.error).toBeUndefined();
    expect(size.columns).toEqual(['table_name', 'total_size', 'data_size', 'index_size']);
    expect(size.rows.map((r) => r[0]).sort()).toEqual(['orders', 'users']);
  });

  it('pg_stat_activity has every column of PostgreSQL 18', async () => {
    const sim = await startSim(small());
    await sim.runUntil(0.5e6);
    const r = await sim.apply({ do: 'runSql', node: 'primary', sql: 'SELECT * FROM pg_stat_activity LIMIT 0' });
    expect(r.columns).toEqual([
      'datid', 'datname', 'pid', 'leader_pid', 'usesysid', 'usename', 'application_name', 'client_addr',
      'client_hostname', 'client_port', 'backend_start', 'xact_start', 'query_start', 'state_change',
      'wait_event_type', 'wait_event', 'state', 'backend_xid', 'backend_xmin', 'query_id', 'query', 'backend_type',
    ]);
  });

  it('pg_sleep costs virtual time, not real time', async () => {
    const sim = await startSim(reports(2));
    const t0 = performance.now();
    await sim.runUntil(13e6);
    const wall = performance.now() - t0;
    expect(wall).toBeLessThan(6000);
    // each client finished its first report after 6 s of virtual time, plus the query's own cost
    expect(sim.metrics.completed).toBeGreaterThanOrEqual(2);
    expect(sim.metrics.latency.percentile(50)).toBeGreaterThan(6e6);
    expect(sim.metrics.latency.percentile(50)).toBeLessThan(6.2e6);
  });

  it('refuses max_connections overflow with PostgreSQL FATAL error, without a pooler', async () => {
    const s = reports(120);
    s.nodes[0].settings.instances = 4;
    s.nodes[0].settings.pool_size = 30;
    const sim = await startSim(s);
    await sim.runUntil(0.5e6);
    expect(sim.metrics.errors.get('too_many_connections') ?? 0).toBeGreaterThan(0);
    expect(sim.snapshot().nodes.find((n) => n.id === 'primary')!.connections).toBe(97);
  });

  it('applies live settings, says which need a restart, and refuses bad values without changing anything', async () => {
    const sim = await startSim(small());
    await sim.runUntil(0.2e6);
    expect(await sim.apply({ do: 'setNodeSetting', node: 'primary', name: 'work_mem', value: '64MB' })).toMatchObject({ outcome: 'applied', message: 'primary: work_mem = 64MB applied' });
    const shown = await sim.apply({ do: 'runSql', node: 'primary', sql: 'SHOW work_mem' });
    expect(shown.rows).toEqual([['64MB']]);
    expect((await sim.apply({ do: 'setNodeSetting', node: 'primary', name: 'max_connections', value: 200 })).outcome).toBe('restart-required');
    await expect(sim.apply({ do: 'setNodeSetting', node: 'primary', name: 'work_mem', value: '99TB' })).rejects.toThrow(/outside the allowed range/);
    // the scenario a restart loads has both; the run's own scenario, the base of its journal, has neither
    expect(sim.restartScenario.nodes.find((n) => n.id === 'primary')!.settings).toMatchObject({ work_mem: '64MB', max_connections: 200 });
    expect(sim.scenario.nodes.find((n) => n.id === 'primary')!.settings).toMatchObject({ work_mem: '4MB', max_connections: 100 });
    expect(sim.events.map((e) => e.type)).toEqual(expect.arrayContaining(['setting-applied', 'restart-required']));
  });

  it('refuses statements that hang PGlite, and returns real errors', async () => {
    const sim = await startSim(small());
    const refused = await sim.apply({ do: 'runSql', node: 'primary', sql: "COPY users TO PROGRAM 'cat'" });
    expect(refused.error?.code).toBe('statement_refused');
    const bad = await sim.apply({ do: 'runSql', node: 'primary', sql: 'SELECT * FROM no_such_table' });
    expect(bad.error?.code).toBe('undefined_table');
    expect(bad.error?.message).toBe('relation "no_such_table" does not exist');
    const big = await sim.apply({ do: 'runSql', node: 'primary', sql: 'SELECT g FROM generate_series(1, 5000) g' });
    expect(big.rows.length).toBe(1000);
    expect(big.truncated).toBe(true);
  });

  it('a runaway console statement kills only its node, which restarts while the run goes on', async () => {
    const workers = nodeEngineFactory({ kind: 'worker', watchdogMs: 1500 });
    const sim = await startSim(small(), { engines: workers });
    await sim.runUntil(1e6);
    const before = sim.metrics.completed;
    expect(before).toBeGreaterThan(100);
    const r = await sim.apply({ do: 'runSql', node: 'primary', sql: 'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 1e15) SELECT count(*) FROM r' });
    expect(r.error?.code).toBe('runaway_statement');
    expect(sim.events.some((e) => e.type === 'node-crashed' && e.node === 'primary')).toBe(true);
    await sim.runUntil(5e6);
    expect(sim.events.some((e) => e.type === 'node-restarted' && e.node === 'primary')).toBe(true);
    expect(sim.metrics.completed).toBeGreaterThan(before + 100);
    const ok = await sim.apply({ do: 'runSql', node: 'primary', sql: 'SELECT count(*) FROM users' });
    expect(ok.rows).toEqual([[500]]);
  });
});
