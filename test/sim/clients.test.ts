/** Clients that come and go: think time distributions, pgbench's -t, -C and -T, a session pooler's servers freed. */
import { describe, expect, it } from 'vitest';
import { TestSim } from './TestSim.ts';

describe('think_time_dist', () => {
  const requests = async (think_time_dist: 'exponential' | 'constant' | 'none', seed = 1) => {
    const t = await TestSim.start('app -> primary', { seed, latency: '0.5ms', workload: { clients: 4, think_time: '10ms', think_time_dist } });
    await t.advance('1s');
    return t.sim.metrics.completed;
  };

  it('constant pauses exactly think_time: each client runs a fixed cycle of a round trip plus 10 ms', async () => {
    const constant = await requests('constant');
    // 4 clients, a cycle of 10 ms plus one to four round trips: 80 to 100 requests each in a second
    expect(constant).toBeGreaterThan(4 * 80);
    expect(constant).toBeLessThanOrEqual(4 * 100);
  });

  it('none ignores think_time and sends the next request at once', async () => {
    expect(await requests('none')).toBeGreaterThan(5 * (await requests('constant')));
  });

  it('exponential (the default) is seeded: the same seed gives the same run, another seed another', async () => {
    const a = await requests('exponential');
    expect(await requests('exponential')).toBe(a);
    expect(await requests('exponential', 2)).not.toBe(a);
  });
});

type Row = Record<string, unknown>;
async function show(t: TestSim, what: string): Promise<Row[]> {
  const r = await t.sql('pgbouncer', `SHOW ${what}`);
  if (r.error) throw new Error(r.error.message);
  return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]])));
}
const pool = async (t: TestSim) => (await show(t, 'POOLS')).find((r) => r.database !== 'pgbouncer')!;

describe('pgbench-style clients on real PGlite', () => {
  const pooler = (pool_mode: string, workload: object) =>
    TestSim.start('app -> pgbouncer -> primary', {
      engine: 'pglite',
      latency: '0.5ms',
      settings: { pgbouncer: { pool_mode, default_pool_size: 10 } },
      workload: { clients: 4, think_time: '5ms', data: { users: 50, orders_per_user: 1 }, operations: [{ name: 'q', sql: 'SELECT 1', params: [] }], ...workload },
    });

  it('session mode: clients holding their own connection free their servers when -T ends; the app pool keeps them', async () => {
    const own = await pooler('session', { connect: 'per_client', duration: '1s' });
    await own.advance('500ms');
    expect(await pool(own)).toMatchObject({ cl_active: 4, sv_active: 4 });
    await own.advance('1s');
    const after = await pool(own);
    expect(after).toMatchObject({ cl_active: 0, sv_active: 0 });
    expect(Number(after.sv_idle) + Number(after.sv_used)).toBe(4);

    // the same clients through the app's pool: they leave, the app's connections (and their servers) stay
    const pooled = await pooler('session', { duration: '1s' });
    await pooled.advance('1500ms');
    expect(await pool(pooled)).toMatchObject({ cl_active: 4, sv_active: 4 });
  });

  it('-t: each client runs exactly its transactions, then leaves', async () => {
    const t = await pooler('transaction', { clients: 3, transactions: 5, connect: 'per_client' });
    await t.advance('2s');
    expect(t.sim.metrics.completed).toBe(15);
    expect(t.sim.metrics.failed).toBe(0);
    expect(await show(t, 'CLIENTS')).toEqual([]);
    expect((await show(t, 'STATS')).find((r) => r.database !== 'pgbouncer')).toMatchObject({ total_xact_count: 15 });
  });

  it('-C: a new login at the pooler for every transaction, against one per client', async () => {
    const logins = async (connect: string) => {
      const t = await pooler('transaction', { clients: 2, transactions: 5, think_time: '10ms', think_time_dist: 'constant', connect });
      const ids = new Set<unknown>();
      for (let ms = 0; ms < 200; ms++) {
        await t.advance('1ms');
        for (const c of await show(t, 'CLIENTS')) ids.add(c.id);
      }
      expect(t.sim.metrics.completed).toBe(10);
      return ids.size;
    };
    expect(await logins('per_transaction')).toBe(10);
    expect(await logins('per_client')).toBe(2);
  });
});
