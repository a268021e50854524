/** Sharding in a running simulation: the split at load, the app's routing, scatter-gather (real PGlite). */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../sim/index.ts';
import { keyOf } from '../../sim/sharding/keys.ts';
import { shardLocator } from '../../sim/sharding/shardMap.ts';
import { scenarioFile, startSim } from './harness.ts';

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
