/** Sharding in a running simulation: the split at load, the app's routing, scatter-gather (real PGlite). */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../sim/index.ts';
import type { AppNode } from '../../sim/nodes/app/AppNode.ts';
import { buildReport } from '../../sim/report.ts';
import { prepareOperation } from '../../sim/workload/operations.ts';
import { keyOf } from '../../sim/sharding/keys.ts';
import { shardLocator } from '../../sim/sharding/shardMap.ts';
import { scenario, scenarioFile, startSim } from './harness.ts';

const hash = scenarioFile('sharding-hash.json');
const locate = shardLocator(hash.sharding!);

describe('the sharding block', () => {
  it('refuses shards that are not database nodes the app reaches, with paths', () => {
    const s = structuredClone(hash) as unknown as Record<string, any>;
    s.sharding.shards = ['shard1', 'app'];
    let r = parseScenario(s);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues).toContainEqual({ path: 'sharding.shards[1]', message: 'shard app is a app node, not a database node' });
    const t = structuredClone(hash) as unknown as Record<string, any>;
    t.edges = t.edges.slice(0, 1);
    r = parseScenario(t);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues).toContainEqual({ path: 'sharding.shards[1]', message: 'app has no edge to shard shard2: an app connects to every shard' });
  });
});

describe('a sharded data set', () => {
  it('holds on each shard exactly its rows, users and their orders', async () => {
    const sim = await startSim(hash);
    let total = 0;
    for (const shard of ['shard1', 'shard2']) {
      const users = await sim.apply({ do: 'runSql', node: shard, sql: 'SELECT id FROM users ORDER BY id' });
      const ids = users.rows.map((r) => String(r[0]));
      expect(ids.length).toBeGreaterThan(300);
      for (const id of ids) expect(locate(keyOf('bigint', id)).shard).toBe(shard);
      total += ids.length;
      const stray = await sim.apply({ do: 'runSql', node: shard, sql: 'SELECT count(*) FROM orders o WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = o.user_id)' });
      expect(stray.rows[0][0]).toBe(0);
      const orders = await sim.apply({ do: 'runSql', node: shard, sql: 'SELECT count(*) FROM orders' });
      expect(Number(orders.rows[0][0])).toBe(ids.length * 5);
    }
    expect(total).toBe(1000);
  });
});

describe('routing in the app', () => {
  it('sends a keyed statement to the shard the hash says, and refuses a transaction over two shards naming both', async () => {
    const sim = await startSim(hash);
    const app = sim.nodes.get('app') as AppNode;
    const get = prepareOperation({ name: 'get', weight: 1, sql: 'SELECT id FROM users WHERE id = $1', params: [{ dist: 'list', values: [1] }] });
    for (let id = 1; id <= 40; id++) {
      const r = app.shards!.route({ id: 10_000 + id, op: get, params: [id] });
      expect(r).toMatchObject({ kind: 'one', shard: locate(keyOf('bigint', id)).shard });
      // the row is there, so the console's route went to the same shard
      const c = await sim.apply({ do: 'runSql', node: 'app', sql: `SELECT id FROM users WHERE id = ${id}` });
      expect(c.rows).toEqual([[id]]);
    }
    const a = [1, 2, 3, 4, 5].find((k) => locate(keyOf('bigint', k)).shard === 'shard1')!;
    const b = [1, 2, 3, 4, 5].find((k) => locate(keyOf('bigint', k)).shard === 'shard2')!;
    const move = prepareOperation({
      name: 'move',
      weight: 1,
      sql: ['UPDATE users SET name = name WHERE id = $1', 'UPDATE users SET name = name WHERE id = $2'],
      params: [{ dist: 'list', values: [1] }, { dist: 'list', values: [1] }],
    });
    const r = app.shards!.route({ id: 20_000, op: move, params: [a, b] });
    expect(r.kind === 'error' && r.error).toMatchObject({ code: 'cross_shard_transaction', message: 'transaction touches more than one shard: shard1 and shard2' });
    expect(app.shards!.route({ id: 20_001, op: move, params: [a, a] })).toMatchObject({ kind: 'one', shard: 'shard1' });
  });

  it('scatters a statement with no key and merges it as one node holding all the data answers it', async () => {
    const sharded = await startSim(hash);
    const whole = structuredClone(hash);
    delete whole.sharding;
    whole.nodes = whole.nodes.filter((n) => n.id !== 'shard2');
    whole.edges = whole.edges.filter((e) => e.to !== 'shard2');
    const single = await startSim(whole);
    for (const sql of [
      'SELECT id, user_id, amount FROM orders ORDER BY amount DESC, id LIMIT 7',
      'SELECT count(*) FROM orders',
      'SELECT count(*) AS n, sum(amount), min(amount), max(created_at), avg(amount), avg(user_id) AS a FROM orders',
      'SELECT email, region FROM users ORDER BY 2, email DESC LIMIT 5',
      'SELECT id, name FROM users WHERE id IN (1, 2, 3, 4, 5, 6) ORDER BY id',
    ]) {
      const got = await sharded.apply({ do: 'runSql', node: 'app', sql });
      const want = await single.apply({ do: 'runSql', node: 'shard1', sql });
      expect(got.error, sql).toBeUndefined();
      expect({ columns: got.columns, rows: got.rows }, sql).toEqual({ columns: want.columns, rows: want.rows });
    }
    const grouped = await sharded.apply({ do: 'runSql', node: 'app', sql: 'SELECT region, count(*) FROM users GROUP BY region' });
    expect(grouped.error).toMatchObject({ code: 'scatter_not_mergeable', detail: expect.stringContaining('GROUP') });
  });

  it('runs the example workload: keyed requests on their shard, scatters merged, no errors', async () => {
    const sim = await startSim(hash);
    await sim.runUntil(2e6);
    const report = buildReport(sim, [], 0);
    expect(report.errors).toEqual({});
    expect(report.failed).toBe(0);
    expect(report.completed).toBeGreaterThan(500);
    const block = report.sharding!;
    expect(block.scatterQueries).toBeGreaterThan(0);
    expect(block.crossShardErrors).toBe(0);
    for (const shard of ['shard1', 'shard2']) {
      expect(block.shards[shard].queries).toBeGreaterThan(100);
      expect(block.shards[shard].rows.users).toBeGreaterThan(300);
    }
  });
});

