/**
 * PgBouncer's pool modes, session-state leaks, max_connections with and without a pooler, the queueing
 * sanity check (throughput and Little's law), the seed's pgbouncer.ini round trip and the lesson scenario.
 */
import { readFileSync } from 'node:fs';
import { buildReport, parseScenario, parseScenarioText, type Simulation } from '../../sim/index.ts';
import { formatPgbouncerIni, parsePgbouncerIni } from '../../sim/nodes/pgbouncer/ini.ts';
import { describe, expect, it } from 'vitest';
import { startSim } from './harness.ts';

async function start(o: { pgbouncer?: object; app?: object; workload?: object; latency?: string; viaPooler?: boolean }): Promise<Simulation> {
  const lat = o.latency ?? '0.05ms';
  const direct = o.viaPooler === false;
  const p = parseScenario({
    name: 'pgbouncer modes',
    nodes: [
      { id: 'app', kind: 'app', settings: { instances: 1, pool_size: 20, ...o.app } },
      ...(direct ? [] : [{ id: 'pgb', kind: 'pgbouncer', settings: { ...o.pgbouncer } }]),
      { id: 'primary', kind: 'postgres', settings: {} },
    ],
    edges: direct
      ? [{ from: 'app', to: 'primary', latency: lat }]
      : [{ from: 'app', to: 'pgb', latency: lat }, { from: 'pgb', to: 'primary', latency: lat }],
    workload: { clients: 1, think_time: '0ms', data: { users: 50, orders_per_user: 1 }, ...o.workload },
    run: { seed: 1 },
  });
  if (!p.ok) throw new Error(JSON.stringify(p.issues));
  const sim = await startSim(p.scenario);
  return sim;
}

const pool = (sim: Simulation) =>
  buildReport(sim, [], 0).nodes.pgb as unknown as { pool: Record<string, number>; sessionLeaks: number; closedConnections: Record<string, number> };

const SEED_INI = `# pgbouncer.ini
[databases]
mydb = host=localhost port=5432 dbname=mydb

[pgbouncer]
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 20
min_pool_size = 5
reserve_pool_size = 5
reserve_pool_timeout = 3
server_idle_timeout = 600
`;

describe('PgBouncer pool modes', () => {
  // 20 app connections held open by the app's pool, 5 server connections, short queries.
  const starving = (pool_mode: string) =>
    start({
      pgbouncer: { pool_mode, default_pool_size: 5, query_wait_timeout: 1 },
      workload: { clients: 20, think_time: '20ms', operations: [{ name: 'q', sql: 'SELECT pg_sleep(0.002)', params: [] }] },
    });

  it('session mode starves the clients that transaction mode serves', async () => {
    const session = await starving('session');
    await session.runUntil(2e6);
    const s = pool(session);
    expect(s.pool.serverConnectionsMax).toBe(5);
    expect(s.pool.clWaitingMax).toBeGreaterThan(0);
    expect(session.metrics.errors.get('query_wait_timeout')).toBeGreaterThan(0);

    const transaction = await starving('transaction');
    await transaction.runUntil(2e6);
    expect(transaction.metrics.failed).toBe(0);
    expect(pool(transaction).pool.serverConnectionsMax).toBe(5);
    // the same 5 servers serve every client: more requests, none refused
    expect(transaction.metrics.completed).toBeGreaterThan(1.3 * session.metrics.completed);
  });

  it('statement mode serves single statements and refuses transaction blocks', async () => {
    const sim = await start({
      pgbouncer: { pool_mode: 'statement', default_pool_size: 2 },
      workload: {
        clients: 4,
        think_time: '5ms',
        operations: [
          { name: 'one', weight: 9, sql: 'SELECT 1', params: [] },
          { name: 'tx', weight: 1, sql: ['SELECT 1', 'SELECT 2'], params: [] },
        ],
      },
    });
    await sim.runUntil(2e6);
    expect(sim.metrics.errors.get('statement_pooling_transaction')).toBeGreaterThan(0);
    expect(sim.metrics.completed).toBeGreaterThan(200);
    expect(pool(sim).closedConnections['server: transaction blocks not allowed in statement pooling mode']).toBeGreaterThan(0);
  });

  it('transaction mode leaks a SET to the next client of that server, for real; session mode resets it', async () => {
    const leaky = (pool_mode: string) =>
      start({
        app: { connection_mode: 'per_request' },
        pgbouncer: { pool_mode, default_pool_size: 1 },
        workload: {
          clients: 2,
          think_time: '10ms',
          operations: [
            { name: 'set_path', weight: 1, sql: 'SET search_path = nosuchschema', params: [] },
            { name: 'count_users', weight: 10, sql: 'SELECT count(*) FROM users', params: [] },
          ],
        },
      });
    const session = await leaky('session');
    await session.runUntil(2e6);
    expect(session.metrics.errors.get('undefined_table')).toBeUndefined();
    expect(session.metrics.completed).toBeGreaterThan(100);

    const transaction = await leaky('transaction');
    await transaction.runUntil(2e6);
    // every query after the first SET runs on a backend whose search_path hides users: PostgreSQL's own error
    expect(transaction.metrics.errors.get('undefined_table')).toBeGreaterThan(50);
    expect(pool(transaction).sessionLeaks).toBeGreaterThan(0);
    // the database's own session is untouched: the leak lives on that one backend
    const direct = await transaction.apply({ do: 'runSql', node: 'primary', sql: 'SELECT count(*) FROM users' });
    expect(direct.rows).toEqual([[50]]);
  });
});

