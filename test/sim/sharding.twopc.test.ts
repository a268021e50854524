/** transaction_mode TWOPC: a request over two shards commits on both, two round trips dearer (real PGlite). */
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

/** One client marking users `first` and `second` with one statement every millisecond after the last, for a second. */
function marking(first: number, second: number, mode?: 'TWOPC') {
  const s = structuredClone(hash) as unknown as Record<string, any>;
  if (mode) s.sharding.transaction_mode = mode;
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
    ],
  };
  s.run.duration = '1s';
  return scenario(s);
}

async function run(first: number, second: number, mode?: 'TWOPC') {
  const sim = await startSim(marking(first, second, mode));
  await sim.runUntil(1e6);
  const marked = async (shard: string) => (await sim.apply({ do: 'runSql', node: shard, sql: "SELECT id FROM users WHERE name = 'marked' ORDER BY id" })).rows.map((r) => Number(r[0]));
  return { report: buildReport(sim, [], 0), shard1: await marked('shard1'), shard2: await marked('shard2'), sim };
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
