/** Resharding a running simulation: the plan, the rows really moved between PGlite shards while traffic goes on, the report. */
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../sim/report.ts';
import { citusShardIndex } from '../../sim/sharding/hashStrategies.ts';
import { keyOf } from '../../sim/sharding/keys.ts';
import { hashKey } from '../../sim/sharding/pgHash.ts';
import { reshardMoves, reshardTo, type ShardMap, type ShardRule, shardLocator } from '../../sim/sharding/shardMap.ts';
import { scenario, startSim, hashWithSpareShard } from './harness.ts';

/** The hash scenario with a modulo map on shard1 and shard2, and shard3 as a spare the app already reaches. */
function withSpare(strategy: ShardMap['strategy']) {
  const s = hashWithSpareShard();
  s.sharding.strategy = strategy;
  s.workload.clients = 8;
  // no new orders: a key's rows stay one user and its five orders, as the plan's figures below count
  s.workload.operations = s.workload.operations.filter((o: { name: string }) => o.name !== 'place_order');
  return scenario(s);
}

describe('virtual shards', () => {
  it('move only whole virtual shards on a reshard: every key of a virtual shard moves, or none does', () => {
    const from: ShardRule = { key_type: 'bigint', shards: ['shard1', 'shard2'], strategy: { kind: 'virtual_shards', shard_count: 32 } };
    const keys = Array.from({ length: 5000 }, (_, i) => keyOf('bigint', i + 1));
    const m = reshardMoves(from, reshardTo(from, ['shard1', 'shard2', 'shard3'])!, keys);
    const movedShards = new Set(m.moved.map((k) => citusShardIndex(hashKey('bigint', k), 32)));
    for (const k of keys) expect(m.moved.includes(k)).toBe(movedShards.has(citusShardIndex(hashKey('bigint', k), 32)));
    // 32 virtual shards on 3 nodes: 10 or 11 each, so the new node takes 10 whole virtual shards
    expect(movedShards.size).toBe(10);
    expect(Object.keys(m.flows).every((f) => f.endsWith('->shard3'))).toBe(true);
  });
});

describe('a reshard of a running simulation', () => {
  it('modulo 2 -> 3: the plan moves about 2/3 of the keys; after the cutover every shard holds exactly its rows, traffic went on, the report counts the rows moved', async () => {
    const s = withSpare({ kind: 'modulo' });
    const sim = await startSim(s);
    const spare = await sim.apply({ do: 'runSql', node: 'shard3', sql: 'SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM orders)' });
    expect(spare.rows).toEqual([[0, 0]]);
    await sim.runUntil(1.2e6);
    // the plan a person sees first changes nothing, and compares the hash strategies on the same keys and rows
    const preview = await sim.reshardPlan(['shard1', 'shard2', 'shard3']);
    expect(sim.shardFigures!.reshards).toHaveLength(0);
    expect(preview.moves.every((m) => !('keys' in m))).toBe(true);
    const { modulo, consistent_hash: ring, virtual_shards: citus } = preview.compare;
    expect(modulo.movedKeys).toBe(preview.movedKeys);
    expect(ring.movedKeys).toBeLessThan(modulo.movedKeys * 0.65);
    expect(citus.movedKeys).toBeLessThan(modulo.movedKeys * 0.65);
    for (const c of [modulo, ring, citus]) expect(c.rows).toBe(c.movedKeys * 6);
    const r = await sim.apply({ do: 'reshard', shards: ['shard1', 'shard2', 'shard3'] });
    expect(r.outcome).toBe('applied');
    const started = sim.now;
    await sim.runUntil(started + 1e6);
    const f = sim.shardFigures!;
    expect(f.reshards).toHaveLength(1);
    const plan = f.reshards[0];
    expect(plan.keys).toBe(1000);
    expect(plan.movedKeys / plan.keys).toBeGreaterThan(0.6);
    expect(plan.movedKeys / plan.keys).toBeLessThan(0.73);
    expect([plan.movedKeys, plan.rows, plan.bytes]).toEqual([preview.movedKeys, preview.rows, preview.bytes]);
    expect(plan.copyUs).toBeGreaterThan(0);
    const report = buildReport(sim, [], 0);
    expect(report.sharding!.rowsMoved).toBe(plan.rows);
    expect(report.sharding!.bytesMoved).toBe(plan.bytes);
    expect(plan.rows).toBe(plan.movedKeys * 6);
    // traffic went on through the copy and after the switch, on all three shards
    expect(report.completed).toBeGreaterThan(500);
    expect(report.failed).toBeLessThan(5);
    expect(report.sharding!.shards.shard3.requests).toBeGreaterThan(50);
    // the skew figures: the spare ran nothing in the first second, before the reshard, and its share after the cutover
    const series = report.timeSeries;
    expect(series[0].shards!.shard3).toBe(0);
    expect(series[0].shards!.shard1 + series[0].shards!.shard2).toBeGreaterThan(100);
    expect(series.at(-2)!.shards!.shard3).toBeGreaterThan(series.at(-2)!.shards!.shard1 / 3);
    const locate = shardLocator({ ...s.sharding!, shards: ['shard1', 'shard2', 'shard3'] });
    let users = 0;
    for (const shard of ['shard1', 'shard2', 'shard3']) {
      const ids = (await sim.apply({ do: 'runSql', node: shard, sql: 'SELECT id FROM users ORDER BY id' })).rows.map((x) => String(x[0]));
      for (const id of ids) expect(locate(keyOf('bigint', id)).shard).toBe(shard);
      users += ids.length;
      const owners = await sim.apply({ do: 'runSql', node: shard, sql: 'SELECT DISTINCT user_id FROM orders' });
      for (const [id] of owners.rows) expect(locate(keyOf('bigint', id as number)).shard).toBe(shard);
    }
    expect(users).toBe(1000);
    let orders = 0;
    for (const shard of ['shard1', 'shard2', 'shard3']) orders += Number((await sim.apply({ do: 'runSql', node: shard, sql: 'SELECT count(*) FROM orders' })).rows[0][0]);
    expect(orders).toBe(5000);
    expect(sim.restartScenario.sharding!.shards).toEqual(['shard1', 'shard2', 'shard3']);
  });
});
