/**
 * Data-directory snapshots: nodes boot from a tar of a data directory (0.2-0.5 s), never from initdb
 * (2-4 s). The template is initdb plus the sim's catalogue objects; a scenario's data snapshot is the
 * template plus its schema and data. Both are cached by a hash of what made them.
 */
import { hash32 } from '../core/rng.ts';
import type { DbEngine, EngineFactory } from './DbEngine.ts';
import type { EngineReply } from './protocol.ts';

// The real engine is kept small (its files live in memory): 8MB of shared buffers, WAL checkpointed at
// 16MB and, with wal_recycle off, old segments removed rather than kept, so snapshots stay small too.
export const ENGINE_CONF = ['shared_buffers = 8MB', 'min_wal_size = 2MB', 'max_wal_size = 16MB', 'wal_recycle = off', 'wal_init_zero = off'];

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
  PERFORM set_config('sim.slept', (COALESCE(NULLIF(current_setting('sim.slept', true), ''), '0')::double precision
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

const TEMPLATE_SETUP = [
  // A node has one database, postgres: the template databases would only make every boot slower.
  "UPDATE pg_database SET datistemplate = false WHERE datname IN ('template0', 'template1')",
  'DROP DATABASE template0',
  'DROP DATABASE template1',
  TEMPLATE_SQL,
];

const TEMPLATE_KEY = `template-${hash32(ENGINE_CONF.join() + TEMPLATE_SETUP.join()).toString(16)}`;

export function expectOk(reply: EngineReply, what: string): void {
  const error = (reply as { error?: { message: string } }).error;
  if (error) throw new Error(`${what}: ${error.message}`);
}

async function setup(engine: DbEngine, statements: string[]): Promise<Uint8Array> {
  try {
    for (const sql of statements) expectOk(await engine.request({ op: 'exec', sql }), 'snapshot setup');
    expectOk(await engine.request({ op: 'exec', sql: 'CHECKPOINT' }), 'checkpoint');
    const reply = await engine.request({ op: 'dump' });
    return (reply as { tar: Uint8Array }).tar;
  } finally {
    await engine.close();
  }
}

export async function templateSnapshot(factory: EngineFactory): Promise<Uint8Array> {
  const cached = await factory.loadSnapshot(TEMPLATE_KEY);
  if (cached) return cached;
  const tar = await setup(await factory.initdb(), TEMPLATE_SETUP);
  await factory.saveSnapshot(TEMPLATE_KEY, tar);
  return tar;
}

/** The template with `setupSql` (schema and data) applied. */
export async function dataSnapshot(factory: EngineFactory, setupSql: string): Promise<Uint8Array> {
  const key = `data-${TEMPLATE_KEY}-${hash32(setupSql).toString(16)}-${setupSql.length}`;
  const cached = await factory.loadSnapshot(key);
  if (cached) return cached;
  const template = await templateSnapshot(factory);
  const engine = await factory.create({ snapshot: template, postgresqlConf: ENGINE_CONF, name: 'data-load' });
  const tar = await setup(engine, [setupSql, 'ANALYZE']);
  await factory.saveSnapshot(key, tar);
  return tar;
}
