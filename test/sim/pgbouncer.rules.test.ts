/**
 * PgBouncer's source-level rules, one at a time, on real PGlite in virtual time, read back through the
 * admin console (SHOW POOLS, SHOW SERVERS) as an operator would.
 */
import { buildReport, parseScenario, type Simulation } from '../../sim/index.ts';
import { describe, expect, it } from 'vitest';
import { startSim } from './harness.ts';

interface Opts {
  pgbouncer?: Record<string, unknown>;
  app?: Record<string, unknown>;
  postgres?: Record<string, unknown>;
  workload?: Record<string, unknown>;
  latency?: string;
  direct?: Record<string, unknown>;
}

/** app -> pgbouncer -> primary (and optionally a second app `direct` straight to the primary, listed first). */
async function start(o: Opts): Promise<Simulation> {
  const nodes: unknown[] = [];
  const edges: unknown[] = [];
  if (o.direct) {
    nodes.push({ id: 'direct', kind: 'app', settings: o.direct });
    edges.push({ from: 'direct', to: 'primary', latency: o.latency ?? '0.1ms' });
  }
  nodes.push(
    { id: 'app', kind: 'app', settings: { instances: 1, pool_size: 20, ...o.app } },
    { id: 'pgb', kind: 'pgbouncer', settings: { ...o.pgbouncer } },
    { id: 'primary', kind: 'postgres', settings: { ...o.postgres } },
  );
  edges.push({ from: 'app', to: 'pgb', latency: o.latency ?? '0.1ms' }, { from: 'pgb', to: 'primary', latency: o.latency ?? '0.1ms' });
  const p = parseScenario({
    name: 'pgbouncer rule',
    nodes,
    edges,
    workload: { clients: 1, think_time: '0ms', data: { users: 50, orders_per_user: 1 }, operations: [sleep(0.01)], ...o.workload },
    run: { seed: 1 },
  });
  if (!p.ok) throw new Error(JSON.stringify(p.issues));
  const sim = await startSim(p.scenario);
  return sim;
}

const sleep = (s: number, name = 'sleep') => ({ name, sql: `SELECT pg_sleep(${s})`, params: [] });

type Row = Record<string, unknown>;
async function show(sim: Simulation, what: string): Promise<Row[]> {
  const r = await sim.apply({ do: 'runSql', node: 'pgb', sql: `SHOW ${what}` });
  if (r.error) throw new Error(r.error.message);
  return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]])));
}
const EMPTY: Row = { cl_active: 0, cl_waiting: 0, sv_active: 0, sv_idle: 0, sv_login: 0 };
const pool = async (sim: Simulation) => (await show(sim, 'POOLS')).find((r) => r.database !== 'pgbouncer') ?? EMPTY;
const servers = (sim: Simulation) => show(sim, 'SERVERS');
const pgbReport = (sim: Simulation) => buildReport(sim, [], 0).nodes.pgb as unknown as {
  pool: Record<string, number>;
  closedConnections: Record<string, number>;
};

