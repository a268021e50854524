/**
 * Data-directory snapshots: nodes boot from a tar of a data directory (0.2-0.5 s), never from initdb
 * (2-4 s). The template is initdb plus the sim's catalogue objects; a scenario's data snapshot is the
 * template plus its schema and data. Both are cached by a hash of what made them.
 */
import { hash32 } from '../core/rng.ts';
import { BUFFERCACHE_SQL } from '../monitoring/buffercache.ts';
import { STATISTICS_VIEWS_SQL } from '../monitoring/statistics.ts';
import type { DbEngine, EngineFactory } from './DbEngine.ts';
import type { EngineReply } from './protocol.ts';
import { parseSql, statementText } from '../sql/parser.ts';

/** The engine's own max_wal_size, in MB (its WAL segments are 1 MB: snapshots' initdb). */
const ENGINE_MAX_WAL_MB = 16;
/**
 * WAL an engine writes before its own checkpoint is due, as PostgreSQL's checkpointer counts it (xlog.c:
 * CheckPointSegments = max_wal_size / (1 + checkpoint_completion_target 0.9) segments, 8, and a checkpoint
 * once the insert position is that many segments less one past the last one's). A single-user backend has no
 * checkpointer, so the node's Recovery asks for it (nodes/postgres/Recovery.ts).
 */
export const ENGINE_CHECKPOINT_WAL_BYTES = (Math.floor(ENGINE_MAX_WAL_MB / 1.9) - 1) * 2 ** 20;

// The real engine is kept small (its files live in memory): 8MB of shared buffers, WAL checkpointed as
// max_wal_size 16MB has it (ENGINE_CHECKPOINT_WAL_BYTES) and, with wal_recycle off, old segments removed
// rather than kept, so its memory and snapshots stay small too.
// max_prepared_transactions above 0 lets a shard's part of a two-phase commit be prepared for real
// (sim/nodes/postgres/preparedTransaction.ts; one at a time per engine, so a few slots are plenty).
export const ENGINE_CONF = [
  'shared_buffers = 8MB',
  'min_wal_size = 2MB',
  `max_wal_size = ${ENGINE_MAX_WAL_MB}MB`,
  'wal_recycle = off',
  'wal_init_zero = off',
  'max_prepared_transactions = 4',
];

/** The role console statements run as (SET SESSION AUTHORIZATION, see consoleSession.ts). */
export const CONSOLE_ROLE = 'sim_console';
/**
 * PGlite's login, the bootstrap superuser. Named to go back to it: a single-user backend has no login
 * value for RESET SESSION AUTHORIZATION to return to, so there RESET does nothing.
 */
export const SUPERUSER = 'postgres';

/**
 * Objects that let real monitoring SQL see the model. `public, sim_catalog, pg_catalog` is the search
 * path, so an unqualified pg_stat_activity, now() or pg_sleep() resolves here, and tables a user creates
 * still go to public:
 * - sim_catalog.pg_stat_activity has exactly the columns (its row type) of this PostgreSQL's
 *   pg_stat_activity; its rows are the JSON in the setting sim.activity, set from the model before each
 *   console statement (a view, so it is no user table and costs no writes);
 * - now() is the virtual clock (the setting sim.now), so now() - query_start is a simulated duration;
 * - pg_sleep() and friends never sleep: they add the seconds asked for to sim.slept, which the cost
 *   model turns into virtual service time.
 */
