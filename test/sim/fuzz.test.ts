/**
 * Fuzz suite of issue 18 (fast-check): every generated scenario, lesson, pgbouncer.ini and command is either
 * accepted or refused with where it is wrong, and never throws anything else; the console guard, which
 * reads PostgreSQL's parse tree, refuses a dangerous statement however it is nested, quoted, cased or
 * commented, and never refuses one that only carries it as data. Case counts are the numRuns below (4,700
 * in all) and the hostile inputs run on real PGlite on every node kind with a console (33 on postgres and
 * pgbouncer, 5 on pgdog, 5 on redis: 43).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadLesson } from '../../lessons/load.ts';
import { refuseReason } from '../../sim/monitoring/consoleGuard.ts';
import { loadSqlParser } from '../../sim/sql/parser.ts';
import { CommandError, parseCommand, parsePgbouncerIni, parseScenario } from '../../sim/index.ts';
import { scenarioFile, startSim } from './harness.ts';

const BASE = JSON.parse(readFileSync('lessons/scenarios/read-replicas.json', 'utf8'));

/** A JSON value: what a careless or hostile file may put anywhere. */
const value = fc.oneof(
  fc.constantFrom(0, -1, 1e308, -1e308, 0.5, 2_000_000_000, '', '$0', '1GB', '4TB', '0ms', '__proto__', 'NaN', null, true, false),
  fc.double(),
  fc.string({ maxLength: 12 }),
  fc.constant({}),
  fc.constant([]),
);
const key = fc.constantFrom('nodes', 'edges', 'workload', 'run', 'settings', 'operations', 'data', 'weight', 'sql', 'params', 'users',
  'orders_per_user', 'shared_buffers', 'ram', 'max_connections', 'clients', 'pool_mode', 'duration', 'seed', '__proto__', 'constructor', 0, 1, 2);

/** Sets `path` in a copy of `obj` to `v` (creating objects on the way); JSON round trip like a file. */
function edited(obj: unknown, path: (string | number)[], v: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(obj));
  let at = copy;
  for (const k of path.slice(0, -1)) {
    if (at === null || typeof at !== 'object') return copy;
    if (!Object.hasOwn(at, k) || typeof at[k] !== 'object' || at[k] === null) Object.defineProperty(at, k, { value: {}, enumerable: true, writable: true, configurable: true });
    at = at[k];
  }
  if (at !== null && typeof at === 'object') Object.defineProperty(at, path[path.length - 1], { value: v, enumerable: true, writable: true, configurable: true });
  return JSON.parse(JSON.stringify(copy));
}

