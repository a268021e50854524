/** The cost model reads real PostgreSQL plans (sim/nodes/postgres/costModel.ts). */
import { PGlite } from '@electric-sql/pglite';
import { expect, it } from 'vitest';
import { profileFromPlan } from '../../sim/nodes/postgres/costModel.ts';

it("counts a write's WAL records, which EXPLAIN (WAL) reports on the plan's nodes", { timeout: 60_000 }, async () => {
  const db = new PGlite();
  try {
    await db.exec('CREATE TABLE t (id int PRIMARY KEY, v text)');
    const explain = async (sql: string) =>
      profileFromPlan((await db.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (ANALYZE, BUFFERS, WAL, FORMAT JSON) ${sql}`)).rows[0]['QUERY PLAN'], 0, 0);
    const insert = await explain("INSERT INTO t SELECT g, 'x' FROM generate_series(1, 3) g");
    const select = await explain('SELECT * FROM t WHERE id = 2');
    // three heap inserts and three index inserts
    expect(insert.walRecords).toBeGreaterThanOrEqual(6);
    expect(select.walRecords).toBe(0);
  } finally {
    await db.close();
  }
});
