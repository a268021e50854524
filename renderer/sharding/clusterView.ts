/**
 * The cluster-wide monitoring view's figures: one row per shard from SQL run on the shard's primary, as the
 * console runs it (real SQL on its PGlite, the synthesized pg_stat views): a count of each distributed table's
 * rows and the tables' total size, then the seed's three monitoring queries verbatim (MONITORING_QUERIES),
 * read back into a few figures. Pure: the queries out, their results in.
 */
import { type ConsoleResult, MONITORING_QUERIES } from '../../sim/index.ts';

export interface ShardMonitor {
  /** Rows of each distributed table on this shard. */
  rows: Record<string, number>;
  /** pg_total_relation_size of every user table (distributed and reference), bytes. */
  bytes: number;
  /** The seed's "Active connections": backends per state. */
  connections: Record<string, number>;
  /** The seed's "Long-running queries": how many run for over 5 seconds. */
  longRunning: number;
  /** The seed's "Table sizes": each table's total_size as pg_size_pretty wrote it, largest first. */
  tableSizes: { table: string; size: string }[];
  /** The first error a query met (the shard is down ...), in PostgreSQL's words. */
  error?: string;
}

/** The statements run on each shard, in order: the counts and size, then the seed's queries. */
export function monitorQueries(tables: readonly string[]): string[] {
  // quoted: a table may be named as a keyword (`order`, `user`)
  const counts = tables.map((t) => `(SELECT count(*) FROM "${t}") AS "${t}"`);
  const size = '(SELECT coalesce(sum(pg_total_relation_size(relid)), 0) FROM pg_catalog.pg_statio_user_tables) AS total_bytes';
  return [`SELECT ${[...counts, size].join(', ')}`, ...MONITORING_QUERIES.map((q) => q.sql)];
}

const column = (r: ConsoleResult, name: string) => r.columns.indexOf(name);

/** A shard's row from the results of `monitorQueries(tables)`, in the same order. */
export function shardMonitor(tables: readonly string[], results: readonly ConsoleResult[]): ShardMonitor {
  const out: ShardMonitor = { rows: {}, bytes: 0, connections: {}, longRunning: 0, tableSizes: [] };
  const failed = results.find((r) => r.error);
  if (failed?.error) out.error = `${failed.error.severity}: ${failed.error.message}`;
  const [summary, active, long, sizes] = results;
  if (summary && !summary.error && summary.rows[0]) {
    for (const t of tables) out.rows[t] = Number(summary.rows[0][column(summary, t)] ?? 0);
    out.bytes = Number(summary.rows[0][column(summary, 'total_bytes')] ?? 0);
  }
  if (active && !active.error) {
    const [n, state] = [column(active, 'count'), column(active, 'state')];
    for (const r of active.rows) out.connections[r[state] === null ? 'null' : String(r[state])] = Number(r[n]);
  }
  if (long && !long.error) out.longRunning = long.rowCount;
  if (sizes && !sizes.error) {
    const [name, total] = [column(sizes, 'table_name'), column(sizes, 'total_size')];
    out.tableSizes = sizes.rows.map((r) => ({ table: String(r[name]), size: String(r[total]) }));
  }
  return out;
}
