/**
 * Buffer and statement statistics from the model. The real engine's buffer pool (8MB) is not the node's,
 * so pg_statio_user_tables, pg_statio_user_indexes, pg_stat_database and pg_stat_statements show the
 * model's figures: sim_catalog views over the real ones (their relids, names and other columns stay the
 * engine's), with the block counters, transactions and statements the node set in the settings
 * sim.statio and sim.statements before each console statement. So the usual cache-hit-ratio query
 *   SELECT sum(heap_blks_hit) / nullif(sum(heap_blks_hit) + sum(heap_blks_read), 0) FROM pg_statio_user_tables;
 * and "top queries by total time" give the modelled answers. pg_buffercache is set alongside (buffercache.ts).
 */

/** Block counters of one relation: hits in shared_buffers, and reads (from the OS page cache or disk). */
export interface BlockCounts {
  hit: number;
  read: number;
}

/** pg_stat_statements' figures of one statement text. */
export interface StatementFigures {
  calls: number;
  totalMs: number;
  minMs: number;
  maxMs: number;
  /** Sum of squares of each execution's time, for stddev_exec_time. */
  sumSquaresMs: number;
  rows: number;
  hit: number;
  read: number;
  tempRead: number;
  tempWritten: number;
  walRecords: number;
}

/** What the views show of one database. */
export interface DatabaseFigures {
  numbackends: number;
  xact_commit: number;
  xact_rollback: number;
  blks_read: number;
  blks_hit: number;
  temp_files: number;
  temp_bytes: number;
}

const model = (path: string) => `(NULLIF(current_setting('sim.statio', true), '')::json ${path})`;
const counter = (col: string, real: string, path: string) =>
  `CASE WHEN ${real} IS NULL THEN NULL ELSE COALESCE((${model(path)} ->> '${col}')::bigint, 0) END AS ${col}`;

/** pg_stat_statements 1.12's columns (PostgreSQL 18), in its order. */
const STATEMENT_COLUMNS =
  'userid oid, dbid oid, toplevel bool, queryid bigint, query text, plans int8, total_plan_time float8, min_plan_time float8, ' +
  'max_plan_time float8, mean_plan_time float8, stddev_plan_time float8, calls int8, total_exec_time float8, min_exec_time float8, ' +
  'max_exec_time float8, mean_exec_time float8, stddev_exec_time float8, rows int8, shared_blks_hit int8, shared_blks_read int8, ' +
  'shared_blks_dirtied int8, shared_blks_written int8, local_blks_hit int8, local_blks_read int8, local_blks_dirtied int8, ' +
  'local_blks_written int8, temp_blks_read int8, temp_blks_written int8, shared_blk_read_time float8, shared_blk_write_time float8, ' +
  'local_blk_read_time float8, local_blk_write_time float8, temp_blk_read_time float8, temp_blk_write_time float8, wal_records int8, ' +
  'wal_fpi int8, wal_bytes numeric, wal_buffers_full int8, jit_functions int8, jit_generation_time float8, jit_inlining_count int8, ' +
  'jit_inlining_time float8, jit_optimization_count int8, jit_optimization_time float8, jit_emission_count int8, jit_emission_time float8, ' +
  'jit_deform_count int8, jit_deform_time float8, parallel_workers_to_launch int8, parallel_workers_launched int8, ' +
  'stats_since timestamptz, minmax_stats_since timestamptz';