export const TEMPLATE_SQL = `
CREATE SCHEMA sim_catalog;
CREATE VIEW sim_catalog.pg_stat_activity AS
  SELECT * FROM json_populate_recordset(NULL::pg_catalog.pg_stat_activity,
    COALESCE(NULLIF(current_setting('sim.activity', true), ''), '[]')::json);
CREATE FUNCTION sim_catalog.now() RETURNS timestamptz LANGUAGE sql STABLE AS
  $$ SELECT COALESCE(NULLIF(current_setting('sim.now', true), '')::timestamptz, pg_catalog.now()) $$;
CREATE FUNCTION sim_catalog.pg_sleep(seconds double precision) RETURNS void LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM sim_catalog.set_config('sim.slept', (COALESCE(NULLIF(current_setting('sim.slept', true), ''), '0')::double precision
    + GREATEST(seconds, 0))::text, false);
END $$;
CREATE FUNCTION sim_catalog.pg_sleep_for(duration interval) RETURNS void LANGUAGE sql VOLATILE AS
  $$ SELECT sim_catalog.pg_sleep(extract(epoch FROM duration)::double precision) $$;
CREATE FUNCTION sim_catalog.pg_sleep_until(t timestamptz) RETURNS void LANGUAGE sql VOLATILE AS
  $$ SELECT sim_catalog.pg_sleep(extract(epoch FROM t - sim_catalog.now())::double precision) $$;
CREATE VIEW sim_catalog.pg_stat_replication AS
  SELECT * FROM json_populate_recordset(NULL::pg_catalog.pg_stat_replication,
    COALESCE(NULLIF(current_setting('sim.replication', true), ''), '[]')::json);
CREATE VIEW sim_catalog.pg_stat_wal_receiver AS
  SELECT * FROM json_populate_recordset(NULL::pg_catalog.pg_stat_wal_receiver,
    COALESCE(NULLIF(current_setting('sim.wal_receiver', true), ''), '[]')::json);
CREATE FUNCTION sim_catalog.pg_is_in_recovery() RETURNS boolean LANGUAGE sql STABLE AS
  $$ SELECT COALESCE(current_setting('sim.in_recovery', true), '') = 'on' $$;
CREATE FUNCTION sim_catalog.pg_last_xact_replay_timestamp() RETURNS timestamptz LANGUAGE sql STABLE AS
  $$ SELECT NULLIF(current_setting('sim.replay_ts', true), '')::timestamptz $$;
CREATE FUNCTION sim_catalog.pg_last_wal_replay_lsn() RETURNS pg_lsn LANGUAGE sql STABLE AS
  $$ SELECT NULLIF(current_setting('sim.replay_lsn', true), '')::pg_lsn $$;
CREATE FUNCTION sim_catalog.pg_last_wal_receive_lsn() RETURNS pg_lsn LANGUAGE sql STABLE AS
  $$ SELECT NULLIF(current_setting('sim.receive_lsn', true), '')::pg_lsn $$;
CREATE FUNCTION sim_catalog.pg_current_wal_lsn() RETURNS pg_lsn LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  IF sim_catalog.pg_is_in_recovery() THEN
    RAISE EXCEPTION 'recovery is in progress' USING ERRCODE = '55000', HINT = 'WAL control functions cannot be executed during recovery.';
  END IF;
  RETURN pg_catalog.pg_current_wal_lsn() + COALESCE(NULLIF(current_setting('sim.lsn_offset', true), ''), '0')::numeric;
END $$;
ALTER DATABASE postgres SET search_path = public, sim_catalog, pg_catalog;
`;

/**
 * PGlite is one backend in single-user mode, logged in as the bootstrap superuser, shared by the
 * workload and the console. Console statements run as ${CONSOLE_ROLE}, an ordinary role that owns the
 * scenario's tables (it may create, index, vacuum, drop them) and nothing of the simulator's:
 * - no superuser escapes: COPY ... PROGRAM, server files, ALTER SYSTEM, signalling the backend are
 *   PostgreSQL's own "permission denied";
 * - sim_catalog belongs to the superuser: the role can read it, not drop or replace it;
 * - it can become no other role: SET ROLE is PostgreSQL's membership check, and SET SESSION
 *   AUTHORIZATION (which a single-user backend would allow, its login being a superuser) is reachable
 *   only by its statement at top level (the console guard refuses it) or by set_config(), which the role
 *   may only call through sim_catalog.set_config: the settings an ordinary user may set, never role or
 *   session_authorization;
 * - no dynamic SQL that could hide such a statement: no DO blocks or functions of its own (no USAGE on
 *   the languages sql and plpgsql);
 * - no object in public (its, or the scenario's) may hide one of pg_catalog or sim_catalog on the
 *   search path, where public comes first: an event trigger refuses a relation or type named as one of
 *   theirs, a function or operator with the signature of one of theirs, any function named as a
 *   sim_catalog one. PostgreSQL searches pg_catalog first unless told otherwise, so there such objects
 *   could not fake the monitoring either.
 */
