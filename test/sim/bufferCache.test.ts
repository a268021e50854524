/** The buffer cache by access pattern: the model alone, then on real PGlite rows through the statistics views. */
import { describe, expect, it } from 'vitest';
import { BufferCache } from '../../sim/nodes/postgres/bufferCache.ts';
import { scenario, startSim } from './harness.ts';

const ZIPF = { kind: 'zipf', s: 1, n: 1_000_000 } as const;
const UNIFORM = { kind: 'uniform' } as const;
/** A lookup: one heap page and one leaf by the key, two upper-level index pages. */
const lookup = [
  { relation: 'users', placement: 'key', pages: 1, sequential: false },
  { relation: 'users_pkey', placement: 'key', pages: 1, sequential: false },
  { relation: 'users_pkey', placement: 'upper', pages: 2, sequential: false },
] as const;
const sizes = new Map([
  ['users', 20_000],
  ['users_pkey', 3_000],
]);

function ratio(cache: BufferCache, skew: typeof ZIPF | typeof UNIFORM): { shared: number; any: number } {
  cache.record(lookup, skew);
  let shared = 0;
  let any = 0;
  for (const a of lookup) {
    const h = cache.hits(a, skew);
    shared += h.sharedBuffers * a.pages;
    any += h.anyCache * a.pages;
  }
  return { shared: shared / 4, any: any / 4 };
}

describe('BufferCache (Che approximation of LRU)', () => {
  it('a working set that fits is all hits; the hit ratio grows with shared_buffers, and zipf beats uniform', () => {
    expect(ratio(new BufferCache(sizes, 30_000, 0), UNIFORM).shared).toBe(1);
    const at = (pages: number, skew: typeof ZIPF | typeof UNIFORM) => ratio(new BufferCache(sizes, pages, 0), skew).shared;
    const uniform = [1000, 4000, 16000].map((p) => at(p, UNIFORM));
    const zipf = [1000, 4000, 16000].map((p) => at(p, ZIPF));
    expect(uniform[0]).toBeLessThan(uniform[1]);
    expect(uniform[1]).toBeLessThan(uniform[2]);
    expect(zipf[0]).toBeLessThan(zipf[1]);
    for (let i = 0; i < 3; i++) expect(zipf[i]).toBeGreaterThan(uniform[i] + (i < 2 ? 0.2 : 0.05));
    // upper levels (half the accesses) always fit; a uniform heap and leaf of 23,000 pages in 1,000 do not
    expect(uniform[0]).toBeLessThan(0.6);
  });

  it('the OS page cache catches what shared_buffers misses; a cold cache warms up as pages are read', () => {
    const warm = ratio(new BufferCache(sizes, 1000, 30_000), UNIFORM);
    expect(warm.shared).toBeLessThan(0.6);
    expect(warm.any).toBe(1);
    const cache = new BufferCache(sizes, 1000, 30_000);
    ratio(cache, ZIPF);
    cache.cold(true);
    const first = ratio(cache, ZIPF).shared;
    for (let i = 0; i < 2000; i++) cache.record(lookup, ZIPF);
    const later = ratio(cache, ZIPF).shared;
    // only the few upper-level pages the first accesses read are there
    expect(first).toBeLessThan(0.2);
    expect(later).toBeGreaterThan(first + 0.3);
  });
});

const HIT_RATIO = 'SELECT blks_hit::float8 / nullif(blks_hit + blks_read, 0) FROM pg_stat_database WHERE datname = current_database()';
const TABLE_RATIO = "SELECT heap_blks_hit::float8 / nullif(heap_blks_hit + heap_blks_read, 0), idx_blks_hit + idx_blks_read > 0 FROM pg_statio_user_tables WHERE relname = 'users'";

describe('Buffer cache on real PGlite rows', () => {
  const run = async (sharedBuffers: string, dist: 'zipf' | 'uniform') => {
    const sim = await startSim(
      scenario({
        name: 'cache',
        nodes: [
          { id: 'app', kind: 'app', settings: { instances: 1, pool_size: 8 } },
          { id: 'primary', kind: 'postgres', settings: { ram: '512MB', shared_buffers: sharedBuffers } },
        ],
        edges: [{ from: 'app', to: 'primary' }],
        workload: {
          clients: 8,
          think_time: '1ms',
          data: { users: 100_000, orders_per_user: 0 },
          operations: [{ name: 'get_user', sql: 'SELECT id, email, name FROM users WHERE id = $1', params: [{ dist, min: 1, max: 100_000 }] }],
        },
      }),
    );
    await sim.runUntil(1.5e6);
    const db = await sim.apply({ do: 'runSql', node: 'primary', sql: HIT_RATIO });
    const table = await sim.apply({ do: 'runSql', node: 'primary', sql: TABLE_RATIO });
    const top = await sim.apply({ do: 'runSql', node: 'primary', sql: 'SELECT query, calls, rows, shared_blks_hit, shared_blks_read FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 1' });
    await sim.close();
    expect(db.error).toBeUndefined();
    expect(table.rows[0][1]).toBe(true);
    expect(top.rows[0][0]).toContain('FROM users WHERE id = $1');
    expect(Number(top.rows[0][1])).toBeGreaterThan(1000);
    expect(Number(top.rows[0][2])).toBe(Number(top.rows[0][1])); // one row a call
    return { db: Number(db.rows[0][0]), table: Number(table.rows[0][0]) };
  };

  it('the usual hit-ratio queries grow with shared_buffers and are higher for zipf than uniform access', async () => {
    const small = await run('512kB', 'uniform');
    const big = await run('8MB', 'uniform');
    const smallZipf = await run('512kB', 'zipf');
    expect(big.db).toBeGreaterThan(small.db + 0.1);
    expect(big.table).toBeGreaterThan(small.table + 0.1);
    expect(smallZipf.db).toBeGreaterThan(small.db + 0.1);
    expect(smallZipf.table).toBeGreaterThan(small.table + 0.1);
  }, 300_000);
});