/** The views, created in sim_catalog with the template (engine/snapshots.ts). */
export const STATISTICS_VIEWS_SQL = `
CREATE VIEW sim_catalog.pg_statio_user_tables AS
  SELECT t.relid, t.schemaname, t.relname,
    ${counter('heap_blks_read', 't.heap_blks_read', "-> 'tables' -> t.relname::text")},
    ${counter('heap_blks_hit', 't.heap_blks_hit', "-> 'tables' -> t.relname::text")},
    ${counter('idx_blks_read', 't.idx_blks_read', "-> 'tables' -> t.relname::text")},
    ${counter('idx_blks_hit', 't.idx_blks_hit', "-> 'tables' -> t.relname::text")},
    CASE WHEN t.toast_blks_read IS NULL THEN NULL ELSE 0::bigint END AS toast_blks_read,
    CASE WHEN t.toast_blks_hit IS NULL THEN NULL ELSE 0::bigint END AS toast_blks_hit,
    CASE WHEN t.tidx_blks_read IS NULL THEN NULL ELSE 0::bigint END AS tidx_blks_read,
    CASE WHEN t.tidx_blks_hit IS NULL THEN NULL ELSE 0::bigint END AS tidx_blks_hit
  FROM pg_catalog.pg_statio_user_tables t;
CREATE VIEW sim_catalog.pg_statio_user_indexes AS
  SELECT i.relid, i.indexrelid, i.schemaname, i.relname, i.indexrelname,
    ${counter('idx_blks_read', 'i.idx_blks_read', "-> 'indexes' -> i.indexrelname::text")},
    ${counter('idx_blks_hit', 'i.idx_blks_hit', "-> 'indexes' -> i.indexrelname::text")}
  FROM pg_catalog.pg_statio_user_indexes i;
CREATE VIEW sim_catalog.pg_stat_database AS
  SELECT (pg_catalog.json_populate_record(d, COALESCE(${model("-> 'database'")}, '{}'::json) -> COALESCE(d.datname::text, ''))).*
  FROM pg_catalog.pg_stat_database d;
CREATE VIEW sim_catalog.pg_stat_statements AS
  SELECT * FROM json_to_recordset(COALESCE(NULLIF(current_setting('sim.statements', true), ''), '[]')::json) AS s(${STATEMENT_COLUMNS});
`;

/** Every counter and time column at 0, as pg_stat_statements shows what did not happen. */
const STATEMENT_ZEROS = Object.fromEntries(
  STATEMENT_COLUMNS.split(', ')
    .map((c) => c.split(' '))
    .filter(([, type]) => type === 'int8' || type === 'float8' || type === 'numeric')
    .map(([name]) => [name, 0]),
);

const quote = (v: string) => `'${v.replace(/'/g, "''")}'`;

/** A stable queryid for a statement text (pg_stat_statements hashes the normalized query tree). */
function queryId(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h | 0;
}

/**
 * SQL that sets what the views show: the block counters per table (heap, and its indexes summed) and per
 * index, the database's figures, the statements, and what pg_buffercache shows.
 * @param indexTable each index's table, to sum idx_blks_* per table as pg_statio_user_tables does.
 * @param buffercache the value of sim.buffercache (buffercache.ts `buffercacheJson`).
 */
export function refreshStatisticsSql(
  relations: ReadonlyMap<string, BlockCounts>,
  indexTable: ReadonlyMap<string, string>,
  database: DatabaseFigures,
  statements: ReadonlyMap<string, StatementFigures>,
  sinceTimestamp: string,
  buffercache: string,
): string {
  const tables: Record<string, Record<string, number>> = {};
  const indexes: Record<string, Record<string, number>> = {};
  const table = (name: string) => (tables[name] ??= { heap_blks_read: 0, heap_blks_hit: 0, idx_blks_read: 0, idx_blks_hit: 0 });
  for (const [name, c] of relations) {
    const owner = indexTable.get(name);
    if (owner === undefined) {
      table(name).heap_blks_read += c.read;
      table(name).heap_blks_hit += c.hit;
      continue;
    }
    indexes[name] = { idx_blks_read: c.read, idx_blks_hit: c.hit };
    table(owner).idx_blks_read += c.read;
    table(owner).idx_blks_hit += c.hit;
  }
  const rows = [...statements].map(([query, s]) => {
    const mean = s.calls > 0 ? s.totalMs / s.calls : 0;
    return {
      ...STATEMENT_ZEROS,
      userid: 10,
      dbid: 5,
      toplevel: true,
      queryid: queryId(query),
      query,
      calls: s.calls,
      total_exec_time: s.totalMs,
      min_exec_time: s.minMs,
      max_exec_time: s.maxMs,
      mean_exec_time: mean,
      stddev_exec_time: Math.sqrt(Math.max(0, s.sumSquaresMs / Math.max(1, s.calls) - mean * mean)),
      rows: s.rows,
      shared_blks_hit: s.hit,
      shared_blks_read: s.read,
      temp_blks_read: s.tempRead,
      temp_blks_written: s.tempWritten,
      wal_records: s.walRecords,
      stats_since: sinceTimestamp,
      minmax_stats_since: sinceTimestamp,
    };
  });
  const statio = JSON.stringify({ tables, indexes, database: { postgres: database } });
  return `SELECT set_config('sim.statio', ${quote(statio)}, false), set_config('sim.statements', ${quote(JSON.stringify(rows))}, false), set_config('sim.buffercache', ${quote(buffercache)}, false)`;
}