export const CONSOLE_ROLE_SQL = `
CREATE ROLE ${CONSOLE_ROLE};
GRANT CREATE ON DATABASE postgres TO ${CONSOLE_ROLE};
GRANT CREATE ON SCHEMA public TO ${CONSOLE_ROLE};
-- A replica replays the console statements of its primary as the superuser: what they create is the
-- role's to use there too.
ALTER DEFAULT PRIVILEGES FOR ROLE ${SUPERUSER} IN SCHEMA public GRANT ALL ON TABLES TO ${CONSOLE_ROLE};
ALTER DEFAULT PRIVILEGES FOR ROLE ${SUPERUSER} IN SCHEMA public GRANT ALL ON SEQUENCES TO ${CONSOLE_ROLE};
GRANT USAGE ON SCHEMA sim_catalog TO PUBLIC;
GRANT SELECT ON ALL TABLES IN SCHEMA sim_catalog TO PUBLIC;
REVOKE USAGE ON LANGUAGE sql, plpgsql FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION pg_catalog.set_config(text, text, boolean) FROM PUBLIC;
-- Every name is qualified: a security definer function must not resolve anything through the caller's path.
-- The console's role is the only one a session can be besides the superuser (no role may create roles);
-- for the superuser (the workload, the simulator) this is set_config, and reads no catalog.
CREATE FUNCTION sim_catalog.set_config(setting_name text, new_value text, is_local boolean) RETURNS text
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER AS $$
BEGIN
  IF session_user OPERATOR(pg_catalog.=) '${CONSOLE_ROLE}'
    AND (pg_catalog.lower(setting_name) OPERATOR(pg_catalog.=) ANY (ARRAY['role', 'session_authorization'])
      OR EXISTS (SELECT FROM pg_catalog.pg_settings s WHERE pg_catalog.lower(s.name) OPERATOR(pg_catalog.=) pg_catalog.lower(setting_name)
        AND s.context OPERATOR(pg_catalog.<>) 'user')) THEN
    RAISE EXCEPTION 'permission denied to set parameter "%"', setting_name USING ERRCODE = '42501';
  END IF;
  RETURN pg_catalog.set_config(setting_name, new_value, is_local);
END $$;
CREATE FUNCTION sim_catalog.refuse_shadows() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE
  c record;
  hidden text;
BEGIN
  FOR c IN SELECT * FROM pg_catalog.pg_event_trigger_ddl_commands() LOOP
    CONTINUE WHEN c.schema_name IS DISTINCT FROM 'public';
    hidden := CASE c.classid
      WHEN 'pg_catalog.pg_class'::pg_catalog.regclass THEN (
        SELECT n.nspname OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) x.relname
        FROM pg_catalog.pg_class r, pg_catalog.pg_class x JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) x.relnamespace
        WHERE r.oid OPERATOR(pg_catalog.=) c.objid AND x.relname OPERATOR(pg_catalog.=) r.relname
          AND n.nspname OPERATOR(pg_catalog.=) ANY (ARRAY['pg_catalog', 'sim_catalog'])
        UNION ALL
        SELECT 'pg_catalog.' OPERATOR(pg_catalog.||) t.typname FROM pg_catalog.pg_class r, pg_catalog.pg_type t
        WHERE r.oid OPERATOR(pg_catalog.=) c.objid AND r.relkind OPERATOR(pg_catalog.<>) 'i'
          AND t.typname OPERATOR(pg_catalog.=) r.relname AND t.typnamespace OPERATOR(pg_catalog.=) 'pg_catalog'::pg_catalog.regnamespace
        LIMIT 1)
      WHEN 'pg_catalog.pg_type'::pg_catalog.regclass THEN (
        SELECT n.nspname OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) x.typname
        FROM pg_catalog.pg_type t, pg_catalog.pg_type x JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) x.typnamespace
        WHERE t.oid OPERATOR(pg_catalog.=) c.objid AND x.typname OPERATOR(pg_catalog.=) t.typname
          AND n.nspname OPERATOR(pg_catalog.=) ANY (ARRAY['pg_catalog', 'sim_catalog'])
        LIMIT 1)
      WHEN 'pg_catalog.pg_proc'::pg_catalog.regclass THEN (
        SELECT x.oid::pg_catalog.regprocedure::text
        FROM pg_catalog.pg_proc p, pg_catalog.pg_proc x JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) x.pronamespace
        WHERE p.oid OPERATOR(pg_catalog.=) c.objid AND x.proname OPERATOR(pg_catalog.=) p.proname
          AND (n.nspname OPERATOR(pg_catalog.=) 'sim_catalog'
            OR n.nspname OPERATOR(pg_catalog.=) 'pg_catalog' AND x.proargtypes OPERATOR(pg_catalog.=) p.proargtypes)
        LIMIT 1)
      WHEN 'pg_catalog.pg_operator'::pg_catalog.regclass THEN (
        SELECT x.oid::pg_catalog.regoperator::text
        FROM pg_catalog.pg_operator o, pg_catalog.pg_operator x
        WHERE o.oid OPERATOR(pg_catalog.=) c.objid AND x.oprname OPERATOR(pg_catalog.=) o.oprname
          AND x.oprleft OPERATOR(pg_catalog.=) o.oprleft AND x.oprright OPERATOR(pg_catalog.=) o.oprright
          AND x.oprnamespace OPERATOR(pg_catalog.=) 'pg_catalog'::pg_catalog.regnamespace
        LIMIT 1)
    END;
    IF hidden IS NOT NULL THEN
      RAISE EXCEPTION '% would hide % on the search path (public, sim_catalog, pg_catalog)', c.object_identity, hidden
        USING ERRCODE = '42P07', HINT = 'Choose another name: the monitoring views, the virtual clock and the built-in functions must answer as in PostgreSQL.';
    END IF;
  END LOOP;
END $$;
CREATE EVENT TRIGGER sim_refuse_shadows ON ddl_command_end EXECUTE FUNCTION sim_catalog.refuse_shadows();
`;

