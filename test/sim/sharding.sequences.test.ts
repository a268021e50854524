/** A distributed table's serial id across shards: each shard's sequence interleaved at the split (real PGlite). */
import { describe, expect, it } from 'vitest';
import { scenario, startSim, hashWithSpareShard } from './harness.ts';

const NODES = ['shard1', 'shard2', 'shard3'];

describe("orders.id made by every shard's sequence", () => {
  it('never collide: inserts through the router on every shard, then a reshard that moves them', async () => {
    const s = hashWithSpareShard();
    s.sharding.strategy = { kind: 'modulo' };
    s.workload.clients = 8;
    // new orders only: each one an INSERT routed by its user_id
    s.workload.operations = s.workload.operations.filter((o: { name: string }) => o.name === 'place_order');
    const sim = await startSim(scenario(s));
    const ids = async () => {
      const all: number[] = [];
      for (const node of NODES) {
        const rows: number[] = JSON.parse(String((await sim.apply({ do: 'runSql', node, sql: "SELECT coalesce(json_agg(id), '[]')::text FROM orders WHERE id > 5000" })).rows[0][0]));
        // node i of the map's three (the spare included) made the ids ≡ i (mod 3)
        expect(rows.filter((id) => id % 3 !== NODES.indexOf(node)), node).toEqual([]);
        all.push(...rows);
      }
      return all;
    };
    await sim.runUntil(1e6);
    const before = await ids();
    expect(before.length).toBeGreaterThan(300);
    expect(new Set(before).size).toBe(before.length);
    expect((await sim.apply({ do: 'reshard', shards: NODES })).outcome).toBe('applied');
    await sim.runUntil(sim.now + 1e6);
    // the cutover moved the rows (a duplicate id would have stopped it: "reshard abandoned")
    expect(sim.shardFigures!.reshards).toHaveLength(1);
    const after: number[] = [];
    // every id in one row: the console shows a limited number of rows
    for (const node of NODES) after.push(...JSON.parse(String((await sim.apply({ do: 'runSql', node, sql: 'SELECT json_agg(id)::text FROM orders' })).rows[0][0])));
    expect(after.length).toBeGreaterThan(5000 + before.length);
    expect(new Set(after).size).toBe(after.length);
  });
});
