/** The console guard: statements that would hang or wreck a node's one embedded session are refused. */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientRefusal, consoleRefusal, leavesSessionAlone, refuseReason } from '../../sim/monitoring/consoleGuard.ts';
import { MONITORING_QUERIES } from '../../sim/index.ts';
import { loadSqlParser } from '../../sim/sql/parser.ts';

beforeAll(() => loadSqlParser());

const refusedWith = (sql: string, reason: RegExp) => {
  const why = refuseReason(sql);
  expect(why, `expected ${JSON.stringify(sql)} to be refused`).toBeDefined();
  expect(why).toMatch(reason);
};

const allowed = (sql: string) => {
  expect(refuseReason(sql), `expected ${JSON.stringify(sql)} to run`).toBeUndefined();
};

describe('refuseReason refuses', () => {
  it.each([
    "COPY users TO PROGRAM 'gzip > /tmp/users.gz'",
    "copy users from program 'cat /etc/passwd'",
    "COPY (SELECT * FROM orders)\n  TO\n  PROGRAM 'cat'",
  ])('COPY ... PROGRAM: %j', (sql) => refusedWith(sql, /COPY \.\.\. PROGRAM/));

  it.each(['BEGIN', 'BEGIN;', 'begin ;', 'COMMIT', 'commit;', 'END', 'ROLLBACK', 'ABORT;', 'START TRANSACTION', 'start   transaction;', '  \n BEGIN \n', '-- go\nBEGIN'])(
    'a lone transaction statement: %j',
    (sql) => refusedWith(sql, /write the whole transaction in one input/),
  );

  it.each(["SET work_mem = '64MB'", 'set search_path to public', 'SET SESSION statement_timeout = 0', 'RESET ALL', 'reset work_mem', "\tSET\twork_mem = '1MB'"])(
    'SET and RESET of session settings: %j',
    (sql) => refusedWith(sql, /change node settings in the inspector/),
  );

  it.each(['DISCARD ALL', 'discard plans;', '  DISCARD TEMP'])('DISCARD: %j', (sql) => refusedWith(sql, /DISCARD has nothing to reset/));

  it.each(['CREATE DATABASE shop', 'drop database postgres', 'ALTER DATABASE postgres SET work_mem = 1', 'create   database x'])('CREATE/DROP/ALTER DATABASE: %j', (sql) =>
    refusedWith(sql, /one database/),
  );

  it.each([
    'INSERT INTO sim_catalog.pg_stat_activity VALUES (1)',
    'DELETE FROM sim_catalog.pg_stat_activity',
    'UPDATE sim_catalog.pg_stat_activity SET state = 1',
    'TRUNCATE sim_catalog.pg_stat_activity',
    'DROP FUNCTION sim_catalog.now()',
    'DROP SCHEMA sim_catalog CASCADE',
    'CREATE TABLE sim_catalog.x (a int)',
    'ALTER TABLE sim_catalog.pg_stat_activity ADD COLUMN x int',
    'GRANT ALL ON sim_catalog.pg_stat_activity TO public',
    'BEGIN; SELECT 1; DELETE FROM sim_catalog.pg_stat_activity; COMMIT;',
  ])('writes to sim_catalog: %j', (sql) => refusedWith(sql, /sim_catalog .* read-only/));

  it.each(['\\d', '\\dt', '  \\d users', '\\l', '\\x on'])('psql meta-commands: %j', (sql) => refusedWith(sql, /psql meta-commands/));

  it.each(['SELECT pg_terminate_backend(42)', 'select pg_cancel_backend (1)', 'SELECT pg_reload_conf()'])('backend and reload functions: %j', (sql) =>
    refusedWith(sql, /one embedded backend/),
  );

  it('empty input and input over 100,000 characters', () => {
    refusedWith('', /empty/);
    refusedWith('  \n\t ', /empty/);
    refusedWith(`SELECT '${'x'.repeat(100_000)}'`, /longer than 100,000/);
    allowed(`SELECT '${'x'.repeat(99_000)}'`);
  });

  it('sees through comments before the statement', () => {
    refusedWith('-- tune it\nSET work_mem = 1', /inspector/);
    refusedWith('/* lone */ COMMIT', /whole transaction/);
    refusedWith('/* a\n multi-line comment */\nDISCARD ALL', /DISCARD/);
    refusedWith('-- comment\n\\dt', /meta-commands/);
  });
});