describe('shards with replicas', () => {
  it('keep their data apart: each replica holds its shard’s rows, writes included', async () => {
    const s = structuredClone(hash) as unknown as Record<string, any>;
    s.nodes.push(
      { id: 'replica1', kind: 'postgres', settings: {} },
      { id: 'replica2', kind: 'postgres', settings: {} },
    );
    s.edges.push(
      { from: 'app', to: 'replica1' },
      { from: 'app', to: 'replica2' },
      { from: 'shard1', to: 'replica1' },
      { from: 'shard2', to: 'replica2' },
    );
    s.nodes[0].settings.read_policy = 'round-robin';
    const sim = await startSim(scenario(s));
    await sim.runUntil(2e6);
    for (const [replica, shard] of [['replica1', 'shard1'], ['replica2', 'shard2']]) {
      const users = await sim.apply({ do: 'runSql', node: replica, sql: 'SELECT DISTINCT user_id FROM orders' });
      expect(users.rows.length).toBeGreaterThan(300);
      for (const [id] of users.rows) expect(locate(keyOf('bigint', id)).shard).toBe(shard);
      const mine = await sim.apply({ do: 'runSql', node: shard, sql: 'SELECT count(*) FROM orders' });
      const copy = await sim.apply({ do: 'runSql', node: replica, sql: 'SELECT count(*) FROM orders' });
      expect(Number(mine.rows[0][0])).toBeGreaterThan(users.rows.length * 5);
      expect(Math.abs(Number(copy.rows[0][0]) - Number(mine.rows[0][0]))).toBeLessThan(20);
    }
    expect(buildReport(sim, [], 0).failed).toBe(0);
  });
});

describe('range sharding', () => {
  it('sends sequential new keys to the last range: a hot shard', async () => {
    const sim = await startSim(scenarioFile('sharding-range.json'));
    await sim.runUntil(1e6);
    const report = buildReport(sim, [], 0);
    expect(report.errors).toEqual({});
    const { shard1, shard2 } = report.sharding!.shards;
    expect(shard1.rows).toEqual({ users: 500, orders: 2500 });
    const added = await sim.apply({ do: 'runSql', node: 'shard2', sql: 'SELECT count(*) FROM users WHERE id > 1000' });
    expect(Number(added.rows[0][0])).toBeGreaterThan(50);
    expect(shard2.requests).toBeGreaterThan(shard1.requests + Number(added.rows[0][0]) / 2);
  });
});