describe('max_connections with and without a pooler', () => {
  it('120 app connections: PostgreSQL refuses the ones over max_connections; through PgBouncer 20 serve them all', async () => {
    const workload = { clients: 120, think_time: '0ms', operations: [{ name: 'q', sql: 'SELECT pg_sleep(0.05)', params: [] }] };
    const app = { instances: 4, pool_size: 30 };
    const direct = await start({ viaPooler: false, app, workload });
    await direct.runUntil(0.5e6);
    expect(direct.metrics.errors.get('too_many_connections')).toBeGreaterThan(0);
    expect(direct.snapshot().nodes.find((n) => n.id === 'primary')!.connections).toBe(97);

    const pooled = await start({ app, workload, pgbouncer: { pool_mode: 'transaction', default_pool_size: 20, max_client_conn: 200 } });
    await pooled.runUntil(1e6);
    expect(pooled.metrics.failed).toBe(0);
    expect(pooled.snapshot().nodes.find((n) => n.id === 'primary')!.connections).toBe(20);
    expect(pool(pooled).pool.clWaitingMax).toBeGreaterThan(90);
  });
});

describe('queueing sanity check', () => {
  it('N closed-loop clients of pg_sleep(0.01) through P servers reach ~P/0.01 TPS, and the mean wait follows Little', async () => {
    const N = 100;
    const P = 10;
    const sim = await start({
      latency: '0.02ms',
      app: { pool_size: N },
      pgbouncer: { pool_mode: 'transaction', default_pool_size: P, max_client_conn: 200 },
      workload: { clients: N, think_time: '0ms', operations: [{ name: 'sleep', sql: 'SELECT pg_sleep(0.01)', params: [] }] },
    });
    await sim.runUntil(0.5e6); // warm up: logins, profiles
    const before = { done: sim.metrics.completed };
    await sim.runUntil(4.5e6);
    const tps = (sim.metrics.completed - before.done) / 4;
    const r = pool(sim);
    const lambda = (r as unknown as { serverAssignments: number }).serverAssignments / 4.5;
    const littleL = lambda * (r.pool.avgWaitMs / 1000);
    console.log(`queueing: N=${N} P=${P} tps=${tps} (ideal ${P / 0.01}) clWaitingAvg=${r.pool.clWaitingAvg} lambda*W=${littleL.toFixed(2)} avgWaitMs=${r.pool.avgWaitMs}`);
    expect(tps).toBeGreaterThan(0.95 * (P / 0.01));
    expect(tps).toBeLessThanOrEqual(P / 0.01);
    expect(Math.abs(littleL - r.pool.clWaitingAvg) / r.pool.clWaitingAvg).toBeLessThan(0.05);
    // and the wait itself: N - P clients queue for (N/P - 1) service times
    expect(r.pool.avgWaitMs).toBeGreaterThan(80);
    expect(r.pool.avgWaitMs).toBeLessThan(95);
  });
});

describe('pgbouncer.ini', () => {
  it("round-trips the seed's pgbouncer.ini", () => {
    const a = parsePgbouncerIni(SEED_INI);
    if (!a.ok) throw new Error(JSON.stringify(a.errors));
    expect(a.settings.databases).toEqual({ mydb: 'host=localhost port=5432 dbname=mydb' });
    expect(a.settings.pool_mode).toBe('transaction');
    expect(a.settings.max_client_conn).toBe(1000);
    expect(a.settings.min_pool_size).toBe(5);
    expect(a.settings.reserve_pool_timeout).toBe(3);
    const text = formatPgbouncerIni(a.settings);
    for (const line of SEED_INI.split('\n').filter((l) => / = /.test(l))) expect(text).toContain(line);
    const b = parsePgbouncerIni(text);
    if (!b.ok) throw new Error(JSON.stringify(b.errors));
    expect(b.settings).toEqual(a.settings);
  });

  it('refuses unknown keys and invalid values as PgBouncer does, and warns on keys it does not model', () => {
    const bad = parsePgbouncerIni('[pgbouncer]\npool_mode = sometimes\nmax_clients = 5\n[databases]\nx = host=a bogus=1\n');
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.errors.map((e) => e.message)).toEqual([
      'invalid value "sometimes" for parameter pool_mode in configuration (pgbouncer.ini:2)',
      'unknown parameter: pgbouncer/max_clients (pgbouncer.ini:3)',
      'unrecognized connection parameter: bogus (pgbouncer.ini:5, database x)',
    ]);
    const warn = parsePgbouncerIni('[pgbouncer]\nlisten_port = 6432\n');
    expect(warn.ok).toBe(true);
    expect(warn.warnings[0].message).toContain('listen_port');
  });
});

describe('the lesson scenario', () => {
  it("runs the seed's pooling architecture and reports the pool figures", async () => {
    const p = parseScenarioText(readFileSync('lessons/scenarios/pgbouncer.json', 'utf8'));
    if (!p.ok) throw new Error(JSON.stringify(p.issues));
    const sim = await startSim(p.scenario);
    await sim.runUntil(0.6e6);
    const report = buildReport(sim, [await sim.apply({ do: 'runSql', node: 'pgbouncer', sql: 'SHOW POOLS' })], 0);
    const node = report.nodes.pgbouncer as unknown as { pool: Record<string, number> };
    expect(Object.keys(node.pool).sort()).toEqual(
      ['avgWaitMs', 'clActiveAvg', 'clWaitingAvg', 'clWaitingMax', 'maxWaitMs', 'serverConnectionsMax', 'svActiveAvg', 'svIdleAvg'].sort(),
    );
    expect(node.pool.serverConnectionsMax).toBe(20);
    expect(node.pool.clWaitingMax).toBeGreaterThan(50);
    expect(report.sql[0].rows.find((r) => r[0] === 'mydb')?.[15]).toBe('transaction');
    expect(report.failed).toBe(0);
  });
});