describe('refuseReason lets through', () => {
  it.each(MONITORING_QUERIES.map((q) => [q.name, q.sql]))('the seed monitoring query %s', (_name, sql) => allowed(sql));

  it.each([
    'SELECT 1',
    'select * from users where id = 1;',
    'SELECT count(*), state FROM pg_stat_activity GROUP BY state',
    'SELECT * FROM sim_catalog.pg_stat_activity',
    'EXPLAIN ANALYZE SELECT * FROM orders WHERE user_id = 5',
    'SELECT settings, reset_val, created_at, updated_at FROM t',
    "SELECT current_setting('work_mem')",
    'SELECT pg_sleep(1)',
    "INSERT INTO users (name) VALUES ('ann')",
    "UPDATE users SET name = 'bob' WHERE id = 1",
    'DELETE FROM orders WHERE id = 7',
    'CREATE TABLE t (a int)',
    'CREATE INDEX ON orders (user_id)',
    'CREATE SCHEMA shop',
    'VACUUM ANALYZE users',
    'COPY users TO STDOUT',
    'SELECT 1 -- COMMIT',
    'SELECT 1 /* BEGIN */',
  ])('%j', (sql) => allowed(sql));

  it.each([
    "BEGIN; UPDATE users SET name = 'x' WHERE id = 1; COMMIT;",
    "BEGIN;\nSET LOCAL work_mem = '64MB';\nSELECT * FROM orders ORDER BY total;\nCOMMIT;",
    'START TRANSACTION; INSERT INTO users (name) VALUES ($$a$$); ROLLBACK;',
    'begin; select 1; end;',
  ])('a whole transaction in one input: %j', (sql) => allowed(sql));

  it('SET LOCAL on its own (PostgreSQL only warns outside a transaction)', () => {
    allowed("SET LOCAL work_mem = '64MB'");
    allowed('set local statement_timeout = 0');
  });

  it('a statement that only mentions a refused word inside a longer name', () => {
    allowed('SELECT * FROM settings');
    allowed('SELECT * FROM discarded_items');
    allowed('SELECT begin_at, commit_at FROM jobs');
    allowed('SELECT * FROM sim_catalog_backup');
    allowed('SELECT o.created_at, o.updated_at, a.state FROM orders o, sim_catalog.pg_stat_activity a');
  });

  it('never throws, and gives a non-empty reason or undefined, on any text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('SET', 'BEGIN', '\\', 'COPY', 'sim_catalog').chain((w) => fc.tuple(fc.string(), fc.string()).map(([a, b]) => a + w + b))), (sql) => {
        const why = refuseReason(sql);
        expect(why === undefined || (typeof why === 'string' && why.length > 0)).toBe(true);
        if (sql.trim() === '') expect(why).toMatch(/empty/);
      }),
      { numRuns: 2000 },
    );
  });

  it('a comment never changes whether a plain SELECT runs', () => {
    fc.assert(
      fc.property(fc.string().filter((c) => !c.includes('\n') && !c.includes('*/')), fc.boolean(), (comment, block) => {
        allowed(block ? `/* ${comment} */ SELECT 1` : `-- ${comment}\nSELECT 1`);
      }),
      { numRuns: 500 },
    );
  });
});

// Rules apply to every statement of an input, and sim_catalog's objects are also reachable by their
// unqualified names (search_path = public, sim_catalog, pg_catalog).
describe('later statements and unqualified names', () => {
  it('DISCARD ALL after another statement is refused', () => {
    expect(refuseReason('SELECT 1; DISCARD ALL')).toBeDefined();
  });

  it('SET after another statement is refused', () => {
    expect(refuseReason('SELECT 1; SET search_path = public')).toBeDefined();
  });

  it('a lone BEGIN with options (it leaves a transaction open too) is refused', () => {
    expect(refuseReason('BEGIN ISOLATION LEVEL SERIALIZABLE')).toBeDefined();
  });

  it('dropping sim_catalog.pg_stat_activity by its unqualified name is refused', () => {
    expect(refuseReason('DROP VIEW pg_stat_activity')).toBeDefined();
  });

  it('dropping the virtual clock sim_catalog.now() by its unqualified name is refused', () => {
    expect(refuseReason('DROP FUNCTION now()')).toBeDefined();
  });
});

