/**
 * transaction_mode TWOPC: a request over two shards commits on both, two round trips dearer, and atomically:
 * a part that fails leaves no shard (nor its replicas) changed (real PGlite, real PREPARE TRANSACTION).
 */
import { describe, expect, it } from 'vitest';
import type { AppNode } from '../../sim/nodes/app/AppNode.ts';
import { buildReport } from '../../sim/report.ts';
import { keyOf } from '../../sim/sharding/keys.ts';
import { shardLocator } from '../../sim/sharding/shardMap.ts';
import { prepareOperation } from '../../sim/workload/operations.ts';
import { scenario, scenarioFile, startSim } from './harness.ts';

const hash = scenarioFile('sharding-hash.json');
const locate = shardLocator(hash.sharding!);
const on = (shard: string) => Array.from({ length: 50 }, (_, i) => i + 1).filter((k) => locate(keyOf('bigint', k)).shard === shard);
const [a, a2] = on('shard1');
const [b] = on('shard2');
/** One edge's one-way latency: a round trip is 10 ms, so the two phases are 20 ms. */
const ONE_WAY_MS = 5;

/** Marks as `name` the users it updates; fails (division_by_zero) on user `failOn`. */
const failing = (failOn: number) => `UPDATE users SET name = 'failed' || (1 / (id - ${failOn}))::text WHERE id IN ($1, $2)`;

/** Each shard with a replica it streams to. */
function withReplicas(s: Record<string, any>): void {
  s.nodes.push({ id: 'replica1', kind: 'postgres', settings: {} }, { id: 'replica2', kind: 'postgres', settings: {} });
  s.edges.push({ from: 'shard1', to: 'replica1', latency: '1ms' }, { from: 'shard2', to: 'replica2', latency: '1ms' });
}

/**
 * One client marking users `first` and `second` with one statement every millisecond after the last, for a
 * second; with `also`, a second operation as often.
 */
function marking(first: number, second: number, mode?: 'TWOPC', also?: { sql: string; replicas?: boolean }) {
  const s = structuredClone(hash) as unknown as Record<string, any>;
  if (mode) s.sharding.transaction_mode = mode;
  if (also?.replicas) withReplicas(s);
  for (const e of s.edges) e.latency = `${ONE_WAY_MS}ms`;
  s.workload = {
    mode: 'closed',
    clients: 1,
    think_time: '1ms',
    data: s.workload.data,
    operations: [
      {
        name: 'mark',
        weight: 1,
        sql: "UPDATE users SET name = 'marked' WHERE id IN ($1, $2)",
        params: [{ dist: 'list', values: [first] }, { dist: 'list', values: [second] }],
      },
      ...(also ? [{ name: 'also', weight: 1, sql: also.sql, params: [{ dist: 'list', values: [first] }, { dist: 'list', values: [second] }] }] : []),
    ],
  };
  s.run.duration = '1s';
  return scenario(s);
}

async function run(first: number, second: number, mode?: 'TWOPC', also?: { sql: string; replicas?: boolean }) {
  const sim = await startSim(marking(first, second, mode, also));
  await sim.runUntil(1e6);
  const report = buildReport(sim, [], 0);
  // the replicas replay what is in flight
  if (also?.replicas) await sim.runUntil(1.5e6);
  const named = async (node: string, name: string) =>
    (await sim.apply({ do: 'runSql', node, sql: `SELECT id FROM users WHERE name LIKE '${name}' ORDER BY id` })).rows.map((r) => Number(r[0]));
  const marked = (node: string) => named(node, 'marked');
  return { report, shard1: await marked('shard1'), shard2: await marked('shard2'), named, sim };
}

