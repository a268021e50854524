/**
 * The console's own session on a node's one PGlite backend, which the workload shares. In PostgreSQL a
 * console is a session of its own: what it sets, prepares, listens to or creates as temporary goes away
 * with it and never reaches the application's sessions. Here each console input is such a session: it
 * runs as the console's role (CONSOLE_ROLE, see snapshots.ts) and, when it ends, the backend is put back
 * as the workload left it:
 * - any transaction left open is rolled back, and the backend is the superuser again;
 * - session settings (pg_settings with source `session`, search_path and default_transaction_read_only
 *   included) get their values back, and those the input set are reset;
 * - temporary relations, WITH HOLD cursors and LISTEN channels the input made are dropped, closed,
 *   unlistened;
 * - prepared statements the input made are deallocated; those it deallocated or replaced are prepared
 *   again (SQL PREPARE) or forgotten by the wire session, which parses them again when next used.
 * Advisory locks are left: the backend is the only one, so they never block anyone.
 */
import type { PGlite } from '@electric-sql/pglite';
import { CONSOLE_ROLE, SUPERUSER } from './snapshots.ts';
import type { WireSession } from './wire.ts';

export interface SessionState {
  /** Session-level settings: name -> value as pg_settings shows it (base units). */
  gucs: Record<string, string>;
  /** Prepared statements: name -> [statement text, made by SQL PREPARE]. */
  prepared: Record<string, [string, boolean]>;
  /** Temporary relations, by oid. */
  temps: number[];
  cursors: string[];
  channels: string[];
}

const STATE_SQL = `SELECT
  (SELECT pg_catalog.json_object_agg(name, setting) FROM pg_catalog.pg_settings WHERE source OPERATOR(pg_catalog.=) 'session') AS gucs,
  (SELECT pg_catalog.json_object_agg(name, pg_catalog.json_build_array(statement, from_sql)) FROM pg_catalog.pg_prepared_statements) AS prepared,
  (SELECT pg_catalog.json_agg(c.oid::int) FROM pg_catalog.pg_class c WHERE c.relnamespace OPERATOR(pg_catalog.=) pg_catalog.pg_my_temp_schema()) AS temps,
  (SELECT pg_catalog.json_agg(name) FROM pg_catalog.pg_cursors) AS cursors,
  (SELECT pg_catalog.json_agg(c) FROM pg_catalog.pg_listening_channels() c) AS channels`;

async function sessionState(db: PGlite): Promise<SessionState> {
  const r = (await db.query<Partial<SessionState>>(STATE_SQL)).rows[0] ?? {};
  return { gucs: r.gucs ?? {}, prepared: r.prepared ?? {}, temps: r.temps ?? [], cursors: r.cursors ?? [], channels: r.channels ?? [] };
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

const DROP_NEW_TEMPS = `SELECT pg_catalog.format('DROP %s IF EXISTS %s CASCADE',
    CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'c' THEN 'TYPE' ELSE 'TABLE' END,
    c.oid::pg_catalog.regclass) AS sql
  FROM pg_catalog.pg_class c
  WHERE c.relnamespace OPERATOR(pg_catalog.=) pg_catalog.pg_my_temp_schema() AND c.relkind OPERATOR(pg_catalog.=) ANY ('{r,p,v,m,S,f,c}')
    AND NOT c.oid::int OPERATOR(pg_catalog.=) ANY ($1::int[])`;

// The settings as they were: a setting the input changed gets its value back, one it set is reset.
const RESTORE_GUCS = `SELECT pg_catalog.set_config(COALESCE(b.key, a.name), COALESCE(b.value, a.reset_val), false)
  FROM (SELECT name, setting, reset_val FROM pg_catalog.pg_settings WHERE source OPERATOR(pg_catalog.=) 'session') a
  FULL JOIN pg_catalog.json_each_text($1::json) b ON b.key OPERATOR(pg_catalog.=) a.name
  WHERE a.setting IS DISTINCT FROM b.value`;

/** Saves the workload's session state and makes the backend the console's. */
export async function enterConsole(db: PGlite): Promise<SessionState> {
  const before = await sessionState(db);
  await db.query(`SET SESSION AUTHORIZATION ${CONSOLE_ROLE}`);
  return before;
}

/** Puts the backend back as `enterConsole` found it (see the file's comment). */
export async function leaveConsole(db: PGlite, before: SessionState, wire: WireSession | undefined): Promise<void> {
  await db.query('ROLLBACK');
  // First the superuser again, and a path no object of the console's can be on.
  await db.exec(`SET SESSION AUTHORIZATION ${SUPERUSER}; RESET ROLE; SET search_path = pg_catalog`);
  const after = await sessionState(db);
  for (const { sql } of (await db.query<{ sql: string }>(DROP_NEW_TEMPS, [before.temps])).rows) await db.exec(sql);
  for (const c of after.cursors) if (!before.cursors.includes(c)) await db.exec(`CLOSE ${ident(c)}`);
  for (const c of after.channels) if (!before.channels.includes(c)) await db.exec(`UNLISTEN ${ident(c)}`);
  const forgotten = new Set<string>();
  for (const [name, [text]] of Object.entries(after.prepared)) {
    if (before.prepared[name]?.[0] !== text) await db.exec(`DEALLOCATE ${ident(name)}`);
  }
  for (const [name, [text, fromSql]] of Object.entries(before.prepared)) {
    if (after.prepared[name]?.[0] === text) continue;
    // One that no longer prepares (the input dropped its table) stays gone; its EXECUTE fails, as it would.
    if (fromSql) await db.exec(text).catch(() => undefined);
    else forgotten.add(name);
  }
  if (forgotten.size > 0) wire?.forget(forgotten);
  await db.query(RESTORE_GUCS, [JSON.stringify(before.gucs)]);
}