/** pg_buffercache_summary(), and the same totals counted from the view and from pg_buffercache_usage_counts(). */
const SUMMARY = `SELECT s.buffers_used, s.buffers_unused, s.buffers_dirty, s.buffers_pinned, s.usagecount_avg,
  v.n, v.used, v.dirty, u.n, u.dirty, u.pinned, u.levels
FROM pg_buffercache_summary() s,
  (SELECT count(*) AS n, count(relfilenode) AS used, count(*) FILTER (WHERE isdirty) AS dirty FROM pg_buffercache) v,
  (SELECT sum(buffers) AS n, sum(dirty) AS dirty, sum(pinned) AS pinned, count(*) AS levels FROM pg_buffercache_usage_counts()) u`;
/** The classic "which relations occupy shared_buffers" query on the pg_buffercache view, verbatim. */
const BY_RELATION = `SELECT n.nspname, c.relname, count(*) AS buffers
FROM pg_buffercache b JOIN pg_class c
  ON b.relfilenode = pg_relation_filenode(c.oid)
  AND b.reldatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
JOIN pg_namespace n ON n.oid = c.relnamespace
GROUP BY n.nspname, c.relname
ORDER BY 3 DESC
LIMIT 10`;

describe('pg_buffercache on real PGlite rows, from the model', () => {
  it('shows the working set filling shared_buffers, which a restart empties and the workload fills again', async () => {
    const sim = await startSim(
      scenario({
        name: 'buffercache',
        nodes: [
          { id: 'app', kind: 'app', settings: { instances: 1, pool_size: 4 } },
          { id: 'primary', kind: 'postgres', settings: { ram: '512MB', shared_buffers: '64MB' } },
        ],
        edges: [{ from: 'app', to: 'primary' }],
        workload: {
          clients: 4,
          think_time: '2ms',
          data: { users: 20_000, orders_per_user: 0 },
          operations: [
            { name: 'get_user', weight: 9, sql: 'SELECT id, email, name FROM users WHERE id = $1', params: [{ dist: 'zipf', min: 1, max: 20_000 }] },
            { name: 'touch_user', weight: 1, sql: 'UPDATE users SET name = name WHERE id = $1', params: [{ dist: 'zipf', min: 1, max: 20_000 }] },
          ],
        },
      }),
    );
    const sql = async (q: string) => {
      const r = await sim.apply({ do: 'runSql', node: 'primary', sql: q });
      expect(r.error).toBeUndefined();
      return r.rows;
    };
    const summary = async (nbuffers: number) => {
      const [[used, unused, dirty, pinned, avg, ...totals]] = (await sql(SUMMARY)).map((row) => row.map(Number));
      // every buffer once in the view and in the usage counts (0 to 5), which agree with the summary
      expect(totals).toEqual([nbuffers, used, dirty, nbuffers, dirty, pinned, 6]);
      expect(used + unused).toBe(nbuffers);
      return { used, dirty, avg };
    };
    // shared_buffers 64MB: 8192 buffers. The data set fits: its pages are all there, at the clock sweep's
    // top usage count (it never runs); the updates dirtied some
    await sim.runUntil(1e6);
    const warm = await summary(8192);
    expect(warm.used).toBeGreaterThan(100);
    expect(warm.used).toBeLessThan(4000);
    expect(warm.avg).toBe(5);
    expect(warm.dirty).toBeGreaterThan(0);
    expect(warm.dirty).toBeLessThan(warm.used);
    const relations = await sql(BY_RELATION);
    expect(relations.map((r) => r.slice(0, 2))).toEqual([
      ['public', 'users'],
      ['public', 'users_pkey'],
    ]);
    expect(Number(relations[0][2]) + Number(relations[1][2])).toBe(warm.used);

    // a smaller shared_buffers is a restart: empty at first, then full as the workload reads its pages back,
    // with the clock sweep running: the cold pages sit at low usage counts
    await sim.apply({ do: 'setNodeSetting', node: 'primary', name: 'shared_buffers', value: '1MB' });
    await sim.runUntil(3.01e6);
    expect((await summary(128)).used).toBeLessThan(40);
    await sim.runUntil(5e6);
    const full = await summary(128);
    expect(full.used).toBeGreaterThan(120);
    expect(full.avg).toBeGreaterThan(1);
    expect(full.avg).toBeLessThan(5);
  }, 120_000);
});