/** Virtual time 0 as a timestamptz (VIRTUAL_EPOCH_MS of monitoring/activity.ts). */
const VIRTUAL_START = '2026-01-01 00:00:00+00';

const TEMPLATE_SETUP = [
  // A node has one database, postgres: the template databases would only make every boot slower.
  "UPDATE pg_database SET datistemplate = false WHERE datname IN ('template0', 'template1')",
  'DROP DATABASE template0',
  'DROP DATABASE template1',
  TEMPLATE_SQL,
  STATISTICS_VIEWS_SQL,
  BUFFERCACHE_SQL,
  CONSOLE_ROLE_SQL,
];

const TEMPLATE_KEY = `template-${hash32(ENGINE_CONF.join() + TEMPLATE_SETUP.join()).toString(16)}`;

export function expectOk(reply: EngineReply, what: string): void {
  const error = (reply as { error?: { message: string } }).error;
  if (error) throw new Error(`${what}: ${error.message}`);
}

async function setup(engine: DbEngine, statements: string[], onStatement?: (done: number) => void): Promise<Uint8Array> {
  try {
    for (const [i, sql] of statements.entries()) {
      expectOk(await engine.request({ op: 'exec', sql }), 'snapshot setup');
      onStatement?.(i + 1);
    }
    expectOk(await engine.request({ op: 'exec', sql: 'CHECKPOINT' }), 'checkpoint');
    const reply = await engine.request({ op: 'dump' });
    return (reply as { tar: Uint8Array }).tar;
  } finally {
    await engine.close();
  }
}

