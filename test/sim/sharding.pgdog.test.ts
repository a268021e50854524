/** The pgdog shard router in the data path (real PGlite shards): the same routing as the app's, its console, EXPLAIN and SHOW POOLS. */
import { describe, expect, it } from 'vitest';
import type { PgDogNode } from '../../sim/nodes/pgdog/PgDogNode.ts';
import { buildReport } from '../../sim/report.ts';
import { keyOf } from '../../sim/sharding/keys.ts';
import { mergeCostUs } from '../../sim/sharding/merge.ts';
import { shardLocator } from '../../sim/sharding/shardMap.ts';
import { prepareOperation } from '../../sim/workload/operations.ts';
import { parseScenario } from '../../sim/index.ts';
import { scenario, scenarioFile, startSim } from './harness.ts';

const pgdog = scenarioFile('sharding-pgdog.json');
const hash = scenarioFile('sharding-hash.json');
const locate = shardLocator(pgdog.sharding!);

describe('a pgdog node between the app and the shards', () => {
  it('is refused where it cannot route: an app on both a router and a shard, a router missing a shard', () => {
    const s = structuredClone(pgdog) as unknown as Record<string, any>;
    s.edges.push({ from: 'app', to: 'shard1' });
    let r = parseScenario(s);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues).toContainEqual({ path: 'edges[0]', message: 'app -> pgdog: an app connects either to the shards (it routes) or to shard routers only' });
    const t = structuredClone(pgdog) as unknown as Record<string, any>;
    t.edges = t.edges.filter((e: { to: string }) => e.to !== 'shard2');
    r = parseScenario(t);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues).toContainEqual({ path: 'sharding.shards[1]', message: 'pgdog has no edge to shard shard2: an app connects to every shard' });
  });

  it('runs the workload through the router: the app does not route, every shard serves, scatters merged, no errors', async () => {
    const sim = await startSim(pgdog);
    await sim.runUntil(2e6);
    const report = buildReport(sim, [], 0);
    expect(report.errors).toEqual({});
    expect(report.completed).toBeGreaterThan(500);
    const router = sim.nodes.get('pgdog') as PgDogNode;
    expect(router.snapshot().queries).toBeGreaterThan(500);
    expect(router.snapshot().crossShard).toBeGreaterThan(0);
    const block = report.sharding!;
    expect(block.scatterQueries).toBe(router.snapshot().crossShard);
    for (const shard of ['shard1', 'shard2']) expect(block.shards[shard].queries).toBeGreaterThan(100);
  });

  it('routes exactly as the app-level ShardRouter does, and refuses a transaction over two shards naming both', async () => {
    const sim = await startSim(pgdog);
    const app = await startSim(hash);
    const router = (sim.nodes.get('pgdog') as PgDogNode).shards!;
    const inApp = (app.nodes.get('app') as unknown as { shards: typeof router }).shards;
    const get = prepareOperation({ name: 'get', weight: 1, sql: 'SELECT id FROM users WHERE id = $1', params: [{ dist: 'list', values: [1] }] });
    for (let id = 1; id <= 30; id++) {
      expect(router.explain(get, [id])).toEqual(inApp.explain(get, [id]));
      expect(router.explain(get, [id]).shards).toEqual([locate(keyOf('bigint', id)).shard]);
    }
    const a = [1, 2, 3, 4, 5].find((k) => locate(keyOf('bigint', k)).shard === 'shard1')!;
    const b = [1, 2, 3, 4, 5].find((k) => locate(keyOf('bigint', k)).shard === 'shard2')!;
    const move = prepareOperation({
      name: 'move',
      weight: 1,
      sql: ['UPDATE users SET name = name WHERE id = $1', 'UPDATE users SET name = name WHERE id = $2'],
      params: [{ dist: 'list', values: [1] }, { dist: 'list', values: [1] }],
    });
    const r = router.route({ id: 1, op: move, params: [a, b] });
    expect(r.kind === 'error' && r.error).toMatchObject({ code: 'cross_shard_transaction', message: 'transaction touches more than one shard: shard1 and shard2' });
  });

  it('answers SQL in its console by routing it, merged scatters equal to one node holding all the data', async () => {
    const sim = await startSim(pgdog);
    const whole = structuredClone(hash);
    delete whole.sharding;
    whole.nodes = whole.nodes.filter((n) => n.id !== 'shard2');
    whole.edges = whole.edges.filter((e) => e.to !== 'shard2');
    const single = await startSim(whole);
    for (const sql of [
      'SELECT id, name FROM users WHERE id = 17',
      'SELECT id, user_id, amount FROM orders ORDER BY amount DESC, id LIMIT 7',
      'SELECT count(*) AS n, sum(amount), avg(amount) FROM orders',
    ]) {
      const got = await sim.apply({ do: 'runSql', node: 'pgdog', sql });
      const want = await single.apply({ do: 'runSql', node: 'shard1', sql });
      expect(got.error, sql).toBeUndefined();
      expect({ columns: got.columns, rows: got.rows }, sql).toEqual({ columns: want.columns, rows: want.rows });
    }
  });

  it('EXPLAIN: the shard’s own plan, then PgDog’s routing with the key, its hash and the shard; SHOW POOLS a row per pool', async () => {
    const sim = await startSim(pgdog);
    const shard = locate(keyOf('bigint', 42)).shard!;
    const n = pgdog.sharding!.shards.indexOf(shard);
    const e = await sim.apply({ do: 'runSql', node: 'pgdog', sql: 'EXPLAIN SELECT * FROM users WHERE id = 42' });
    const lines = e.rows.map((r) => String(r[0]));
    expect(lines[0]).toMatch(/^Index Scan using users_pkey on users/);
    const at = lines.indexOf('PgDog Routing:');
    expect(lines.slice(at + 1, at + 2)).toEqual([`Summary: shard=${n} role=primary`]);
    expect(lines[at + 2]).toBe(`Shard ${n} (${shard}): matched sharding key users.id using constant 42: ${locate(keyOf('bigint', 42)).why}`);
    const all = await sim.apply({ do: 'runSql', node: 'pgdog', sql: 'EXPLAIN SELECT count(*) FROM orders' });
    const allLines = all.rows.map((r) => String(r[0]));
    expect(allLines).toContain('Summary: shard=all role=primary');
    expect(allLines).toContain('Merge: aggregates combined by PgDog');
    const grouped = await sim.apply({ do: 'runSql', node: 'pgdog', sql: 'EXPLAIN SELECT region, count(*) FROM users GROUP BY region' });
    expect(grouped.rows.map((r) => String(r[0]))).toContain('Summary: refused');
    await sim.runUntil(5e5);
    const pools = await sim.apply({ do: 'runSql', node: 'pgdog', sql: 'SHOW POOLS' });
    expect(pools.columns.slice(0, 11)).toEqual(['id', 'database', 'user', 'addr', 'port', 'shard', 'role', 'cl_waiting', 'sv_idle', 'sv_active', 'sv_total']);
    expect(pools.rows.map((r) => [r[3], r[5], r[6]])).toEqual([
      ['shard1', 0, 'primary'],
      ['shard2', 1, 'primary'],
    ]);
    for (const r of pools.rows) expect(Number(r[10])).toBeGreaterThan(0);
  });
});

