/**
 * Data sets bigger than memory: a million real users (slow: set PG_LAB_SLOW=1 to run it; it loads in
 * four minutes on two busy cores, then the snapshot is cached), and the scale factor that stands for more
 * rows than the real ones.
 */
import { describe, expect, it } from 'vitest';
import type { PostgresSnapshot } from '../../sim/nodes/postgres/snapshot.ts';
import { scenario, startSim } from './harness.ts';

const withData = (data: Record<string, number>, sharedBuffers = '128MB') =>
  scenario({
    name: 'big',
    nodes: [
      { id: 'app', kind: 'app', settings: { instances: 1, pool_size: 4 } },
      { id: 'primary', kind: 'postgres', settings: { ram: '1GB', shared_buffers: sharedBuffers } },
    ],
    edges: [{ from: 'app', to: 'primary' }],
    workload: {
      clients: 4,
      think_time: '5ms',
      data,
      operations: [
        { name: 'get_user', weight: 99, sql: 'SELECT id, email, name FROM users WHERE id = $1', params: [{ dist: 'uniform', min: 1, max: data.users }] },
        { name: 'count_users', weight: 1, sql: 'SELECT count(*) FROM users', params: [] },
      ],
    },
  });

describe.skipIf(!process.env.PG_LAB_SLOW)('a million users (PG_LAB_SLOW=1)', () => {
  it('loads, and a uniform lookup over it misses a 16MB shared_buffers', async () => {
    const sim = await startSim(withData({ users: 1_000_000, orders_per_user: 0 }, '16MB'));
    const count = await sim.apply({ do: 'runSql', node: 'primary', sql: 'SELECT count(*) FROM users' });
    expect(Number(count.rows[0][0])).toBe(1_000_000);
    await sim.runUntil(1.05e6);
    const primary = sim.snapshot().nodes.find((n) => n.id === 'primary') as PostgresSnapshot;
    expect(primary.cacheHitRatio).toBeLessThan(0.9);
  }, 900_000);
});

describe('the data-set scale factor', () => {
  it('multiplies relation sizes for the cache and scans for the cost model, on top of the same real rows', async () => {
    const run = async (scale: number) => {
      const sim = await startSim(withData({ users: 20_000, orders_per_user: 0, scale }, '4MB'));
      await sim.runUntil(2.05e6);
      const top = await sim.apply({
        do: 'runSql',
        node: 'primary',
        sql: "SELECT mean_exec_time, shared_blks_hit + shared_blks_read FROM pg_stat_statements WHERE query LIKE 'SELECT count(*)%'",
      });
      const count = await sim.apply({ do: 'runSql', node: 'primary', sql: 'SELECT count(*) FROM users' });
      const ratio = await sim.apply({ do: 'runSql', node: 'primary', sql: 'SELECT blks_hit::float8 / (blks_hit + blks_read) FROM pg_stat_database WHERE datname = current_database()' });
      await sim.close();
      expect(Number(count.rows[0][0])).toBe(20_000); // the real rows
      return { scanMs: Number(top.rows[0][0]), scanBlocks: Number(top.rows[0][1]), hit: Number(ratio.rows[0][0]) };
    };
    const real = await run(1);
    const scaled = await run(50);
    expect(scaled.scanMs).toBeGreaterThan(real.scanMs * 10);
    expect(scaled.scanBlocks).toBeGreaterThan(real.scanBlocks * 10);
    expect(scaled.hit).toBeLessThan(real.hit - 0.1);
  }, 300_000);
});
