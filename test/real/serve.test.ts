/**
 * Real clients on the simulated cluster (serve/): the real psql, node-postgres and pgbench of this machine
 * connect to the wire server of a running simulation (PgBouncer in transaction mode, max_client_conn 3, in
 * front of a primary), and get the model's answers: rows from the primary's PGlite through the pooler,
 * SHOW POOLS from the pooler's admin console, PgBouncer's own refusal past max_client_conn, a prepared
 * statement over the extended protocol. Skipped where psql is not installed (CI installs it: .ci/run).
 */
import { connect, type Socket } from 'node:net';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Listening } from '../../serve/server.ts';
import type { ConsoleResult, Runner } from '../../sim/index.ts';
import { env, PGBENCH, PSQL, run, type Served, served } from './served.ts';


let server: Served;
let runner: Runner;
let listening: Listening;
const port = (node: string) => listening.ports.get(node)!;
/**
 * Waits until a console statement's first row's column `col` reads `value` (the model's view: pg_stat_activity,
 * SHOW POOLS), letting the run go on between looks (the admin console answers without leaving the event loop).
 */
const until = async (node: string, sql: string, value: string, col = 0) => {
  while (String(((await runner.apply({ do: 'runSql', node, sql })) as ConsoleResult).rows[0]?.[col]) !== value) await new Promise((r) => setTimeout(r, 10));
};
/** A CancelRequest for `c` on a connection of its own (as libpq's PQcancel sends it), closed by the server. */
const cancel = (node: string, c: pg.Client) => {
  const { processID, secretKey } = c as unknown as { processID: number; secretKey: number };
  const request = Buffer.alloc(16);
  for (const [i, v] of [16, 80877102, processID, secretKey].entries()) request.writeInt32BE(v, i * 4);
  return new Promise<void>((resolve, reject) =>
    connect(port(node), '127.0.0.1', function (this: Socket) {
      this.end(request);
      this.on('close', () => resolve()).on('error', reject);
    }),
  );
};
/** A query's error, caught as soon as it comes (a cancel's may come before the test looks). */
const failure = (q: Promise<unknown>) => q.then(() => undefined, (e: unknown) => e);
const psql = (node: string, db: string, sql: string) =>
  run(PSQL, ['-h', '127.0.0.1', '-p', String(port(node)), '-U', 'app', '-At', '-F', '|', '-c', sql, db], { env, timeout: 20_000 });

