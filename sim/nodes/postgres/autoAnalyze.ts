/**
 * Autovacuum's ANALYZE. PGlite runs no autovacuum, so without this a node's statistics would stay those of
 * its data snapshot however the tables change, and its plans would drift from a real server's (a prepared
 * statement's generic plan is costed on them). PostgreSQL's launcher visits the database every
 * `autovacuum_naptime`; a worker analyzes each table whose changes since its last analyze
 * (`n_mod_since_analyze`) exceed `autovacuum_analyze_threshold + autovacuum_analyze_scale_factor * reltuples`
 * (autovacuum.c, relation_needs_vacanalyze; reltuples of a table never analyzed counts as 0).
 *
 * Invariants:
 * - The look runs in the engine's order at a virtual moment (every naptime of virtual time), and reads the
 *   changes every earlier request made: the engine's pending statistics are flushed first
 *   (pg_stat_force_next_flush), so when the engine happened to flush them on its own (after a second of
 *   wall clock) does not matter.
 * - The decision and the ANALYZE run inside the engine in one request: the sim does not wait for it.
 * - A replica's engine is analyzed too: a real standby gets its primary's statistics through WAL, and the
 *   sim's replicas replay the same writes as statements, so their changes count the same.
 */
import type { DbEngine } from '../../engine/DbEngine.ts';
import { timeUs } from '../../scenario/settings.ts';
import type { PostgresSettings } from './settings.ts';

/** Settings the look reads live. */
export const AUTOVACUUM_SETTINGS = new Set(['autovacuum', 'autovacuum_naptime', 'autovacuum_analyze_threshold', 'autovacuum_analyze_scale_factor']);

/** Whether the launcher visits the database at `nowUs` (a whole virtual second, as housekeeping runs). */
export function analyzeDue(settings: PostgresSettings, nowUs: number): boolean {
  const naptimeS = Math.max(1, Math.round(timeUs(settings.autovacuum_naptime, 's') / 1e6));
  return settings.autovacuum === 'on' && nowUs > 0 && Math.round(nowUs / 1e6) % naptimeS === 0;
}

/** The worker's pass, as SQL: ANALYZE of every table over its threshold, decided in the engine. */
export function autoAnalyzeSql(settings: PostgresSettings): string {
  const threshold = settings.autovacuum_analyze_threshold;
  const scale = settings.autovacuum_analyze_scale_factor;
  return `DO $$ DECLARE r record; BEGIN
FOR r IN SELECT s.relid::pg_catalog.regclass AS rel FROM pg_catalog.pg_stat_user_tables s JOIN pg_catalog.pg_class c ON c.oid = s.relid
  WHERE s.n_mod_since_analyze > ${threshold} + ${scale} * GREATEST(c.reltuples, 0) ORDER BY s.relid
LOOP EXECUTE pg_catalog.format('ANALYZE %s', r.rel); END LOOP; END $$`;
}

/** Autovacuum's look at `engine` now, when due: not awaited, it runs in the engine's order. Returns the engine requests it sent. */
export function autoAnalyze(engine: DbEngine, settings: PostgresSettings, nowUs: number): number {
  if (!analyzeDue(settings, nowUs)) return 0;
  engine.request({ op: 'exec', sql: 'SELECT pg_catalog.pg_stat_force_next_flush()' }).catch(() => undefined);
  engine.request({ op: 'exec', sql: autoAnalyzeSql(settings) }).catch(() => undefined);
  return 2;
}
