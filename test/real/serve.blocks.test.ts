/**
 * Transaction blocks of real clients (serve/, sim/nodes/postgres/TxBlock.ts) as PostgreSQL runs them:
 * savepoints (an ORM's nested block, psql's ON_ERROR_ROLLBACK), START TRANSACTION READ ONLY and ISOLATION
 * LEVEL, SET TRANSACTION as a block's first statement, and the cap on a block's statements (psql -1 loading
 * a file), with PostgreSQL's SQLSTATEs. COPY in a block: serve.copy.test.ts.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BLOCK_STATEMENTS } from '../../sim/nodes/postgres/TxBlock.ts';
import { type Served, served } from './served.ts';

const run = promisify(execFile);
const PSQL = '/usr/bin/psql';
const env = { ...process.env, PGCONNECT_TIMEOUT: '10', PGOPTIONS: '' };

let server: Served;
let c: pg.Client;
const port = () => server.listening.ports.get('pgbouncer')!;
const emails = async (like: string) => (await c.query('SELECT email FROM users WHERE email LIKE $1 ORDER BY email', [like])).rows.map((r) => r.email);
const insert = (id: number, email: string) => c.query("INSERT INTO users (id, email, name, region) VALUES ($1, $2, 'b', 'eu')", [id, email]);

describe('transaction blocks over the wire', () => {
  beforeAll(async () => {
    server = await served('test/fixtures/serve.json');
    c = new pg.Client({ host: '127.0.0.1', port: port(), user: 'app', database: 'appdb', application_name: 'blocks' });
    await c.connect();
  }, 60_000);

  afterAll(async () => {
    await c?.end();
    await server?.close();
  });

  it('ROLLBACK TO SAVEPOINT undoes what followed it and ends the error; RELEASE keeps it; COMMIT keeps the rest', { timeout: 30_000 }, async () => {
    await c.query('BEGIN');
    await insert(200001, 'sp-a@example.com');
    await c.query('SAVEPOINT s1');
    await insert(200002, 'sp-undone@example.com');
    await expect(insert(200001, 'sp-duplicate@example.com')).rejects.toMatchObject({ code: '23505' });
    await expect(c.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' });
    await c.query('ROLLBACK TO SAVEPOINT s1');
    expect(await emails('sp-%')).toEqual(['sp-a@example.com']);
    await c.query('SAVEPOINT s2');
    await insert(200003, 'sp-b@example.com');
    await c.query('RELEASE SAVEPOINT s2');
    await expect(c.query('ROLLBACK TO SAVEPOINT s2')).rejects.toMatchObject({ code: '3B001', message: 'savepoint "s2" does not exist' });
    await c.query('ROLLBACK TO s1');
    await insert(200004, 'sp-c@example.com');
    expect((await c.query('COMMIT')).command).toBe('COMMIT');
    expect(await emails('sp-%')).toEqual(['sp-a@example.com', 'sp-c@example.com']);
  });

  it('START TRANSACTION READ ONLY refuses writes with 25006; ISOLATION LEVEL is the block\'s', { timeout: 30_000 }, async () => {
    await c.query('START TRANSACTION READ ONLY');
    expect((await c.query('SHOW transaction_read_only')).rows).toEqual([{ transaction_read_only: 'on' }]);
    await expect(insert(200010, 'ro@example.com')).rejects.toMatchObject({ code: '25006', message: 'cannot execute INSERT in a read-only transaction' });
    expect((await c.query('ROLLBACK')).command).toBe('ROLLBACK');
    await c.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
    expect((await c.query('SHOW transaction_isolation')).rows).toEqual([{ transaction_isolation: 'serializable' }]);
    await insert(200011, 'serializable@example.com');
    await c.query('COMMIT');
    expect(await emails('serializable@%')).toEqual(['serializable@example.com']);
    // the next block is a plain one again
    await c.query('BEGIN');
    expect((await c.query('SHOW transaction_isolation')).rows).toEqual([{ transaction_isolation: 'read committed' }]);
    await c.query('ROLLBACK');
  });

  it('SET TRANSACTION as a block\'s first statement sets its modes; after a query it is PostgreSQL\'s 25001', { timeout: 30_000 }, async () => {
    await c.query('BEGIN');
    expect((await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ')).command).toBe('SET');
    expect((await c.query('SHOW transaction_isolation')).rows).toEqual([{ transaction_isolation: 'repeatable read' }]);
    await insert(200030, 'set-tx@example.com');
    await c.query('COMMIT');
    expect(await emails('set-tx@%')).toEqual(['set-tx@example.com']);
    // with BEGIN's own modes: both
    await c.query('START TRANSACTION READ ONLY');
    await c.query('SET TRANSACTION ISOLATION LEVEL SERIALIZABLE');
    expect((await c.query('SELECT current_setting($1) AS i, current_setting($2) AS r', ['transaction_isolation', 'transaction_read_only'])).rows).toEqual([{ i: 'serializable', r: 'on' }]);
    await c.query('ROLLBACK');
    await c.query('BEGIN');
    await c.query('SELECT 1');
    await expect(c.query('SET TRANSACTION ISOLATION LEVEL SERIALIZABLE')).rejects.toMatchObject({ code: '25001', message: 'SET TRANSACTION ISOLATION LEVEL must be called before any query' });
    await c.query('ROLLBACK');
  });

  it.skipIf(!existsSync(PSQL))('psql: ON_ERROR_ROLLBACK goes on after an error; -1 with more statements than a block holds stops with 54000', { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pg-lab-blocks-'));
    const psql = (args: string[]) =>
      run(PSQL, ['-X', '-h', '127.0.0.1', '-p', String(port()), '-U', 'app', '-At', ...args, 'appdb'], { env, timeout: 20_000 }).then(
        (r) => ({ out: r.stdout, err: r.stderr, failed: false }),
        (e: { stdout: string; stderr: string }) => ({ out: e.stdout, err: e.stderr, failed: true }),
      );
    try {
      // psql wraps each statement in a savepoint of its own and rolls back to it on an error
      writeFileSync(
        join(dir, 'on-error.sql'),
        "BEGIN;\nINSERT INTO users (id, email, name, region) VALUES (200020, 'oer-a@example.com', 'b', 'eu');\nSELECT 1/0;\nINSERT INTO users (id, email, name, region) VALUES (200021, 'oer-b@example.com', 'b', 'eu');\nCOMMIT;\n",
      );
      const r = await psql(['-v', 'ON_ERROR_ROLLBACK=on', '-f', join(dir, 'on-error.sql')]);
      expect(r.err).toMatch(/division by zero/);
      expect(await emails('oer-%')).toEqual(['oer-a@example.com', 'oer-b@example.com']);

      const lines = Array.from({ length: MAX_BLOCK_STATEMENTS + 1 }, (_, i) => `SELECT ${i};`);
      writeFileSync(join(dir, 'long.sql'), `${lines.join('\n')}\n`);
      const long = await psql(['-1', '-v', 'ON_ERROR_STOP=1', '-v', 'VERBOSITY=verbose', '-f', join(dir, 'long.sql')]);
      expect(long.failed).toBe(true);
      expect(long.err).toMatch(new RegExp(`ERROR: {2}54000: a transaction block on the simulated server holds at most ${MAX_BLOCK_STATEMENTS} statements`));
      expect(long.out.trim().split('\n')).toHaveLength(MAX_BLOCK_STATEMENTS);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