/**
 * Where a snapshot being made is (a phase in words and the fraction of a whole boot it has reached): a cold
 * first run spends most of its time here, and a student should see it move, not a bar at 0 %.
 */
export type SnapshotProgress = (phase: string, fraction: number) => void;

export async function templateSnapshot(factory: EngineFactory, onPhase?: SnapshotProgress): Promise<Uint8Array> {
  const cached = await factory.loadSnapshot(TEMPLATE_KEY);
  if (cached) return cached;
  onPhase?.('creating the template database (first run only: initdb)', 0.05);
  const tar = await setup(await factory.initdb(), TEMPLATE_SETUP);
  await factory.saveSnapshot(TEMPLATE_KEY, tar);
  return tar;
}

/**
 * Real milliseconds the data load may go without an answer: its one statement inserts the whole data set,
 * which takes minutes at the schema's largest sizes, so the runaway limit of a node's statements (5 s) would
 * kill a legitimate load. A setup that never ends is still stopped.
 */
const DATA_LOAD_WATCHDOG_MS = 600_000;

/**
 * The nodes' search path, so that now() in the scenario's column defaults is sim_catalog's virtual clock
 * (the machine's clock would make the rows, their index pages and so every later figure differ from run to
 * run); rows the setup itself inserts with now() get the run's start.
 */
const DATA_LOAD_PRELUDE = `SET search_path = public, sim_catalog, pg_catalog; SELECT set_config('sim.now', '${VIRTUAL_START}', false)`;

/** The template with `setupSql` (schema and data) applied. */
/**
 * The setup's statements, each run as a request of its own so a long load shows its progress (the default
 * data set inserts in chunks: workload/defaults.ts). A setup PostgreSQL's grammar rejects runs whole, so the
 * engine gives its error with the position in the setup as written.
 */
function setupStatements(setupSql: string): string[] {
  try {
    const stmts = parseSql(setupSql).stmts ?? [];
    return stmts.length > 1 ? stmts.map((s) => statementText(setupSql, s)) : [setupSql];
  } catch {
    return [setupSql];
  }
}

export async function dataSnapshot(factory: EngineFactory, setupSql: string, onPhase?: SnapshotProgress): Promise<Uint8Array> {
  const key = `data-${TEMPLATE_KEY}-${hash32(DATA_LOAD_PRELUDE + setupSql).toString(16)}-${setupSql.length}`;
  const cached = await factory.loadSnapshot(key);
  if (cached) return cached;
  const template = await templateSnapshot(factory, onPhase);
  onPhase?.('loading the data set (first run of this data only)', 0.15);
  const engine = await factory.create({ snapshot: template, postgresqlConf: ENGINE_CONF, name: 'data-load', watchdogMs: DATA_LOAD_WATCHDOG_MS });
  // The scenario's objects belong to the console's role; its setup may use functions and DO blocks.
  const statements = setupStatements(setupSql);
  const tar = await setup(
    engine,
    [
      DATA_LOAD_PRELUDE,
      `GRANT USAGE ON LANGUAGE sql, plpgsql TO ${CONSOLE_ROLE}; SET SESSION AUTHORIZATION ${CONSOLE_ROLE}`,
      ...statements,
      `SET SESSION AUTHORIZATION ${SUPERUSER}; REVOKE USAGE ON LANGUAGE sql, plpgsql FROM ${CONSOLE_ROLE}`,
      'ANALYZE',
    ],
    (done) => {
      // the first two statements set the clock and the role; the last two give the role back and analyze
      const k = done - 2;
      if (k >= 1 && k <= statements.length) onPhase?.(`loading the data set (first run of this data only): ${k} of ${statements.length} statements`, 0.15 + (0.15 * k) / statements.length);
    },
  );
  await factory.saveSnapshot(key, tar);
  return tar;
}
