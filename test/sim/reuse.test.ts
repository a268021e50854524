/**
 * Exact reuse of reads (sim/nodes/postgres/Reuse.ts): random workloads (seeded mixes of reads and writes over
 * a small key range, so identical reads recur) run with reuse on and off give the same report byte for byte,
 * the same WAL position and the same table sizes on every database node, and reuse happened.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../sim/core/rng.ts';
import { buildReport, type Scenario, type Simulation } from '../../sim/index.ts';
import { reusableTables, setupCatalog } from '../../sim/nodes/postgres/Reuse.ts';
import { loadSqlParser } from '../../sim/sql/parser.ts';
import { readReplicas, scenarioFile, startSim } from './harness.ts';

/**
 * What a read's execution could change on an engine: its WAL (pruning, hint bits' full-page images), the heaps'
 * sizes and where each row version is (a pruned page takes a later update's new version, else it goes elsewhere).
 */
const ENGINE_STATE = `SELECT pg_current_wal_lsn()::text, pg_relation_size('users'), pg_relation_size('orders'),
  (SELECT md5(string_agg(ctid::text, ',' ORDER BY id)) FROM users), (SELECT md5(string_agg(ctid::text, ',' ORDER BY id)) FROM orders)`;

const READS = [
  'SELECT id, email, name, region FROM users WHERE id = $1',
  'SELECT id, amount, status, created_at FROM orders WHERE user_id = $1 ORDER BY created_at DESC LIMIT 10',
  'SELECT count(*), sum(amount) FROM orders o JOIN users u ON u.id = o.user_id WHERE u.id = $1',
  // not reusable (a function call): it runs every time and drops what its tables' reads kept
  "SELECT name, now() FROM users WHERE id = $1",
];
const WRITES = [['INSERT INTO orders (user_id, amount) VALUES ($1, $2)', 'UPDATE users SET name = name WHERE id = $1'], 'UPDATE users SET name = $2 WHERE id = $1', 'UPDATE orders SET status = $2 WHERE id = $1'];

/** A random mix of `readShare` reads over keys 1..keys, from `seed`. */
function randomMix(s: Scenario, seed: number, readShare: number, keys: number): Scenario {
  const rng = new Rng(seed, 'mix');
  const key = { dist: 'zipf', min: 1, max: keys, s: 1.1 };
  const ops = [
    ...READS.map((sql, i) => ({ name: `read${i}`, weight: Math.max(1, Math.round(readShare * 100 * rng.next())), sql, params: [key] })),
    ...WRITES.map((sql, i) => ({ name: `write${i}`, weight: Math.max(1, Math.round((1 - readShare) * 100 * rng.next())), sql, params: [key, { dist: 'list', values: ['paid', 'shipped', 'Ada'] }] })),
  ];
  // the first write's amount is a number
  ops[READS.length].params[1] = { dist: 'uniform', min: 1, max: 500, integer: true } as never;
  return { ...s, workload: { ...s.workload, clients: 8, think_time: '5ms', operations: ops } as Scenario['workload'], run: { ...s.run, seed } };
}

async function run(s: Scenario, reuseReads: boolean, seconds: number): Promise<{ report: string; reused: number }> {
  const sim: Simulation = await startSim(s, { reuseReads });
  await sim.runUntil(seconds * 1e6);
  const state = [];
  for (const n of s.nodes.filter((x) => x.kind === 'postgres')) state.push(await sim.apply({ do: 'runSql', node: n.id, sql: ENGINE_STATE }));
  const { wallSeconds: _, ...report } = buildReport(sim, state, 0);
  const reused = sim.metrics.reusedReads;
  await sim.close();
  return { report: JSON.stringify(report, null, 1), reused };
}

async function sameWithAndWithout(s: Scenario, seconds: number): Promise<number> {
  const on = await run(s, true, seconds);
  const off = await run(s, false, seconds);
  expect(off.reused).toBe(0);
  expect(on.report === off.report, `${s.name}: the report differs with reuse on`).toBe(true);
  return on.reused;
}

describe('what may be reused', () => {
  beforeAll(() => loadSqlParser());
  const catalog = { tables: new Set(['users', 'orders']), cascades: new Map(), triggers: false };

  it("plain reads of the data set's tables, with the tables they read", () => {
    expect(reusableTables('SELECT id FROM users WHERE id = $1', catalog)).toEqual(['users']);
    expect(reusableTables('SELECT count(*) FROM orders o JOIN users u ON u.id = o.user_id WHERE u.id = $1', catalog)).toEqual(['orders', 'users']);
  });

  it('not a read that locks rows, calls a function, reads a view or a CTE', () => {
    for (const sql of ['SELECT * FROM users WHERE id = $1 FOR UPDATE', 'SELECT now() FROM users', 'SELECT * FROM user_view', 'WITH u AS (SELECT * FROM users) SELECT * FROM u', 'SELECT * FROM pg_catalog.pg_class', 'SELECT nextval(\'s\')']) {
      expect(reusableTables(sql, catalog), sql).toBeUndefined();
    }
  });

  it("the data set's cascading foreign keys, and triggers that make any write reach any table", () => {
    const c = setupCatalog('CREATE TABLE users (id int PRIMARY KEY); CREATE TABLE orders (id int, user_id int REFERENCES users ON DELETE CASCADE); CREATE TABLE notes (user_id int REFERENCES users)');
    expect(c).toEqual({ cascades: new Map([['users', ['orders']]]), triggers: false });
    expect(setupCatalog('CREATE TABLE t (id int); CREATE TRIGGER x AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()').triggers).toBe(true);
    expect(setupCatalog('CREATE TABLE t (id int) PARTITION BY HASH (id)').triggers).toBe(true);
  });
});

describe('exact reuse of reads', { timeout: 120_000 }, () => {
  it('read-heavy, on a single primary: the same report, with reads reused', async () => {
    expect(await sameWithAndWithout(randomMix(scenarioFile('single-primary.json'), 21, 0.95, 40), 1)).toBeGreaterThan(0);
  });

  it('write-heavy, on a single primary: the same report', async () => {
    await sameWithAndWithout(randomMix(scenarioFile('single-primary.json'), 22, 0.4, 40), 1);
  });

  it('with replicas: the same report, with reads reused on the replicas', async () => {
    expect(await sameWithAndWithout(randomMix(readReplicas({}, 23), 23, 0.9, 40), 1)).toBeGreaterThan(0);
  });
});