describe('scatter-gather time', () => {
  /** p50 latency (µs) of a scatter through pgdog with these one-way latencies to shard1 and shard2. */
  async function scatterP50(near: string, far: string): Promise<number> {
    const s = structuredClone(pgdog);
    s.edges.find((e) => e.to === 'shard1')!.latency = near;
    s.edges.find((e) => e.to === 'shard2')!.latency = far;
    s.workload.clients = 1;
    s.workload.think_time = '0ms';
    s.workload.operations = [{ name: 'top', weight: 1, sql: 'SELECT id, amount FROM orders ORDER BY amount DESC, id LIMIT 5', params: [] }] as never;
    const sim = await startSim(scenario(s));
    await sim.runUntil(2e6);
    const report = buildReport(sim, [], 0);
    expect(report.errors).toEqual({});
    return report.latencyMs.p50 * 1000;
  }

  it('is the slowest shard plus the modelled merge, not the sum of the shards', async () => {
    const merge = mergeCostUs({ kind: 'rows', orderBy: [{ column: 'amount', descending: true, nullsFirst: true }], limit: { literal: '5' } }, 2, 5);
    expect(merge).toBe(Math.ceil(10 + 2 * 2 + 0.5 * 10 + 10 * 0.02));
    const oneFar = await scatterP50('0.5ms', '20ms');
    const bothFar = await scatterP50('20ms', '20ms');
    // app->pgdog 2 x 0.5 ms, pgdog->shard2 2 x 20 ms, then the merge (p50 is its 1 % bucket's upper bound)
    expect(oneFar).toBeGreaterThanOrEqual(41_000 + merge);
    expect(oneFar).toBeLessThan((41_000 + merge) * 1.01 + 1_000);
    expect(Math.abs(bothFar - oneFar)).toBeLessThan(1_000);
  });
});
