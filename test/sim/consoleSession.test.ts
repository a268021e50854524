/**
 * The console cannot reach the workload or the simulator (issue 18, items 2 and 3). Each hostile input
 * runs on a primary serving the default workload (15 % writes); the run goes on for a virtual second,
 * and the workload's errors, the data, the virtual clock and the monitoring views must be as before.
 * PGlite has one real session, shared by the workload and the console: before, each of these made
 * hundreds of workload requests fail, or dropped sim_catalog (now() became the wall clock), or hung
 * the engine.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { MONITORING_QUERIES, type Simulation } from '../../sim/index.ts';
import { scenarioFile, startSim } from './harness.ts';

let sim: Simulation;

beforeAll(async () => {
  sim = await startSim(scenarioFile('single-primary.json'));
  await sim.runUntil(1e6);
}, 120_000);

const errors = () => sim.snapshot().nodes.reduce((n, node) => n + node.errors, 0);

async function value(sql: string): Promise<unknown> {
  const r = await sim.apply({ do: 'runSql', node: 'primary', sql });
  expect(r.error, `${sql}: ${r.error?.message}`).toBeUndefined();
  return r.rows[0]?.[0];
}

/** Runs `sql` on the console, then a virtual second of workload; nothing may have changed. */
async function harmless(sql: string): Promise<string | undefined> {
  const failedBefore = errors();
  const users = await value('SELECT count(*) FROM users');
  const r = await sim.apply({ do: 'runSql', node: 'primary', sql });
  await sim.runUntil(sim.now + 1e6);
  expect(errors(), `workload errors after ${JSON.stringify(sql)}`).toBe(failedBefore);
  expect(await value('SELECT count(*) FROM users')).toBe(users);
  // the virtual clock (2026-01-01 plus the run), not the wall clock
  expect(await value(`SELECT now() < timestamptz '2026-01-01 00:01:00+00'`)).toBe(true);
  expect(await value(`SELECT count(*) > 0 FROM pg_stat_activity WHERE backend_type = 'client backend'`)).toBe(true);
  expect(await value('SELECT current_user')).toBe('sim_console');
  return r.error?.message;
}

describe('dynamic SQL and superuser escapes (item 2)', () => {
  // The guard reads dynamic SQL it can see (consoleGuard.test.ts); what it cannot, a statement computed
  // at run time, the engine refuses: these reach the engine.
  it('COPY ... TO PROGRAM inside a DO block is refused by the guard, and by the engine when computed', async () => {
    expect(await harmless("DO $$ BEGIN EXECUTE $x$COPY (SELECT 1) TO PROGRAM 'cat'$x$; END $$")).toMatch(/statement refused: COPY \.\.\. PROGRAM/);
    expect(await harmless("DO $$ BEGIN EXECUTE 'COPY (SELECT 1) TO PRO' || 'GRAM ''cat'''; END $$")).toMatch(/permission denied/);
  });

  it('DROP SCHEMA sim_catalog inside a DO block is refused by the guard, and by the engine when computed', async () => {
    expect(await harmless('DO $$ BEGIN EXECUTE $x$DROP SCHEMA sim_catalog CASCADE$x$; END $$')).toMatch(/statement refused: sim_catalog/);
    expect(await harmless("DO $$ BEGIN EXECUTE 'DROP SCHEMA sim_' || 'catalog CASCADE'; END $$")).toMatch(/permission denied/);
  });

  it('a string that looks like a comment does not hide a statement from the guard', async () => {
    expect(await harmless("SELECT '/*'; DROP SCHEMA sim_catalog CASCADE; SELECT '*/'")).toBeDefined();
  });

  it.each([
    "SELECT set_config('session_authorization', 'postgres', false); DROP SCHEMA sim_catalog CASCADE",
    "SELECT set_config('ROLE', 'postgres', false)",
    "UPDATE pg_settings SET setting = 'postgres' WHERE name = 'session_authorization'",
    "BEGIN; SET LOCAL SESSION AUTHORIZATION postgres; COPY (SELECT 1) TO PROGRAM 'cat'; COMMIT",
    'BEGIN; SET LOCAL ROLE postgres; DROP SCHEMA sim_catalog CASCADE; COMMIT',
    "COPY users TO '/tmp/users.csv'",
    "ALTER SYSTEM SET work_mem = '1GB'",
    'ALTER FUNCTION sim_catalog.now() RENAME TO then',
    "CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE sql AS $$ SELECT timestamptz '2000-01-01' $$",
  ])('%s is refused', async (sql) => {
    expect(await harmless(sql)).toBeDefined();
  });

  it('the console may still do what an owner of the data does', async () => {
    expect(await harmless('CREATE INDEX orders_status_idx ON orders (status)')).toBeUndefined();
    expect(await harmless('CREATE TABLE notes (id int); INSERT INTO notes VALUES (1); DROP TABLE notes')).toBeUndefined();
    expect(await harmless('VACUUM ANALYZE orders')).toBeUndefined();
  });
});

describe("the console's session state stays its own (item 3)", () => {
  it.each([
    "SELECT set_config('search_path', 'pg_catalog', false)",
    "SELECT set_config('default_transaction_read_only', 'on', false)",
    "SELECT set_config('work_mem', '64kB', false)",
    'CREATE TEMP TABLE users (id int)',
    'CREATE TEMP TABLE orders AS SELECT 1 AS id',
    'DEALLOCATE ALL',
    'DECLARE c CURSOR WITH HOLD FOR SELECT 1',
    'LISTEN console_channel',
    "SELECT set_config('sim.now', '2000-01-01 00:00:00+00', false)",
  ])('%s', async (sql) => {
    expect(await harmless(sql)).toBeUndefined();
  });

  it('a setting the console changed holds within its input, and the workload keeps its own', async () => {
    const r = await sim.apply({ do: 'runSql', node: 'primary', sql: "SELECT set_config('work_mem', '64kB', false); SHOW work_mem" });
    expect(r.rows).toEqual([['64kB']]);
    expect(await value('SHOW work_mem')).toBe('4MB');
    expect(await value('SHOW search_path')).toBe('public, sim_catalog, pg_catalog');
  });

  it.each([
    'CREATE VIEW public.pg_stat_activity AS SELECT 1 AS pid',
    'CREATE TABLE pg_stat_replication (pid int)',
    'CREATE OPERATOR public.- (leftarg = timestamptz, rightarg = timestamptz, function = pg_catalog.age)',
  ])('no object may hide a monitoring view, the clock or a built-in: %s', async (sql) => {
    expect(await harmless(sql)).toMatch(/would hide/);
  });

  it("the seed's monitoring queries still run, verbatim, as the console's role", async () => {
    const results = [];
    for (const q of MONITORING_QUERIES) {
      const r = await sim.apply({ do: 'runSql', node: 'primary', sql: q.sql });
      expect(r.error, q.name).toBeUndefined();
      results.push(r.rows);
    }
    expect(results[0].length).toBeGreaterThan(0);
    expect(results[2].map((row) => row[0])).toEqual(expect.arrayContaining(['users', 'orders']));
  });
});