// The guard splits an input as PostgreSQL's scanner does: text that only looks like a comment, a quote
// or a statement boundary must not hide a statement from it, nor make it see one that is not there.
describe('statements as PostgreSQL splits them', () => {
  it.each([
    "SELECT '/*'; SET SESSION AUTHORIZATION postgres; SELECT '*/'",
    "SELECT E'\\''; RESET SESSION AUTHORIZATION; --'",
    "SELECT $a$ $b$ ; $a$; SET SESSION AUTHORIZATION postgres",
    'SELECT "x;y" FROM t; SET SESSION AUTHORIZATION postgres',
    'SELECT 1 /* outer /* inner */ still a comment */; SET SESSION AUTHORIZATION postgres',
    "BEGIN; SET LOCAL SESSION AUTHORIZATION postgres; COPY (SELECT 1) TO PROGRAM 'cat'; COMMIT;",
    'set   session session   authorization default',
  ])('SESSION AUTHORIZATION is refused wherever it is: %j', (sql) => refusedWith(sql, /SESSION AUTHORIZATION cannot change/));

  it.each([
    "SELECT 'it''s; SET SESSION AUTHORIZATION postgres'",
    "SELECT E'\\'; SET SESSION AUTHORIZATION postgres; \\''",
    'SELECT $body$; SET SESSION AUTHORIZATION postgres; $body$',
    '/* /* */ ; SET SESSION AUTHORIZATION postgres; */ SELECT 1',
    'SELECT 1 -- ; SET SESSION AUTHORIZATION postgres',
    'SELECT "a"";SET SESSION AUTHORIZATION postgres" FROM t',
  ])('text inside quotes and comments is no statement: %j', (sql) => allowed(sql));

  it('a $ inside an identifier or a parameter opens no dollar quote', () => {
    refusedWith('SELECT a$b$ FROM t; SET SESSION AUTHORIZATION postgres; SELECT $b$ $b$', /SESSION AUTHORIZATION/);
    refusedWith('SELECT $1, $b$;$b$; SET SESSION AUTHORIZATION postgres', /SESSION AUTHORIZATION/);
  });
});

