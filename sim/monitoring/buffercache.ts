/**
 * pg_buffercache from the model. The real engine's buffer pool (8MB) is not the node's, so the extension's
 * view and functions (PostgreSQL 16+: pg_buffercache, pg_buffercache_summary(), pg_buffercache_usage_counts(),
 * their exact columns and types) are in sim_catalog, over what the node's buffer-cache model holds now
 * (nodes/postgres/bufferCache.ts `contents`), set in the setting sim.buffercache before each console
 * statement. Nothing to CREATE EXTENSION: they are there, as pg_stat_statements is. So the classic
 *   SELECT c.relname, count(*) AS buffers FROM pg_buffercache b
 *     JOIN pg_class c ON b.relfilenode = pg_relation_filenode(c.oid)
 *      AND b.reldatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
 *   GROUP BY c.relname ORDER BY 2 DESC LIMIT 10;
 * says which relations occupy shared_buffers in the model. The data set's relations only: the catalog's
 * few hundred buffers are left out. Within a relation, block numbers are the model's placement, hottest
 * first (keys are taken as clustered), so they say how many, not which.
 */

/** The model's buffers of one relation: by usage count (index 1..5) and how many of them are dirty. */
export interface BufferFigures {
  byUsage: readonly number[];
  dirty: number;
}

/** One run of buffers of a relation with the same usage count, numbered from `buffer` and `block`. */
interface Run {
  rel: string;
  buffer: number;
  block: number;
  n: number;
  usage: number;
  dirty: number;
  pinned: number;
}

/** The view and functions, created in sim_catalog with the template (engine/snapshots.ts). */
export const BUFFERCACHE_SQL = `
CREATE FUNCTION sim_catalog.sim_buffercache() RETURNS json LANGUAGE sql STABLE AS
  $$ SELECT COALESCE(NULLIF(current_setting('sim.buffercache', true), ''), '{"nbuffers":0,"used":0,"runs":[],"usage":[]}')::json $$;
CREATE FUNCTION sim_catalog.pg_buffercache_summary(OUT buffers_used int4, OUT buffers_unused int4, OUT buffers_dirty int4,
  OUT buffers_pinned int4, OUT usagecount_avg float8) LANGUAGE sql STABLE AS $$
  SELECT (j ->> 'used')::int4, (j ->> 'nbuffers')::int4 - (j ->> 'used')::int4, (j ->> 'dirty')::int4, (j ->> 'pinned')::int4,
    COALESCE((j ->> 'usagecount_avg')::float8, 0) FROM sim_catalog.sim_buffercache() j $$;
CREATE FUNCTION sim_catalog.pg_buffercache_usage_counts(OUT usage_count int4, OUT buffers int4, OUT dirty int4, OUT pinned int4)
  RETURNS SETOF record LANGUAGE sql STABLE AS $$
  SELECT u.usage_count, u.buffers, u.dirty, u.pinned
  FROM sim_catalog.sim_buffercache() j, json_to_recordset(j -> 'usage') AS u(usage_count int4, buffers int4, dirty int4, pinned int4) $$;
CREATE VIEW sim_catalog.pg_buffercache AS
  SELECT (r.buffer + g)::int4 AS bufferid, pg_catalog.pg_relation_filenode(c.oid) AS relfilenode,
    COALESCE(NULLIF(c.reltablespace, 0), d.dattablespace) AS reltablespace, d.oid AS reldatabase, 0::int2 AS relforknumber,
    (r.block + g)::int8 AS relblocknumber, g < r.dirty AS isdirty, r.usage::int2 AS usagecount,
    (g < r.pinned)::int4 AS pinning_backends
  FROM sim_catalog.sim_buffercache() j
    CROSS JOIN json_to_recordset(j -> 'runs') AS r(rel text, buffer int4, block int8, n int4, usage int4, dirty int4, pinned int4)
    JOIN pg_catalog.pg_class c ON c.relname = r.rel AND c.relnamespace = 'public'::regnamespace
    JOIN pg_catalog.pg_database d ON d.datname = current_database()
    CROSS JOIN generate_series(0, r.n - 1) g
  UNION ALL
  SELECT b::int4, NULL::oid, NULL::oid, NULL::oid, NULL::int2, NULL::int8, NULL::bool, NULL::int2, NULL::int4
  FROM sim_catalog.sim_buffercache() j CROSS JOIN generate_series((j ->> 'used')::int4 + 1, (j ->> 'nbuffers')::int4) b;
`;

/**
 * The value of sim.buffercache: the model's buffers (rounded, at most `nbuffers` in all), the statements
 * running now each pinning one of the hottest.
 */
export function buffercacheJson(relations: ReadonlyMap<string, BufferFigures>, nbuffers: number, running: number): string {
  const runs: Run[] = [];
  const usage = Array.from({ length: 6 }, (_, k) => ({ usage_count: k, buffers: 0, dirty: 0, pinned: 0 }));
  const nextBlock = new Map<string, number>();
  let used = 0;
  let usageSum = 0;
  let pinsLeft = running;
  // the hottest buffers first, so the pins (and the cap) fall where PostgreSQL's would
  for (let k = 5; k >= 1; k--) {
    for (const [rel, f] of [...relations].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const n = Math.min(nbuffers - used, Math.round(f.byUsage[k] ?? 0));
      if (n <= 0) continue;
      const held = f.byUsage.reduce((a, b) => a + b, 0);
      const dirty = Math.min(n, Math.round((f.dirty * (f.byUsage[k] ?? 0)) / held));
      const pinned = Math.min(n, pinsLeft);
      const block = nextBlock.get(rel) ?? 0;
      runs.push({ rel, buffer: used + 1, block, n, usage: k, dirty, pinned });
      nextBlock.set(rel, block + n);
      pinsLeft -= pinned;
      used += n;
      usageSum += k * n;
      usage[k].buffers += n;
      usage[k].dirty += dirty;
      usage[k].pinned += pinned;
    }
  }
  usage[0].buffers = nbuffers - used;
  const dirty = usage.reduce((a, u) => a + u.dirty, 0);
  return JSON.stringify({ nbuffers, used, dirty, pinned: running - pinsLeft, usagecount_avg: used > 0 ? usageSum / used : 0, runs, usage });
}