describe('fuzz', () => {
  it('scenarios: accepted, or refused with a path for every issue (600 cases)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.array(key, { minLength: 1, maxLength: 4 }), value), { minLength: 1, maxLength: 4 }), (edits) => {
        let s: unknown = BASE;
        for (const [path, v] of edits) s = edited(s, path, v);
        const p = parseScenario(s);
        if (!p.ok) {
          expect(p.issues.length).toBeGreaterThan(0);
          for (const i of p.issues) expect(typeof i.path === 'string' && typeof i.message === 'string' && i.message.length > 0).toBe(true);
        }
      }),
      { numRuns: 600, seed: 18 },
    );
  });

  it('pgbouncer.ini: accepted with every [databases] entry kept, or refused with a line (300 cases)', () => {
    const line = fc.oneof(
      fc.constantFrom('[databases]', '[pgbouncer]', '[users]', '[nope]', '', '; c', '%include x', 'pool_mode = transaction', 'pool_mode = nope',
        'default_pool_size = 20', 'default_pool_size = -3', 'max_client_conn = 1e9', 'listen_port = 6432', 'databases = x'),
      fc.tuple(fc.constantFrom('appdb', '__proto__', 'constructor', 'toString', 'a b', '*'), fc.constantFrom('host=primary', "host='p' port=5432", 'host=', "dbname='x", 'pool_size=3 host=primary'))
        .map(([k, v]) => `${k} = ${v}`),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), (lines) => {
        const text = lines.join('\n');
        const r = parsePgbouncerIni(text);
        if (!r.ok) {
          for (const e of r.errors) expect(e.line).toBeGreaterThanOrEqual(0);
          return;
        }
        // an entry accepted in [databases] is in the settings (the last one of a name wins)
        let section = '';
        for (const l of lines) {
          const sec = /^\[(.+)\]$/.exec(l);
          if (sec) section = sec[1];
          else if (section === 'databases' && l.includes(' = ')) expect(Object.hasOwn(r.settings.databases, l.split(' = ')[0])).toBe(true);
        }
      }),
      { numRuns: 300, seed: 18 },
    );
  });

  it('lessons: loaded or refused with a file and line, never a crash, however deep or repetitive (300 cases)', () => {
    const json = fc.oneof(
      fc.json({ maxDepth: 4 }),
      fc.nat({ max: 20_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
      fc.nat({ max: 20_000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
      fc.constantFrom('{"id":"a","id":"b"}', '{', '', '[]', 'null'),
    );
    fc.assert(
      fc.property(json, (text) => {
        const r = loadLesson('lessons/fuzz.json', text, () => undefined);
        if (!r.ok) for (const e of r.errors) expect(e.file).toBe('lessons/fuzz.json');
      }),
      { numRuns: 300, seed: 18 },
    );
  });

  it('commands and faults: parsed, or a CommandError (2000 cases)', () => {
    const number = fc.oneof(fc.double(), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, 1e308, -1, 0));
    const command = fc.oneof(
      fc.record({ do: fc.constant('fault'), fault: fc.record({ kind: fc.constantFrom('stop', 'start', 'kill', 'promote', 'lag-spike', 'explode', ''), node: fc.constantFrom('primary', '', 'x'), applyFactor: number, linkDelay: fc.oneof(value, number), duration: fc.oneof(value, number) }, { requiredKeys: ['kind'] }) }),
      fc.record({ do: fc.constantFrom('runSql', 'setNodeSetting', 'setWorkload', 'addNode', 'removeEdge', 'run', 'nope'), node: value, sql: value, name: value, value: fc.oneof(value, number), set: fc.dictionary(fc.string({ maxLength: 8 }), value) }, { requiredKeys: ['do'] }),
      value,
    );
    fc.assert(
      fc.property(command, (c) => {
        try {
          parseCommand(c);
        } catch (e) {
          expect(e).toBeInstanceOf(CommandError);
        }
      }),
      { numRuns: 2000, seed: 18 },
    );
  });
});

/** Statements the console must never run, by what they break. */
const DANGEROUS = [
  'SET SESSION AUTHORIZATION postgres',
  "COPY (SELECT 1) TO PROGRAM 'cat'",
  'DROP SCHEMA sim_catalog CASCADE',
  'DELETE FROM sim_catalog.pg_stat_activity',
  'DISCARD ALL',
  "SET work_mem = '1GB'",
  'SELECT pg_terminate_backend(1)',
  'SELECT pg_catalog.pg_sleep(60)',
  'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r',
];

const literal = (sql: string) => `'${sql.replaceAll("'", "''")}'`;

/** Ways to carry a statement inside another: dynamic SQL, a function that runs text, a function body. */
const WRAPS: ((sql: string, depth: number) => string)[] = [
  (sql, d) => `DO $d${d}$ BEGIN EXECUTE ${literal(sql)}; END $d${d}$`,
  (sql, d) => `DO $d${d}$ DECLARE q text := ${literal(sql)}; BEGIN EXECUTE q; END $d${d}$`,
  (sql, d) => `DO $d${d}$ BEGIN PERFORM 1; ${sql}; END $d${d}$`,
  (sql) => `SELECT query_to_xml(${literal(sql)}, true, false, '')`,
  (sql, d) => `CREATE FUNCTION f${d}() RETURNS void LANGUAGE sql AS ${literal(sql)}`,
];

describe('the console guard on the parse tree (fuzz)', () => {
  beforeAll(() => loadSqlParser());

  const spelled = (sql: string, cases: boolean[], gaps: number[]) =>
    sql
      .split(' ')
      .map((w, i) => (cases[i % cases.length] && !w.includes("'") ? w.toUpperCase() : w))
      .reduce((text, w, i) => (i === 0 ? w : text + [' ', '\n\t', ' /* ; SELECT 1 */ ', ' -- ;\n'][gaps.shift() ?? 0] + w), '');

  it('refuses a dangerous statement however it is nested, cased and commented (1,000 cases)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...DANGEROUS),
        fc.array(fc.nat(WRAPS.length - 1), { maxLength: 3 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(3), { maxLength: 20 }),
        (core, wraps, cases, gaps) => {
          let sql = spelled(core, cases, gaps);
          // a top-level DO body with the statement inline cannot hold a WITH ... SELECT as a statement
          wraps.forEach((w, d) => {
            sql = WRAPS[w === 2 && /^\s*(WITH|SELECT|with|select)/.test(sql) ? 0 : w](sql, d);
          });
          expect(refuseReason(sql), sql).toBeDefined();
        },
      ),
      { numRuns: 1000, seed: 18 },
    );
  });

  it('lets a dangerous statement through as data, and never throws on any text (500 cases)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...DANGEROUS), fc.string()), fc.string(), (data, noise) => {
        expect(refuseReason(`INSERT INTO notes (body) VALUES (${literal(data)})`)).toBeUndefined();
        expect(refuseReason(`SELECT ${literal(data)} AS body`)).toBeUndefined();
        const why = refuseReason(noise + data);
        expect(why === undefined || why.length > 0).toBe(true);
      }),
      { numRuns: 500, seed: 18 },
    );
  });
});