describe('PgBouncer rules from its source', () => {
  it('opens one server connection at a time: a burst grows the pool one login after another', async () => {
    const sim = await start({ pgbouncer: { default_pool_size: 5 }, workload: { clients: 10, operations: [sleep(1)] } });
    const seen: number[] = [];
    for (let t = 0; t < 60; t++) {
      await sim.runUntil(t * 200); // every 0.2 ms
      const p = await pool(sim);
      expect(p.sv_login as number).toBeLessThanOrEqual(1);
      seen.push((p.sv_active as number) + (p.sv_idle as number) + (p.sv_login as number));
    }
    expect(Math.max(...seen)).toBe(5);
    // each login takes a connect round trip plus backend start (~2 ms): 5 servers are not there at once
    expect(seen.filter((n) => n > 0 && n < 5).length).toBeGreaterThan(10);
    const p = await pool(sim);
    expect(p.cl_waiting).toBe(5);
    expect(p.sv_active).toBe(5);
  });

  it('opens the reserve pool only after the oldest waiting client has waited reserve_pool_timeout', async () => {
    const sim = await start({
      pgbouncer: { default_pool_size: 2, reserve_pool_size: 2, reserve_pool_timeout: 1 },
      workload: { clients: 8, operations: [sleep(3)] },
    });
    await sim.runUntil(0.9e6);
    expect((await servers(sim)).length).toBe(2);
    // nothing else happens in the pooler meanwhile: the check runs at the next housekeeping, 1.33 s
    await sim.runUntil(1.3e6);
    expect((await servers(sim)).length).toBe(2);
    await sim.runUntil(1.5e6);
    const p = await pool(sim);
    expect(p.sv_active).toBe(4);
    await sim.runUntil(2.5e6);
    expect((await servers(sim)).length).toBe(4); // never beyond pool_size + reserve_pool_size
  });

  it('housekeeping closes servers idle past server_idle_timeout, never below min_pool_size', async () => {
    const sim = await start({
      pgbouncer: { pool_mode: 'transaction', default_pool_size: 4, min_pool_size: 2, server_idle_timeout: 1 },
      workload: { clients: 4, operations: [sleep(0.2)] },
    });
    await sim.runUntil(1e6);
    expect((await servers(sim)).length).toBe(4);
    await sim.apply({ do: 'stopWorkload' });
    await sim.runUntil(1.6e6);
    expect((await servers(sim)).length).toBe(4); // idle for < 1 s
    await sim.runUntil(3e6);
    const left = await servers(sim);
    expect(left.length).toBe(2);
    expect(pgbReport(sim).closedConnections['server: server idle timeout']).toBe(2);
  });

  it('keeps min_pool_size only while the pool has clients', async () => {
    const none = await start({ pgbouncer: { min_pool_size: 3 }, workload: { clients: 0 } });
    await none.runUntil(2e6);
    expect((await servers(none)).length).toBe(0);
    const one = await start({ pgbouncer: { min_pool_size: 3 }, workload: { clients: 1, think_time: '100ms' } });
    await one.runUntil(2e6);
    // one client needs one server; housekeeping opened two more to reach min_pool_size
    expect((await servers(one)).length).toBe(3);
  });

  it('reuses idle servers last-in-first-out, or in turn with server_round_robin = 1', async () => {
    const recent = async (rr: number) => {
      const sim = await start({ pgbouncer: { pool_mode: 'transaction', min_pool_size: 3, server_round_robin: rr }, workload: { clients: 1, think_time: '50ms' } });
      await sim.runUntil(4e6);
      const rows = await servers(sim);
      expect(rows.length).toBe(3);
      // servers with a request in the last second
      return rows.filter((r) => String(r.request_time) >= '2026-01-01 00:00:03').length;
    };
    expect(await recent(0)).toBe(1);
    expect(await recent(1)).toBe(3);
  });

  it('closes servers past server_lifetime when released, spread over the pool', async () => {
    const sim = await start({ pgbouncer: { default_pool_size: 2, pool_mode: 'transaction', server_lifetime: 1 }, workload: { clients: 2 } });
    await sim.runUntil(4e6);
    const rows = await servers(sim);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(String(r.connect_time) >= '2026-01-01 00:00:02').toBe(true);
    expect(pgbReport(sim).closedConnections['server: server lifetime over']).toBeGreaterThanOrEqual(4);
    expect(sim.metrics.failed).toBe(0);
  });

  it('refuses clients over max_client_conn', async () => {
    const sim = await start({ pgbouncer: { max_client_conn: 10 }, app: { pool_size: 20 }, workload: { clients: 20, operations: [sleep(0.5)] } });
    await sim.runUntil(1e6);
    expect(sim.metrics.errors.get('max_client_conn')).toBeGreaterThan(0);
    const p = await pool(sim);
    expect((p.cl_active as number) + (p.cl_waiting as number)).toBe(10);
  });

  it('drops a client that waited longer than query_wait_timeout', async () => {
    const sim = await start({ pgbouncer: { default_pool_size: 1, query_wait_timeout: 1 }, workload: { clients: 4, operations: [sleep(5)] } });
    await sim.runUntil(1.2e6);
    expect(sim.metrics.errors.get('query_wait_timeout')).toBeUndefined(); // housekeeping runs every 1/3 s
    await sim.runUntil(1.5e6);
    expect(sim.metrics.errors.get('query_wait_timeout')).toBe(3);
    expect(pgbReport(sim).closedConnections['client: query_wait_timeout']).toBe(3);
  });

  it('cancels a query running longer than query_timeout by closing its server', async () => {
    const sim = await start({ pgbouncer: { query_timeout: 1 }, workload: { clients: 1, operations: [sleep(3)] } });
    await sim.runUntil(1.5e6);
    expect(sim.metrics.errors.get('query_timeout')).toBe(1);
    expect(pgbReport(sim).closedConnections['server: query timeout']).toBe(1);
  });

  it('closes a client idle in a transaction longer than idle_transaction_timeout', async () => {
    const sim = await start({
      latency: '300ms', // BEGIN -> statement -> COMMIT: the server waits 600 ms between them
      pgbouncer: { pool_mode: 'transaction', idle_transaction_timeout: 0.4 },
      workload: { clients: 1, operations: [{ name: 'tx', sql: ['SELECT 1', 'SELECT 2'], params: [] }] },
    });
    await sim.runUntil(8e6);
    expect(sim.metrics.errors.get('idle_transaction_timeout')).toBeGreaterThan(0);
    expect(pgbReport(sim).closedConnections['server: idle transaction timeout']).toBeGreaterThan(0);
  });

  it('closes a client idle longer than client_idle_timeout; the app reconnects', async () => {
    const sim = await start({ pgbouncer: { pool_mode: 'transaction', client_idle_timeout: 1 }, workload: { clients: 1, think_time: '2s', operations: [sleep(0.001)] } });
    await sim.runUntil(20e6);
    expect(pgbReport(sim).closedConnections['client: client_idle_timeout']).toBeGreaterThan(0);
    expect(sim.metrics.failed).toBe(0);
    expect(sim.metrics.completed).toBeGreaterThan(3);
  });

  it('passes on PostgreSQL max_connections error to waiting clients, and retries after server_login_retry', async () => {
    // `direct` reaches the primary first and takes its only slot (max_connections 4 - 3 reserved).
    const sim = await start({
      direct: { instances: 1, pool_size: 1 },
      pgbouncer: { server_login_retry: 2 },
      postgres: { max_connections: 4 },
      workload: { clients: 2, think_time: '10ms', operations: [sleep(0.001)] },
    });
    await sim.runUntil(1e6);
    expect(sim.metrics.errors.get('too_many_connections')).toBe(1);
    // the app reconnected; its client waits for a server login, which waits for server_login_retry
    let p = await pool(sim);
    expect(p.cl_waiting).toBe(1);
    expect((await servers(sim)).length).toBe(0);
    await sim.runUntil(1.9e6);
    expect(sim.metrics.errors.get('too_many_connections')).toBe(1);
    await sim.runUntil(2.5e6);
    expect(sim.metrics.errors.get('too_many_connections')).toBe(2);
    p = await pool(sim);
    expect(p.sv_login).toBe(0);
  });
});

