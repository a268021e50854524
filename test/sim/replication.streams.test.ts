/** One stream per primary, on real PGlite: two primaries, each with a replica, each replica has exactly its own primary's rows. */
import { describe, expect, it } from 'vitest';
import type { Simulation } from '../../sim/index.ts';
import { scenario, startSim } from './harness.ts';

/** app1 -> p1 -> r1 and app2 -> p2 -> r2: two clusters in one scenario; every operation writes. */
const twoClusters = () =>
  scenario({
    name: 'two primaries',
    nodes: [
      { id: 'app1', kind: 'app', settings: { instances: 1, pool_size: 4 } },
      { id: 'app2', kind: 'app', settings: { instances: 1, pool_size: 4 } },
      { id: 'p1', kind: 'postgres', settings: {} },
      { id: 'p2', kind: 'postgres', settings: {} },
      { id: 'r1', kind: 'postgres', settings: {} },
      { id: 'r2', kind: 'postgres', settings: {} },
    ],
    edges: [
      { from: 'app1', to: 'p1', latency: '0.5ms' },
      { from: 'app2', to: 'p2', latency: '0.5ms' },
      { from: 'p1', to: 'r1', latency: '5ms' },
      { from: 'p2', to: 'r2', latency: '5ms' },
    ],
    workload: {
      mode: 'closed',
      clients: 8,
      think_time: '5ms',
      data: { users: 200, orders_per_user: 2 },
      operations: [
        {
          name: 'place_order',
          weight: 1,
          sql: 'INSERT INTO orders (user_id, amount) VALUES ($1, $2)',
          params: [
            { dist: 'uniform', min: 1, max: 200, integer: true },
            { dist: 'uniform', min: 1, max: 500, integer: false },
          ],
        },
      ],
    },
    run: { seed: 21, duration: '2s' },
  });

/**
 * A node's orders: how many, and a digest of their contents in insertion order (not their ids: the
 * primary's profiling of the INSERT takes a sequence value its replica never takes, so new ids are shifted).
 */
const orders = async (sim: Simulation, node: string) =>
  (await sim.apply({ do: 'runSql', node: node, sql: "SELECT count(*), md5(string_agg(user_id || ':' || amount, ',' ORDER BY id)) FROM orders" })).rows[0];

describe('a stream per primary', () => {
  it('each replica replays only its own primary: same orders, its marker row only, its standby only in pg_stat_replication, traffic on its edge only', async () => {
    const sim = await startSim(twoClusters());
    const places = new Set<string>();
    for (let t = 0.1e6; t <= 1e6; t += 0.1e6) {
      await sim.runUntil(t);
      for (const r of sim.snapshot(1000).inFlight) if (r.op.startsWith('wal:')) places.add(`${r.at} ${r.id < 0 ? 'stream id' : 'request id'}`);
    }
    // console writes on each primary, shipped to its replica alone
    expect((await sim.apply({ do: 'runSql', node: 'p1', sql: "INSERT INTO users VALUES (9001, 'p1@example.com', 'from p1', 'eu')" })).error).toBeUndefined();
    expect((await sim.apply({ do: 'runSql', node: 'p2', sql: "INSERT INTO users VALUES (9002, 'p2@example.com', 'from p2', 'us')" })).error).toBeUndefined();
    await sim.apply({ do: 'stopWorkload' });
    await sim.runUntil(1.5e6);

    const [p1, p2, r1, r2] = [await orders(sim, 'p1'), await orders(sim, 'p2'), await orders(sim, 'r1'), await orders(sim, 'r2')];
    // both primaries wrote, and not the same rows: a replica holding both would differ from either
    expect(Number(p1[0])).toBeGreaterThan(400 + 50);
    expect(Number(p2[0])).toBeGreaterThan(400 + 50);
    expect(p1[1]).not.toBe(p2[1]);
    expect(r1).toEqual(p1);
    expect(r2).toEqual(p2);
    const markers = async (node: string) => (await sim.apply({ do: 'runSql', node: node, sql: 'SELECT name FROM users WHERE id > 9000 ORDER BY id' })).rows;
    expect(await markers('r1')).toEqual([['from p1']]);
    expect(await markers('r2')).toEqual([['from p2']]);

    expect((await sim.apply({ do: 'runSql', node: 'p1', sql: 'SELECT application_name, state FROM pg_stat_replication' })).rows).toEqual([['r1', 'streaming']]);
    expect((await sim.apply({ do: 'runSql', node: 'p2', sql: 'SELECT application_name, state FROM pg_stat_replication' })).rows).toEqual([['r2', 'streaming']]);
    expect((await sim.apply({ do: 'runSql', node: 'r2', sql: 'SELECT sender_host FROM pg_stat_wal_receiver' })).rows).toEqual([['p2']]);

    // the records on the wire were drawn on each cluster's own replication edge, with ids apart from the requests'
    expect([...places].sort()).toEqual(['p1->r1 stream id', 'p2->r2 stream id']);
    // and every one of them arrived: nothing of the streams is left in flight
    expect([...sim.snapshot(1000).inFlight].filter((r) => r.op.startsWith('wal:'))).toEqual([]);
    await sim.close();
  });
});
