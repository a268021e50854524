/**
 * What a DbEngine is asked to do, and how it answers: plain, structured-cloneable data, so the same
 * requests go to a PGlite in this thread or in a worker. `handleRequest` is the one implementation of
 * the requests on a PGlite instance; both engines call it.
 */
import type { PGlite } from '@electric-sql/pglite';
import { enterConsole, leaveConsole } from './consoleSession.ts';
import { type EngineMemory, engineMemory } from './engineMemory.ts';
import { dataDirTar } from './snapshotFs.ts';
import { CONSOLE_ROLE, SUPERUSER } from './snapshots.ts';
import { WireSession } from './wire.ts';

export interface EngineStatement {
  sql: string;
  params?: readonly unknown[];
  /** `COPY ... FROM STDIN`'s data, as the client sent it: one CopyData after the statement's Execute, then CopyDone. */
  copy?: Uint8Array;
}

/**
 * Sets the virtual clock (sim_catalog.now() reads it) for the rest of the transaction. In a transaction that
 * sets its read-write mode, it comes after that SET (which must be its first statement).
 */
export function clockStatement(timestamp: string): EngineStatement {
  return { sql: "SELECT pg_catalog.set_config('sim.now', $1, true)", params: [timestamp] };
}

/** The same for a real client's statements, which run as the console's role: it may only call sim_catalog's set_config. */
function clientClockStatement(timestamp: string): EngineStatement {
  return { sql: "SELECT sim_catalog.set_config('sim.now', $1, true)", params: [timestamp] };
}

export interface EngineError {
  sqlstate?: string;
  severity?: string;
  message: string;
  detail?: string;
  hint?: string;
  position?: string;
}

export type EngineRequest =
  /**
   * Workload statements over the wire protocol, in order; with `transaction` they run between BEGIN and
   * COMMIT (ROLLBACK on error); with `maxRows` each statement's first rows come back, as text. One
   * request is one Sync, so its statements are one implicit transaction even without `transaction`.
   * `clock` (a timestamptz) is what now() answers in them (sim.now, local to their transaction): a
   * write's column defaults get the virtual time it ran at, never the machine's clock.
   * `client`: a real client's statements (serve/), run as the console's role in a session of its own
   * (consoleSession.ts), as unnamed statements. `rollback` (with `transaction`): ROLLBACK instead of COMMIT,
   * and every sequence as it was before (a real client's transaction block before its COMMIT: TxBlock.ts; a
   * shard's part of a two-phase commit, which its coordinator commits: sim/nodes/postgres/preparedTransaction.ts).
   * `neutral` (with `client`): the statements cannot leave session state behind (consoleGuard.ts
   * `leavesSessionAlone`), so the session is not saved and restored around them: only the role changes
   * and back, a tenth of the cost. `begin`: the block's own BEGIN (`BEGIN ISOLATION LEVEL SERIALIZABLE
   * READ ONLY`) in place of a bare one.
   */
  | {
      op: 'run';
      statements: EngineStatement[];
      transaction: boolean;
      maxRows?: number;
      clock?: string;
      client?: boolean;
      neutral?: boolean;
      rollback?: boolean;
      begin?: string;
    }
  /** EXPLAIN (ANALYZE, BUFFERS, WAL) of each statement inside a transaction that is rolled back; `client` and `neutral` as for `run`. */
  | { op: 'profile'; statements: EngineStatement[]; client?: boolean; neutral?: boolean }
  /**
   * One console input: a statement or a script, run as the console's role in a session of its own
   * (consoleSession.ts); rows capped; reports pg_sleep time asked for and the WAL position it leaves.
   * `clock`: what now() answers in it (a replay's or a redo's: the virtual time it first ran at); without
   * it, the session's.
   */
  | { op: 'console'; sql: string; maxRows: number; clock?: string }
  /** A setup script (schema, data, settings). */
  | { op: 'exec'; sql: string }
  /** The data directory as an uncompressed tar. */
  | { op: 'dump' }
  /** Where the engine's memory is (engineMemory.ts): a diagnostic the benchmark prints. */
  | { op: 'memory' };

