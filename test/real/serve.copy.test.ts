/**
 * COPY over the wire (serve/): the real psql's `COPY ... FROM STDIN` with inline data and `\copy` from a
 * file (text and CSV), `COPY ... TO STDOUT` of a table and of a query, as PostgreSQL answers them; the
 * copied rows on the streaming replica; CopyFail (node-postgres sends one for a COPY it has no stream
 * for) as PostgreSQL's 57014, inside a block as the block's error; COPY to or from a server file or a
 * program as the ordinary role's 42501; over the extended protocol too (node-postgres with a named statement).
 * Skipped where psql is not installed (CI installs it: .ci/run).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { env, PSQL, run, type Served, served } from './served.ts';

let server: Served;
let dir: string;
const port = (node: string) => server.listening.ports.get(node)!;
const psql = (args: string[], input?: string) =>
  run(PSQL, ['-X', '-h', '127.0.0.1', '-p', String(port('pgbouncer')), '-U', 'app', '-At', '-v', 'ON_ERROR_STOP=1', ...args, 'appdb'], { env, timeout: 20_000, ...(input ? { input } : {}) });
const client = async (node = 'pgbouncer') => {
  const c = new pg.Client({ host: '127.0.0.1', port: port(node), user: 'app', database: 'appdb', application_name: 'copy' });
  await c.connect();
  return c;
};
/** PgBouncer's SHOW STATS total_query_count for appdb: what went through the pooler. */
const pooledQueries = async () => {
  const admin = new pg.Client({ host: '127.0.0.1', port: port('pgbouncer'), user: 'app', database: 'pgbouncer' });
  await admin.connect();
  try {
    return Number((await admin.query('SHOW STATS')).rows.find((r) => r.database === 'appdb')?.total_query_count ?? 0);
  } finally {
    await admin.end();
  }
};
const emails = async (c: pg.Client, like: string) => (await c.query('SELECT email FROM users WHERE email LIKE $1 ORDER BY id', [like])).rows.map((r) => r.email);

describe.skipIf(!existsSync(PSQL))('COPY over the wire', () => {
  beforeAll(async () => {
    server = await served('test/fixtures/serve-copy.json');
    dir = mkdtempSync(join(tmpdir(), 'pg-lab-copy-'));
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('psql copies rows in (inline data, \\copy of a CSV file) and out (a table, a query); the replica gets them', { timeout: 30_000 }, async () => {
    writeFileSync(join(dir, 'users.csv'), 'id,email,name,region\n300003,copy-c@example.com,"C, the third",apac\n');
    writeFileSync(
      join(dir, 'copy.sql'),
      [
        'COPY users (id, email, name, region) FROM STDIN;',
        '300001\tcopy-a@example.com\tA\teu',
        '300002\tcopy-b@example.com\tB\tus',
        '\\.',
        `\\copy users (id, email, name, region) FROM '${join(dir, 'users.csv')}' WITH (FORMAT csv, HEADER)`,
        "COPY (SELECT id, name FROM users WHERE email LIKE 'copy-%' ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER);",
        'COPY users (id, region) TO STDOUT;',
        '',
      ].join('\n'),
    );
    const before = await pooledQueries();
    const out = (await psql(['-f', join(dir, 'copy.sql')])).stdout;
    // each COPY went through the pooler as a statement (no other client runs)
    expect((await pooledQueries()) - before).toBe(4);
    expect(out.startsWith('COPY 2\nCOPY 1\nid,name\n300001,A\n300002,B\n300003,"C, the third"\n')).toBe(true);
    // the whole table, the copied rows with the loaded ones
    expect(out.split('\n')).toEqual(expect.arrayContaining(['1\teu', '1000\teu', '300003\tapac']));

    // statement shipping: the standby replays each COPY with its data
    const replica = await client('replica');
    try {
      for (let i = 0; (await emails(replica, 'copy-%')).length < 3 && i < 500; i++) await new Promise((r) => setTimeout(r, 20));
      expect(await emails(replica, 'copy-%')).toEqual(['copy-a@example.com', 'copy-b@example.com', 'copy-c@example.com']);
    } finally {
      await replica.end();
    }
  });

  it('a COPY in a block is the block\'s: seen by its later statements, committed or rolled back with it', { timeout: 30_000 }, async () => {
    const block = (end: string, id: number) =>
      `BEGIN;\nCOPY users (id, email, name, region) FROM STDIN;\n${id}\tblock-${end.toLowerCase()}@example.com\tB\teu\n\\.\nSELECT count(*) FROM users WHERE email LIKE 'block-%';\n${end};\n`;
    writeFileSync(join(dir, 'blocks.sql'), block('ROLLBACK', 300010) + block('COMMIT', 300011));
    expect((await psql(['-f', join(dir, 'blocks.sql')])).stdout.trim().split('\n')).toEqual(['BEGIN', 'COPY 1', '1', 'ROLLBACK', 'BEGIN', 'COPY 1', '1', 'COMMIT']);
    const c = await client();
    try {
      expect(await emails(c, 'block-%')).toEqual(['block-commit@example.com']);
    } finally {
      await c.end();
    }
  });

  it('CopyFail is 57014 (in a block: the block is aborted); bad data is its own error; a server file or program is 42501', { timeout: 30_000 }, async () => {
    const c = await client();
    try {
      // node-postgres without a stream answers CopyInResponse with CopyFail
      await expect(c.query('COPY users FROM STDIN')).rejects.toMatchObject({ code: '57014', message: 'COPY from stdin failed: No source stream defined' });
      // the extended protocol: the COPY starts at its Execute (its Describe is NoData), and the connection goes on after it
      await expect(c.query({ name: 'copy-in', text: 'COPY users FROM STDIN' })).rejects.toMatchObject({ code: '57014' });
      const { n } = (await c.query('SELECT count(*)::int AS n FROM users')).rows[0];
      expect(await c.query({ name: 'copy-out', text: 'COPY users (id) TO STDOUT' })).toMatchObject({ command: 'COPY', rowCount: n });
      await c.query('BEGIN');
      await expect(c.query('COPY users FROM STDIN')).rejects.toMatchObject({ code: '57014' });
      await expect(c.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' });
      expect((await c.query('COMMIT')).command).toBe('ROLLBACK');
      await expect(c.query("COPY users TO '/tmp/users.txt'")).rejects.toMatchObject({ code: '42501' });
      await expect(c.query("COPY users FROM '/etc/passwd'")).rejects.toMatchObject({ code: '42501' });
      await expect(c.query("COPY users TO PROGRAM 'cat'")).rejects.toMatchObject({ code: '42501', message: 'permission denied to COPY to or from an external program' });
      expect((await c.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await c.end();
    }
    writeFileSync(join(dir, 'bad.sql'), 'COPY users (id, email, name, region) FROM STDIN;\nnot-a-number\tx@example.com\tX\teu\n\\.\n');
    const bad = await psql(['-f', join(dir, 'bad.sql')]).catch((e: { stderr: string }) => e);
    expect(bad.stderr).toMatch(/invalid input syntax for type bigint: "not-a-number"/);
  });
});