describe.skipIf(!existsSync(PSQL))(`npm run serve${existsSync(PSQL) ? '' : ' (skipped: psql missing)'}`, () => {
  beforeAll(async () => {
    server = await served('test/fixtures/serve.json');
    ({ runner, listening } = server);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  });

  it('listens on loopback, one port per SQL node', () => {
    expect([...listening.ports.keys()]).toEqual(['pgbouncer', 'primary']);
  });

  it('psql through the pooler gets the primary\'s rows, and SHOW POOLS on its admin console', { timeout: 30_000 }, async () => {
    expect((await psql('pgbouncer', 'appdb', 'SELECT count(*) FROM users')).stdout.trim()).toBe('1000');
    const pools = (await psql('pgbouncer', 'pgbouncer', 'SHOW POOLS')).stdout;
    expect(pools).toMatch(/^appdb\|postgres\|.*\|transaction\|/m);
    // the monitoring views show the model as it is now: the pooler's server connection that ran the count,
    // idle (it carries the client's application_name), and this psql's own backend, active
    const sql = "SELECT state, query FROM pg_stat_activity WHERE application_name = 'psql' ORDER BY state";
    expect((await psql('primary', 'appdb', sql)).stdout.trim().split('\n')).toEqual([`active|${sql}`, 'idle|SELECT count(*) FROM users']);
    // a failed statement is PostgreSQL's own error, with its SQLSTATE
    const bad = await psql('primary', 'appdb', 'SELECT * FROM nope').catch((e) => e as { stderr: string });
    expect(bad.stderr).toMatch(/relation "nope" does not exist/);
  });

  it('a client is a client of the model: in pg_stat_activity while connected, refused past max_client_conn', { timeout: 30_000 }, async () => {
    const held: pg.Client[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const c = new pg.Client({ host: '127.0.0.1', port: port('pgbouncer'), user: 'app', database: 'appdb', application_name: `held${i}` });
        await c.connect();
        held.push(c);
      }
      // node-postgres' parameterized query is the extended protocol (Parse, Bind, Describe, Execute, Sync)
      const r = await held[0].query('SELECT id, email FROM users WHERE id = $1', [7]);
      expect(r.rows).toEqual([{ id: '7', email: expect.stringContaining('@') }]);
      await held[1].query('BEGIN');
      await held[1].query('SELECT 1');
      const activity = (await runner.apply({
        do: 'runSql',
        node: 'primary',
        sql: "SELECT state FROM pg_stat_activity WHERE backend_type = 'client backend' AND state = 'idle in transaction'",
      })) as ConsoleResult;
      expect(activity.rows.length).toBe(1);
      const refused = await psql('pgbouncer', 'appdb', 'SELECT 1').catch((e) => e as { stderr: string });
      expect(refused.stderr).toMatch(/no more connections allowed \(max_client_conn\)/);
      const over = new pg.Client({ host: '127.0.0.1', port: port('pgbouncer'), user: 'app', database: 'appdb' });
      const err = await over.connect().then(
        () => over.end(),
        (e: { code?: string }) => e,
      );
      expect(err?.code).toBe('08P01');
    } finally {
      await Promise.all(held.map((c) => c.end()));
    }
  });

  it('a client runs as an ordinary role: what would break the node is PostgreSQL\'s own error, and the node goes on', { timeout: 30_000 }, async () => {
    const fails = (sql: string) =>
      run(PSQL, ['-h', '127.0.0.1', '-p', String(port('primary')), '-U', 'app', '-At', '-v', 'VERBOSITY=verbose', '-c', sql, 'appdb'], { env, timeout: 20_000 }).then(
        (r) => r.stdout,
        (e: { stderr: string }) => e.stderr,
      );
    // a real sleep would hang the engine until its watchdog kills it: cancelled first, as in the console
    expect(await fails('SELECT pg_catalog.pg_sleep(60)')).toMatch(/ERROR: {2}57014: canceling statement/);
    expect(await fails('DROP SCHEMA sim_catalog CASCADE')).toMatch(/ERROR: {2}42501: must be owner of schema sim_catalog/);
    expect(await fails('SET SESSION AUTHORIZATION postgres')).toMatch(/ERROR: {2}42501: permission denied to set session authorization/);
    expect(await fails('SELECT pg_terminate_backend(pg_backend_pid())')).toMatch(/ERROR: {2}42501: permission denied to terminate process/);
    expect((await psql('primary', 'appdb', 'SELECT current_user, session_user')).stdout.trim()).toBe('sim_console|sim_console');
    // the virtual clock, the monitoring views and the workload's rows are all still there
    expect((await psql('pgbouncer', 'appdb', "SELECT now() < '2026-01-02', count(*) FROM users")).stdout.trim()).toBe('t|1000');
    expect((await psql('primary', 'appdb', 'SELECT count(*) > 0 FROM pg_stat_activity')).stdout.trim()).toBe('t');
  });

  it('a transaction block is one: ROLLBACK undoes, COMMIT keeps, nobody else sees it before, 25P02 after an error', { timeout: 30_000 }, async () => {
    const connect = async (application_name: string) => {
      const c = new pg.Client({ host: '127.0.0.1', port: port('pgbouncer'), user: 'app', database: 'appdb', application_name });
      await c.connect();
      return c;
    };
    const [a, b] = [await connect('tx-a'), await connect('tx-b')];
    const count = async (c: pg.Client) => Number((await c.query("SELECT count(*) AS n FROM users WHERE email LIKE 'tx-%'")).rows[0].n);
    try {
      await a.query('BEGIN');
      await a.query("INSERT INTO users (id, email, name, region) VALUES (100001, 'tx-rolled@example.com', 'tx', 'eu')");
      expect(await count(a)).toBe(1);
      expect(await count(b)).toBe(0);
      await a.query('ROLLBACK');
      expect(await count(a)).toBe(0);

      await a.query('BEGIN');
      await a.query("INSERT INTO users (id, email, name, region) VALUES ($1, $2, 'tx', 'eu')", [100002, 'tx-kept@example.com']);
      await a.query("UPDATE users SET email = 'tx-kept2@example.com' WHERE id = 100002");
      expect(await count(b)).toBe(0);
      expect((await a.query('SELECT email FROM users WHERE id = 100002')).rows).toEqual([{ email: 'tx-kept2@example.com' }]);
      await a.query('COMMIT');
      expect((await b.query('SELECT email FROM users WHERE id = 100002')).rows).toEqual([{ email: 'tx-kept2@example.com' }]);

      // an error aborts the block: PostgreSQL's 25P02 until its end, whose COMMIT is a ROLLBACK
      await a.query('BEGIN');
      await a.query("INSERT INTO users (id, email, name, region) VALUES (100003, 'tx-aborted@example.com', 'tx', 'eu')");
      await expect(a.query("INSERT INTO users (id, email, name, region) VALUES (100002, $1, 'tx', 'eu')", ['tx-duplicate@example.com'])).rejects.toMatchObject({ code: '23505' });
      await expect(a.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' });
      expect((await a.query('COMMIT')).command).toBe('ROLLBACK');
      expect(await count(b)).toBe(1);
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
  });

  it('a CancelRequest cancels the running statement with 57014, and the connection goes on', { timeout: 30_000 }, async () => {
    const c = new pg.Client({ host: '127.0.0.1', port: port('primary'), user: 'app', database: 'appdb', application_name: 'sleeper' });
    await c.connect();
    try {
      // 60 virtual seconds are 60 real ones at 1x: only the cancel ends it within the test's timeout
      const sleeping = failure(c.query('SELECT pg_sleep(60)'));
      await until('primary', "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'sleeper' AND wait_event = 'PgSleep'", '1');
      await cancel('primary', c);
      expect(await sleeping).toMatchObject({ code: '57014', message: 'canceling statement due to user request' });
      expect((await c.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await c.end();
    }
  });

  it("through the pooler a cancel reaches the server the statement runs on; one for a client waiting in the queue is dropped, as PgBouncer's", { timeout: 30_000 }, async () => {
    const connect = async (application_name: string) => {
      const c = new pg.Client({ host: '127.0.0.1', port: port('pgbouncer'), user: 'app', database: 'appdb', application_name });
      await c.connect();
      return c;
    };
    // max_client_conn 3, default_pool_size 2: two sleepers hold both servers, the third client queues
    const [a, b, w] = [await connect('sleep-a'), await connect('sleep-b'), await connect('waiter')];
    try {
      const sleepA = failure(a.query('SELECT pg_sleep(60)'));
      const sleepB = failure(b.query('SELECT pg_sleep(60)'));
      await until('primary', "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'", '2');
      let waited = false;
      const waiting = w.query('SELECT 42 AS answer').finally(() => (waited = true));
      await until('pgbouncer', 'SHOW POOLS', '1', 3);
      // no server: PgBouncer drops the cancel ("cancel request for idle client"), the query stays queued
      await cancel('pgbouncer', w);
      expect(((await runner.apply({ do: 'runSql', node: 'pgbouncer', sql: 'SHOW POOLS' })) as ConsoleResult).rows[0][3]).toBe(1);
      expect(waited).toBe(false);
      // a linked client: its cancel goes on to its server's backend, whose sleep ends with 57014
      await cancel('pgbouncer', a);
      expect(await sleepA).toMatchObject({ code: '57014', message: 'canceling statement due to user request' });
      // the server it freed goes to the waiting client
      expect((await waiting).rows).toEqual([{ answer: 42 }]);
      await cancel('pgbouncer', b);
      expect(await sleepB).toMatchObject({ code: '57014' });
      expect((await a.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await Promise.all([a.end(), b.end(), w.end()]);
    }
  });

  it.skipIf(!PGBENCH)('pgbench -M prepared runs a custom script through the pooler', { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pg-lab-serve-'));
    try {
      writeFileSync(join(dir, 'read.sql'), '\\set id random(1, 1000)\nSELECT email FROM users WHERE id = :id;\n');
      const { stdout } = await run(PGBENCH!, ['-h', '127.0.0.1', '-p', String(port('pgbouncer')), '-U', 'app', '-n', '-M', 'prepared', '-c', '2', '-T', '2', '-f', join(dir, 'read.sql'), 'appdb'], {
        env,
        timeout: 20_000,
      });
      const processed = Number(/number of transactions actually processed: (\d+)/.exec(stdout)?.[1]);
      expect(processed).toBeGreaterThan(10);
      expect(stdout).toMatch(/number of failed transactions: 0/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