export interface StatementResult {
  command?: string;
  rowCount: number;
  columns?: string[];
  /** Each column's type OID (a merge of several nodes' rows orders them by type: sim/sharding/merge.ts). */
  types?: number[];
  rows?: unknown[][];
  truncated?: boolean;
  /** The CommandComplete tag as the server sent it (`INSERT 0 1`, `CREATE TABLE`), when rows were asked for. */
  tag?: string;
  /** `COPY ... TO STDOUT`: its CopyOutResponse's format (0 text, 1 binary) and column count, and its CopyData, one a row. */
  copyOut?: { format: number; columns: number; data: Uint8Array[] };
}

export interface RunReply {
  results: StatementResult[];
  /** Index of the statement that failed, with its error; the ones after it did not run. */
  failedAt?: number;
  error?: EngineError;
}

export interface ProfileReply {
  /** Per statement: the EXPLAIN JSON plan (null for utility statements), the error, pg_sleep seconds. */
  statements: { plan: unknown | null; error?: EngineError; sleptSeconds: number }[];
}

export interface ConsoleReply {
  result?: StatementResult;
  error?: EngineError;
  sleptSeconds: number;
  /** The WAL insert position after it (at least any position it showed). */
  walLsn?: string;
}

export type RunRequest = Extract<EngineRequest, { op: 'run' }>;

export type EngineReply = RunReply | ProfileReply | ConsoleReply | { error?: EngineError } | { tar: Uint8Array } | { memory: EngineMemory };

