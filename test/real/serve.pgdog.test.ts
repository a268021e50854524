/**
 * A real client on a sharded cluster (serve/): node-postgres connects to the wire server of a PgDog node in
 * front of two hash shards, and a read without a shard key gets the rows of both shards merged as one
 * PostgreSQL holding all the data would return them; one that cannot be merged correctly gets PgDog's 0A000.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Listening } from '../../serve/server.ts';
import { type Served, served } from './served.ts';

let server: Served;
let listening: Listening;

describe('npm run serve on PgDog', () => {
  beforeAll(async () => {
    server = await served('test/fixtures/serve-pgdog.json');
    ({ listening } = server);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  });

  it('a scatter read returns both shards\' rows merged; one that cannot be merged is refused', { timeout: 30_000 }, async () => {
    const c = new pg.Client({ host: '127.0.0.1', port: listening.ports.get('pgdog')!, user: 'app', database: 'postgres' });
    await c.connect();
    try {
      const shard1 = new pg.Client({ host: '127.0.0.1', port: listening.ports.get('shard1')!, user: 'app', database: 'postgres' });
      await shard1.connect();
      const own = Number((await shard1.query('SELECT count(*) AS n FROM users')).rows[0].n);
      await shard1.end();
      expect(own).toBeGreaterThan(0);
      expect(own).toBeLessThan(1000);
      expect((await c.query('SELECT count(*) AS n, max(id) AS top FROM users')).rows).toEqual([{ n: '1000', top: '1000' }]);
      // rows of both shards, in the order asked, cut at the LIMIT
      expect((await c.query('SELECT id FROM users ORDER BY id DESC LIMIT 3')).rows.map((r) => r.id)).toEqual(['1000', '999', '998']);
      await expect(c.query('SELECT region, count(*) FROM users GROUP BY region')).rejects.toMatchObject({ code: '0A000' });
      // a read with its key goes to its shard alone
      expect((await c.query('SELECT email FROM users WHERE id = $1', [5])).rows).toEqual([{ email: 'user5@example.com' }]);
    } finally {
      await c.end();
    }
  });
});