/** Statements the issue found leaking into the workload or past the console's role, by node kind. */
const HOSTILE: Record<string, string[]> = {
  postgres: [
    "SELECT set_config('search_path', 'pg_temp', false)",
    "SELECT set_config('default_transaction_read_only', 'on', false)",
    'CREATE TEMP TABLE users (id int)',
    'DEALLOCATE ALL',
    'CREATE VIEW public.pg_stat_activity AS SELECT 1 AS pid',
    'CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE sql AS $$ SELECT now() $$',
    "DO $$ BEGIN EXECUTE 'DROP SCHEMA sim_catalog CASCADE'; END $$",
    "COPY (SELECT 1) TO PROGRAM 'true'",
    'SET SESSION AUTHORIZATION postgres',
    'DROP SCHEMA sim_catalog CASCADE',
  ],
  pgbouncer: ['DROP TABLE users', 'SHOW POOLS; DROP TABLE users', "SET server_reset_query = 'DROP TABLE users'"],
  pgdog: [
    'SELECT pg_catalog.pg_sleep(60)',
    "DO $$ BEGIN EXECUTE 'DROP SCHEMA sim_catalog CASCADE'; END $$",
    "SELECT set_config('search_path', 'pg_temp', false)",
    'WITH RECURSIVE r AS (SELECT 1 UNION ALL SELECT 1 FROM r) SELECT * FROM r',
    'BEGIN; DROP TABLE users; COMMIT',
  ],
  // redis-cli lines (a SUBSCRIBE that outlived its line left every later console line refused)
  redis: ['SUBSCRIBE invalidations', 'DEBUG SLEEP 60', 'EVAL "while true do end" 0', 'CLIENT PAUSE 100000', 'SHUTDOWN NOSAVE'],
};

describe('hostile console input on every node kind with a console (real PGlite)', () => {
  it.each([
    ['pgbouncer-replicas.json', ['postgres', 'pgbouncer']],
    ['sharding-pgdog.json', ['pgdog']],
    ['cache.json', ['redis']],
  ])('%s: leaves the workload error rate and the data as they were', async (file, kinds) => {
    const s = structuredClone(scenarioFile(file));
    s.workload.clients = 8;
    const sim = await startSim(s);
    const databases = [...sim.nodes].filter(([, n]) => n.kind === 'postgres').map(([id]) => id);
    const users = async () => Promise.all(databases.map(async (node) => (await sim.apply({ do: 'runSql', node, sql: 'SELECT count(*) FROM users' })).rows));
    const window = async () => {
      const failed = sim.metrics.failed;
      await sim.runUntil(sim.now + 300_000);
      return sim.metrics.failed - failed;
    };
    await sim.runUntil(500_000);
    const data = await users();
    let cases = 0;
    for (const [id, n] of sim.nodes) {
      const kind = n.kind;
      for (const sql of kinds.includes(kind) ? HOSTILE[kind] : []) {
        const before = await window();
        await sim.apply({ do: 'runSql', node: id, sql });
        expect({ id, sql, failed: await window() }).toEqual({ id, sql, failed: before });
        expect(await users()).toEqual(data);
        cases++;
      }
    }
    expect(cases).toBe(kinds.reduce((sum, k) => sum + HOSTILE[k].length * [...sim.nodes.values()].filter((n) => n.kind === k).length, 0));
    expect(cases).toBeGreaterThan(0);
  }, 120_000);
});