const EXPLAINABLE = /^\s*(\(?\s*select|with|insert|update|delete|merge|values|table)\b/i;
const CURSOR_SAFE = /^\s*(\(?\s*select|with|values|table)\b/i;

const sessions = new WeakMap<PGlite, WireSession>();

/**
 * Answers one request. Requests on one PGlite must not overlap (a transaction's statements would mix
 * with another's on its single session): the engines call this one request at a time.
 */
export async function handleRequest(db: PGlite, req: EngineRequest): Promise<EngineReply> {
  switch (req.op) {
    case 'run': {
      if (!req.client && !req.rollback) return (await handleRuns(db, [req]))[0];
      const session = wireSession(db);
      const clock = req.clock === undefined ? undefined : (req.client ? clientClockStatement : clockStatement)(req.clock);
      if (!req.client) return keepingSequences(db, !!req.rollback, () => session.run(req.statements, req.transaction, req.maxRows, clock, { rollback: req.rollback }));
      const options = { unnamed: true, rollback: req.rollback, begin: req.begin };
      // neutral: the clock set as the superuser, then the role, in the statements' own round trip
      if (req.neutral) {
        const superClock = req.clock === undefined ? undefined : clockStatement(req.clock);
        return keepingSequences(db, !!req.rollback, () => session.run(req.statements, req.transaction, req.maxRows, superClock, { ...options, role: { as: CONSOLE_ROLE, back: SUPERUSER } }));
      }
      return keepingSequences(db, !!req.rollback, () => asClient(db, false, () => session.run(req.statements, req.transaction, req.maxRows, clock, options)));
    }
    case 'profile':
      return keepingSequences(db, true, () => (req.client ? asClient(db, !!req.neutral, () => profile(db, req.statements)) : profile(db, req.statements)));
    case 'console':
      return consoleQuery(db, req.sql, req.maxRows, req.clock);
    case 'exec':
      try {
        await db.exec(req.sql);
        return {};
      } catch (e) {
        return { error: toEngineError(e) };
      }
    case 'dump':
      return { tar: dataDirTar(db) };
    case 'memory':
      return { memory: engineMemory(db) };
  }
}

function wireSession(db: PGlite): WireSession {
  let s = sessions.get(db);
  if (!s) sessions.set(db, (s = new WireSession(db)));
  return s;
}

/** A request `handleRuns` may answer together with its neighbours: the workload's statements (not a real client's, nor one rolled back). */
export function batchable(req: EngineRequest): req is RunRequest {
  return req.op === 'run' && !req.client && !req.rollback;
}

/**
 * Answers consecutive `batchable` requests, as `handleRequest` would one by one, in as few round trips to
 * the server as it can (WireSession.runMany): the same statements reach it in the same order.
 */
export function handleRuns(db: PGlite, reqs: readonly RunRequest[]): Promise<RunReply[]> {
  return wireSession(db).runMany(
    reqs.map((req) => ({ statements: req.statements, transaction: req.transaction, maxRows: req.maxRows, begin: req.begin, clock: req.clock === undefined ? undefined : clockStatement(req.clock) })),
  );
}

/** Every sequence's state: what nextval() answers next, which a rollback does not give back. */
const SEQUENCES = `SELECT c.oid::pg_catalog.regclass::text AS seq, s.last_value::text, s.is_called
  FROM pg_catalog.pg_class c, pg_catalog.pg_get_sequence_data(c.oid) s WHERE c.relkind OPERATOR(pg_catalog.=) 'S'`;

type SequenceState = { seq: string; last_value: string | null; is_called: boolean };

/**
 * Runs `f` and, with `keep`, puts every sequence back as it was: what a rolled-back run drew with nextval()
 * is given back. PostgreSQL never gives one back, but such a run is not the workload's (a profile, a real
 * client's block before its COMMIT): a standby replaying the primary's writes, or a redo after a crash, must
 * draw the same values.
 */
async function keepingSequences<T>(db: PGlite, keep: boolean, f: () => Promise<T>): Promise<T> {
  if (!keep) return f();
  const sequences = (await db.query<SequenceState>(SEQUENCES)).rows;
  const out = await f();
  const drawn = new Map((await db.query<SequenceState>(SEQUENCES)).rows.map((r) => [r.seq, r]));
  for (const was of sequences) {
    const now = drawn.get(was.seq);
    if (now && was.last_value !== null && (now.last_value !== was.last_value || now.is_called !== was.is_called)) {
      await db.query('SELECT pg_catalog.setval($1::pg_catalog.regclass, $2::bigint, $3)', [was.seq, was.last_value, was.is_called]);
    }
  }
  return out;
}

/**
 * `f` as the console's role in a session of its own (consoleSession.ts): a real client's statements. When
 * they are `neutral` (nothing of the session outlives them) only the role changes, and back.
 */
async function asClient<T>(db: PGlite, neutral: boolean, f: () => Promise<T>): Promise<T> {
  if (neutral) {
    await db.query(`SET SESSION AUTHORIZATION ${CONSOLE_ROLE}`);
    try {
      return await f();
    } finally {
      await db.exec(`ROLLBACK; SET SESSION AUTHORIZATION ${SUPERUSER}`);
    }
  }
  const before = await enterConsole(db);
  try {
    return await f();
  } finally {
    await leaveConsole(db, before, sessions.get(db));
  }
}

/** The statements run for real but are rolled back (sequences too: `keepingSequences`). */
async function profile(db: PGlite, statements: EngineStatement[]): Promise<ProfileReply> {
  const out: ProfileReply['statements'] = [];
  await db.query('BEGIN');
  let failed = false;
  for (const s of statements) {
    if (failed) {
      out.push({ plan: null, sleptSeconds: 0 });
      continue;
    }
    try {
      await db.query(`SELECT set_config('sim.slept', '0', true)`);
      let plan: unknown = null;
      if (EXPLAINABLE.test(s.sql)) {
        const r = await db.query<{ 'QUERY PLAN': unknown }>(
          `EXPLAIN (ANALYZE, BUFFERS, WAL, FORMAT JSON) ${s.sql}`,
          s.params as unknown[] | undefined,
        );
        plan = r.rows[0]?.['QUERY PLAN'] ?? null;
      } else {
        await db.query(s.sql, s.params as unknown[] | undefined);
      }
      out.push({ plan, sleptSeconds: await sleptSeconds(db) });
    } catch (e) {
      out.push({ plan: null, error: toEngineError(e), sleptSeconds: 0 });
      failed = true;
    }
  }
  await db.query('ROLLBACK');
  return { statements: out };
}

async function consoleQuery(db: PGlite, sql: string, maxRows: number, clock: string | undefined): Promise<ConsoleReply> {
  const text = sql.trim().replace(/;\s*$/, '');
  const sessionClock = clock && (await db.query<{ t: string }>(`SELECT current_setting('sim.now', true) AS t`)).rows[0]?.t;
  await db.query(`SELECT set_config('sim.slept', '0', false)${clock ? ", set_config('sim.now', $1, false)" : ''}`, clock ? [clock] : []);
  const before = await enterConsole(db);
  try {
    let result: StatementResult;
    const head = text.replace(/^(\s*--[^\n]*(\n|$)|\s*\/\*[\s\S]*?\*\/)*/, '');
    if (CURSOR_SAFE.test(head) && !text.includes(';')) {
      result = await cappedSelect(db, text, maxRows);
    } else {
      const all = await db.exec(text);
      const last = all[all.length - 1];
      result = last ? toResult(await rowsAsArrays(last), maxRows) : { rowCount: 0 };
    }
    const end = await db.query<{ s: string | null; lsn: string }>(`SELECT current_setting('sim.slept', true) AS s, pg_catalog.pg_current_wal_insert_lsn()::text AS lsn`);
    return { result, sleptSeconds: Number(end.rows[0]?.s ?? 0) || 0, walLsn: end.rows[0]?.lsn };
  } catch (e) {
    return { error: toEngineError(e), sleptSeconds: 0 };
  } finally {
    await leaveConsole(db, before, sessions.get(db));
    if (clock) await db.query(`SELECT set_config('sim.now', $1, false)`, [sessionClock ?? '']);
  }
}

/** A SELECT read through a cursor, so a huge result never leaves the engine whole. */
async function cappedSelect(db: PGlite, text: string, maxRows: number): Promise<StatementResult> {
  await db.query('BEGIN');
  try {
    await db.query(`DECLARE sim_console NO SCROLL CURSOR FOR ${text}`);
  } catch (e) {
    await db.query('ROLLBACK');
    // A data-modifying WITH cannot be a cursor: run it as it is.
    if ((e as { code?: string }).code !== '0A000') throw e;
    return toResult(await db.query<unknown[]>(text, [], { rowMode: 'array' }), maxRows);
  }
  const r = await db.query<unknown[]>(`FETCH FORWARD ${maxRows + 1} FROM sim_console`, [], { rowMode: 'array' });
  await db.query('CLOSE sim_console');
  await db.query('COMMIT');
  // one row past the cap was fetched only to know there are more: it is not a row of the result
  const res = toResult(r, maxRows);
  return { ...res, rowCount: res.rows?.length ?? 0, command: 'SELECT' };
}

async function sleptSeconds(db: PGlite): Promise<number> {
  const r = await db.query<{ s: string | null }>(`SELECT current_setting('sim.slept', true) AS s`);
  return Number(r.rows[0]?.s ?? 0) || 0;
}

interface PgResults {
  rows: unknown[];
  fields: { name: string; dataTypeID?: number }[];
  affectedRows?: number;
  command?: string;
  rowCount?: number;
}

async function rowsAsArrays(r: PgResults): Promise<PgResults> {
  const names = r.fields.map((f) => f.name);
  return { ...r, rows: r.rows.map((row) => (Array.isArray(row) ? row : names.map((n) => (row as Record<string, unknown>)[n]))) };
}

function toResult(r: PgResults, maxRows: number): StatementResult {
  const rowCount = r.fields.length > 0 ? r.rows.length : (r.affectedRows ?? r.rowCount ?? 0);
  const res: StatementResult = { command: r.command, rowCount };
  if (maxRows > 0 && r.fields.length > 0) {
    res.columns = r.fields.map((f) => f.name);
    res.types = r.fields.map((f) => f.dataTypeID ?? 0);
    res.rows = (r.rows as unknown[][]).slice(0, maxRows).map((row) => row.map(plainValue));
    if (r.rows.length > maxRows) res.truncated = true;
  }
  return res;
}

/** JSON-friendly values: timestamps as ISO text, big integers and bytes as text. */
function plainValue(v: unknown): unknown {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? String(v) : v.toISOString();
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return `\\x${Array.from(v, (b) => b.toString(16).padStart(2, '0')).join('')}`;
  if (Array.isArray(v)) return v.map(plainValue);
  return v;
}

export function toEngineError(e: unknown): EngineError {
  const x = e as { code?: string; severity?: string; message?: string; detail?: string; hint?: string; position?: string };
  return {
    sqlstate: typeof x?.code === 'string' ? x.code : undefined,
    severity: x?.severity,
    message: String(x?.message ?? e),
    detail: x?.detail,
    hint: x?.hint,
    position: x?.position,
  };
}