// Decisions are made on PostgreSQL's parse tree: SQL inside DO blocks, function bodies and strings that
// are run as SQL (dynamic SQL) is read too; data that only looks like SQL is not.
describe('SQL nested in DO blocks, function bodies and dynamic SQL', () => {
  it.each([
    ["DO $$ BEGIN EXECUTE $x$COPY (SELECT 1) TO PROGRAM 'cat'$x$; END $$", /COPY \.\.\. PROGRAM/],
    ["DO $$ BEGIN EXECUTE 'DROP SCHEMA sim_catalog CASCADE'; END $$", /sim_catalog/],
    ["DO $$ DECLARE q text := 'SET SESSION AUTHORIZATION postgres'; BEGIN EXECUTE q; END $$", /SESSION AUTHORIZATION/],
    ["DO $$ DECLARE q text; BEGIN q := 'DISCARD ALL'; EXECUTE q; END $$", /DISCARD/],
    ['DO $$ BEGIN PERFORM pg_terminate_backend(1); END $$', /one embedded backend/],
    ["DO $$ BEGIN COPY users TO PROGRAM 'gzip'; END $$", /PROGRAM/],
    ["DO $a$ BEGIN EXECUTE 'DO $b$ BEGIN EXECUTE ''COPY users TO PROGRAM ''''cat''''''; END $b$'; END $a$", /PROGRAM/],
    ["CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ DELETE FROM sim_catalog.pg_stat_activity $$", /sim_catalog/],
    ["CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'SET SESSION AUTHORIZATION postgres'; END $$", /SESSION AUTHORIZATION/],
    ["SELECT query_to_xml('SET SESSION AUTHORIZATION postgres', true, false, '')", /SESSION AUTHORIZATION/],
    ["SELECT set_config('session_authorization', 'postgres', false)", /SESSION AUTHORIZATION/],
    ["SELECT set_config(lower('SESSION_AUTHORIZATION'), 'postgres', false)", /SESSION AUTHORIZATION/],
    ['WITH d AS (DELETE FROM sim_catalog.pg_stat_activity RETURNING 1) SELECT * FROM d', /sim_catalog/],
    ['SELECT * INTO sim_catalog.copy FROM users', /sim_catalog/],
    ['CREATE OR REPLACE FUNCTION now() RETURNS timestamptz LANGUAGE sql AS $$ SELECT 1 $$', /sim_catalog/],
    ['BEGIN; SAVEPOINT a; ROLLBACK TO SAVEPOINT a;', /whole transaction/],
  ])('%j', (sql, reason) => refusedWith(sql, reason));

  it('a PL/pgSQL body the compiler rejects is not run unchecked', () => {
    refusedWith('DO $$ BEGIN x := 1; END $$', /PL\/pgSQL body could not be checked: "x" is not a known variable/);
  });

  it('nesting deeper than can be checked is refused', () => {
    let sql = 'SELECT 1';
    for (let i = 0; i < 6; i++) sql = `DO $$ BEGIN EXECUTE ${`'${sql.replaceAll("'", "''")}'`}; END $$`.replaceAll('$$', `$d${i}$`);
    refusedWith(sql, /nested more than 4 levels/);
  });

  it.each([
    "DO $$ BEGIN FOR i IN 1..3 LOOP EXECUTE format('CREATE TABLE p%s (a int)', i); END LOOP; END $$",
    "INSERT INTO notes (body) VALUES ('SET work_mem = 1; DISCARD ALL')",
    'BEGIN; SET TRANSACTION ISOLATION LEVEL SERIALIZABLE; SELECT 1; COMMIT;',
    'INSERT INTO snap SELECT * FROM sim_catalog.pg_stat_activity',
    'CREATE TABLE snap AS SELECT * FROM sim_catalog.pg_stat_activity',
    'CREATE VIEW recent AS SELECT now() - interval $$1 hour$$ AS since',
    'ALTER TABLE users ADD COLUMN now_at timestamptz',
    'CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql AS $$ SELECT a + b $$',
    "DO $$ BEGIN RAISE NOTICE 'hello'; END $$",
    'SELECT * FROM users WHERE name = $q$DROP SCHEMA sim_catalog$q$',
  ])('%j runs', (sql) => allowed(sql));
});