describe('a write over two shards', () => {
  it('is refused without transaction_mode TWOPC, naming both shards', async () => {
    const { report, shard1, shard2 } = await run(a, b);
    expect(report.completed).toBe(0);
    expect(report.errors).toEqual({ cross_shard_transaction: report.failed });
    expect(report.sharding).toMatchObject({ crossShardErrors: report.failed });
    expect(report.sharding!.twoPhaseCommits).toBeUndefined();
    expect([shard1, shard2]).toEqual([[], []]);
  });

  it('with TWOPC commits on both shards, the two phases two round trips to the slowest shard, deterministically', async () => {
    const two = await run(a, b, 'TWOPC');
    expect(two.report.failed).toBe(0);
    expect(two.report.completed).toBeGreaterThan(10);
    expect(two.report.sharding).toMatchObject({ crossShardErrors: 0, scatterQueries: 0 });
    // counted when routed: the request in flight at the end is one more
    expect(two.report.sharding!.twoPhaseCommits! - two.report.completed).toBe(1);
    expect([two.shard1, two.shard2]).toEqual([[a], [b]]);
    // the same statement with both keys on one shard: one round trip, no phases
    const one = await run(a, a2, 'TWOPC');
    expect(one.report.failed).toBe(0);
    expect(one.report.sharding!.twoPhaseCommits).toBe(0);
    expect(one.shard1).toEqual([a, a2].sort((x, y) => x - y));
    const extra = two.report.latencyMs.mean - one.report.latencyMs.mean;
    // two round trips, and the slower of two shards' runs instead of one shard's (under a millisecond here)
    expect(extra).toBeGreaterThan(4 * ONE_WAY_MS - 0.5);
    expect(extra).toBeLessThan(4 * ONE_WAY_MS + 1);
    const again = await run(a, b, 'TWOPC');
    const { wallSeconds: _w, realQueries: _r, ...first } = two.report;
    const { wallSeconds: _w2, realQueries: _r2, ...second } = again.report;
    expect(second).toEqual(first);
  });

  it("sends each statement of a transaction to its key's shard, a statement on no distributed table with the first", async () => {
    const { sim } = await run(a, b, 'TWOPC');
    const app = sim.nodes.get('app') as AppNode;
    const op = prepareOperation({
      name: 'move',
      weight: 1,
      sql: ['UPDATE users SET name = name WHERE id = $1', 'SELECT 1', 'UPDATE users SET name = name WHERE id = $2'],
      params: [{ dist: 'list', values: [1] }, { dist: 'list', values: [1] }],
    });
    const r = app.shards!.route({ id: 30_000, op, params: [b, a] });
    expect(r.kind).toBe('twopc');
    if (r.kind !== 'twopc') return;
    expect(r.shards).toEqual(['shard1', 'shard2']);
    expect(r.ops.map((o) => o.statements)).toEqual([[op.statements[1], op.statements[2]], [op.statements[0]]]);
    expect(app.explainRoute!("UPDATE users SET name = 'x' WHERE id IN (1, 2, 3, 4, 5)")).toMatchObject({ route: 'twopc', shards: ['shard1', 'shard2'] });
  });
});

describe('two-phase commit is atomic', () => {
  it('a part that fails fails the request with its error, and no shard nor replica keeps the other parts', async () => {
    const { report, named } = await run(a, b, 'TWOPC', { sql: failing(b), replicas: true });
    expect(report.completed).toBeGreaterThan(5);
    expect(report.errors).toEqual({ division_by_zero: report.failed });
    expect(report.failed).toBeGreaterThan(5);
    for (const node of ['shard1', 'shard2', 'replica1', 'replica2']) expect(await named(node, 'failed%')).toEqual([]);
    // what committed reached each shard's replica
    expect([await named('replica1', 'marked'), await named('replica2', 'marked')]).toEqual([[a], [b]]);
  });

  it("in the app's console: a two-shard write commits on both or on neither", async () => {
    const { sim, named } = await run(a, b, 'TWOPC');
    const bad = await sim.apply({ do: 'runSql', node: 'app', sql: `UPDATE users SET name = 'console' || (1 / (id - ${b}))::text WHERE id IN (${a}, ${b})` });
    expect(bad.error).toMatchObject({ code: 'division_by_zero' });
    const good = await sim.apply({ do: 'runSql', node: 'app', sql: `UPDATE users SET name = 'console' WHERE id IN (${a}, ${b}) RETURNING id` });
    expect(good.error).toBeUndefined();
    expect(good.rowCount).toBe(2);
    expect(good.rows.map((r) => Number(r[0])).sort((x, y) => x - y)).toEqual([a, b].sort((x, y) => x - y));
    expect([await named('shard1', 'console%'), await named('shard2', 'console%')]).toEqual([[a], [b]]);
  });
});