describe('PgBouncer admin console', () => {
  it('answers SHOW, PAUSE, RESUME, RECONNECT, KILL, SET and refuses anything else as PgBouncer does', async () => {
    const sim = await start({ pgbouncer: { pool_mode: 'transaction', default_pool_size: 2 }, workload: { clients: 4, think_time: '5ms' } });
    await sim.runUntil(1e6);
    const sql = await sim.apply({ do: 'runSql', node: 'pgb', sql: 'SELECT 1' });
    expect(sql.error?.message).toBe("invalid command 'SELECT 1', use SHOW HELP;");
    expect(sql.error?.code).toBe('pgbouncer_admin');
    expect((await sim.apply({ do: 'runSql', node: 'pgb', sql: 'SHOW NOTHING' })).error?.message).toBe("invalid command 'SHOW NOTHING', use SHOW HELP;");
    const poolsCols = (await sim.apply({ do: 'runSql', node: 'pgb', sql: 'SHOW POOLS' })).columns;
    expect(poolsCols).toEqual([
      'database', 'user', 'cl_active', 'cl_waiting', 'cl_active_cancel_req', 'cl_waiting_cancel_req', 'sv_active', 'sv_active_cancel',
      'sv_being_canceled', 'sv_idle', 'sv_used', 'sv_tested', 'sv_login', 'maxwait', 'maxwait_us', 'pool_mode', 'load_balance_hosts',
    ]);
    expect((await sim.apply({ do: 'runSql', node: 'pgb', sql: 'show clients;' })).columns).toEqual([
      'type', 'user', 'database', 'state', 'addr', 'port', 'local_addr', 'local_port', 'connect_time', 'request_time', 'wait',
      'wait_us', 'close_needed', 'ptr', 'link', 'remote_pid', 'tls', 'application_name', 'prepared_statements', 'id',
    ]);
    const stats = await show(sim, 'STATS');
    const st = stats.find((r) => r.database === 'postgres')!;
    expect(st.total_xact_count as number).toBeGreaterThan(100);
    expect(st.total_query_count).toBe(st.total_xact_count);
    expect((await show(sim, 'VERSION'))[0].version).toMatch(/^PgBouncer 1\.2\d/);
    expect((await show(sim, 'LISTS')).map((r) => r.list)).toContain('used_servers');
    expect((await show(sim, 'DATABASES')).map((r) => r.name)).toEqual(['pgbouncer', 'postgres']);

    expect((await sim.apply({ do: 'runSql', node: 'pgb', sql: 'SET default_pool_size = 3' })).error).toBeUndefined();
    expect((await show(sim, 'CONFIG')).find((r) => r.key === 'default_pool_size')?.value).toBe('3');
    expect((await sim.apply({ do: 'runSql', node: 'pgb', sql: 'SET no_such_thing = 1' })).error?.message).toBe('SET failed');

    expect((await sim.apply({ do: 'runSql', node: 'pgb', sql: 'PAUSE' })).command).toBe('PAUSE');
    await sim.runUntil(1.5e6);
    let p = await pool(sim);
    expect(p.sv_active).toBe(0);
    expect(p.sv_idle).toBe(0);
    expect(p.cl_waiting as number).toBeGreaterThan(0);
    const done = sim.metrics.completed;
    expect((await sim.apply({ do: 'runSql', node: 'pgb', sql: 'RESUME' })).command).toBe('RESUME');
    await sim.runUntil(2e6);
    expect(sim.metrics.completed).toBeGreaterThan(done + 50);
    expect((await sim.apply({ do: 'runSql', node: 'pgb', sql: 'RESUME' })).error?.message).toBe('pooler is not paused/suspended');

    await sim.apply({ do: 'runSql', node: 'pgb', sql: 'RECONNECT' });
    await sim.runUntil(2.5e6);
    expect(pgbReport(sim).closedConnections['server: close_needed'] ?? 0).toBeGreaterThan(0);

    expect((await sim.apply({ do: 'runSql', node: 'pgb', sql: 'KILL postgres' })).command).toBe('KILL');
    p = await pool(sim);
    expect(p.cl_active).toBe(0);
    expect((await servers(sim)).length).toBe(0);
    expect((await sim.apply({ do: 'runSql', node: 'pgb', sql: 'KILL nodb' })).error?.message).toBe('no such database: nodb');
  });

  it('shows the pooler server connections in pg_stat_activity on the database node', async () => {
    const sim = await start({ pgbouncer: { pool_mode: 'transaction', default_pool_size: 3 }, workload: { clients: 6, operations: [sleep(0.05)] } });
    await sim.runUntil(1e6);
    const r = await sim.apply({ do: 'runSql', node: 'primary', sql: "SELECT state, application_name, query FROM pg_stat_activity WHERE backend_type = 'client backend' AND application_name <> 'psql'" });
    expect(r.rows.length).toBe(3);
    for (const row of r.rows) {
      expect(row[1]).toBe('app-1');
      expect(row[2]).toBe('SELECT pg_sleep(0.05)');
    }
  });
});