// What would run until the watchdog kills the node is cancelled before it runs (runaway.ts), with
// PostgreSQL's cancel; what only might run long is left to run.
describe('runaways seen in the parse tree', () => {
  it.each([
    ['SELECT pg_catalog.pg_sleep(60)', /pg_catalog.pg_sleep\(\) really sleeps/],
    ["SELECT pg_catalog.pg_sleep_for('1 minute')", /really sleeps/],
    ['SELECT pg_catalog.pg_sleep(x) FROM t', /really sleeps/],
    ['SELECT count(*) FROM generate_series(1, 50000000)', /50,000,000 rows/],
    ['SELECT * FROM generate_series(-1e9, 0, 2) g', /500,000,001 rows/],
    ['WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r', /recursive query r never stops/],
    ['DO $$ BEGIN LOOP PERFORM 1; END LOOP; END $$', /loop that nothing leaves/],
    ['DO $$ BEGIN WHILE true LOOP PERFORM 1; END LOOP; END $$', /loop that nothing leaves/],
    ['DO $$ BEGIN FOR i IN 1..100000000 LOOP PERFORM 1; END LOOP; END $$', /100,000,000 times/],
    ["DO $$ BEGIN PERFORM pg_catalog.pg_sleep(30); END $$", /really sleeps/],
    ["DO $$ BEGIN EXECUTE 'SELECT count(*) FROM generate_series(1, 1e9)'; END $$", /rows/],
  ])('%j', (sql, reason) => {
    refusedWith(sql, reason);
    expect(consoleRefusal(sql)).toMatchObject({ code: 'query_canceled', sqlstate: '57014', message: 'canceling statement due to statement timeout', detail: expect.stringMatching(reason) });
  });

  it.each([
    'SELECT pg_sleep(60)', // sim_catalog's: virtual time
    'SELECT pg_catalog.pg_sleep(0.5)',
    'SELECT count(*) FROM generate_series(1, 1000000)',
    'SELECT * FROM generate_series(1, $1)',
    'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 100) SELECT count(*) FROM r',
    'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT * FROM r LIMIT 10',
    'WITH RECURSIVE r(n) AS (SELECT 1 UNION SELECT n FROM r) SELECT count(*) FROM r',
    'DO $$ BEGIN LOOP EXIT WHEN random() > 0.5; END LOOP; END $$',
    "DO $$ BEGIN LOOP RAISE EXCEPTION 'stop'; END LOOP; END $$",
    'DO $$ BEGIN FOR i IN 1..1000 LOOP PERFORM 1; END LOOP; END $$',
    'CREATE FUNCTION spin() RETURNS void LANGUAGE plpgsql AS $$ BEGIN LOOP END LOOP; END $$', // defined, not run
  ])('%j runs', (sql) => {
    allowed(sql);
    expect(consoleRefusal(sql)).toBeUndefined();
  });

  it("other refusals keep the simulator's error", () => {
    expect(consoleRefusal('DISCARD ALL')).toMatchObject({ code: 'statement_refused', message: expect.stringMatching(/^statement refused: DISCARD/) });
  });
});

describe("clientRefusal: a real client's statement (serve/) meets only the rules the engine relies on", () => {
  it.each([
    ['SET SESSION AUTHORIZATION postgres', '42501'],
    ["SELECT query_to_xml('SET SESSION AUTHORIZATION postgres', true, true, '')", '42501'],
    ["SELECT set_config('session_authorization', 'postgres', false)", '42501'],
    ['SELECT pg_catalog.pg_sleep(60)', '57014'],
    ["SET work_mem = '64MB'", '0A000'],
    ['DISCARD ALL', '0A000'],
  ])('refuses %j with SQLSTATE %s', (sql, sqlstate) => {
    expect(clientRefusal(sql)?.sqlstate).toBe(sqlstate);
  });

  // the role refuses these with PostgreSQL's own errors; a client has transactions of its own
  it.each(['BEGIN', 'COMMIT', 'DROP SCHEMA sim_catalog CASCADE', 'CREATE DATABASE shop', 'SELECT pg_terminate_backend(42)', "COPY users TO PROGRAM 'cat'"])(
    'leaves %j to PostgreSQL',
    (sql) => {
      expect(clientRefusal(sql)).toBeUndefined();
      expect(consoleRefusal(sql)).toBeDefined();
    },
  );
});

describe('leavesSessionAlone (a real client statement the engine need not save and restore the session around)', () => {
  it('row statements, savepoints and SET LOCAL leave it; what makes, sets or runs SQL from a string does not', () => {
    for (const sql of ['SELECT email FROM users WHERE id = $1', "INSERT INTO users (id) VALUES (1) RETURNING id", 'UPDATE users SET name = $1', 'DELETE FROM users', 'SAVEPOINT a', 'ROLLBACK TO SAVEPOINT a', 'RELEASE a', "SET LOCAL work_mem = '8MB'"]) {
      expect(leavesSessionAlone(sql), sql).toBe(true);
    }
    for (const sql of [
      'SELECT * INTO TEMP t FROM users',
      "SELECT sim_catalog.set_config('work_mem', '8MB', false)",
      "SELECT query_to_xml('SELECT 1', true, true, '')",
      "SET work_mem = '8MB'",
      'PREPARE p AS SELECT 1',
      'CREATE TEMP TABLE t (a int)',
      'DECLARE c CURSOR WITH HOLD FOR SELECT 1',
      'LISTEN ch',
      'SELECT 1; PREPARE p AS SELECT 1',
      'SELEC 1',
    ]) {
      expect(leavesSessionAlone(sql), sql).toBe(false);
    }
  });
});
