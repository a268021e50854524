/** The seed's three monitoring queries (seed/database-scaling-patterns.md), copied verbatim. */
export const MONITORING_QUERIES = [
  {
    name: 'Active connections',
    sql: `-- Active connections
SELECT count(*), state FROM pg_stat_activity GROUP BY state;`,
  },
  {
    name: 'Long-running queries',
    sql: `-- Long-running queries
SELECT pid, now() - pg_stat_activity.query_start AS duration, query
FROM pg_stat_activity
WHERE state = 'active' AND now() - pg_stat_activity.query_start > interval '5 seconds';`,
  },
  {
    name: 'Table sizes',
    sql: `-- Table sizes
SELECT
  relname AS table_name,
  pg_size_pretty(pg_total_relation_size(relid)) AS total_size,
  pg_size_pretty(pg_relation_size(relid)) AS data_size,
  pg_size_pretty(pg_indexes_size(relid)) AS index_size
FROM pg_catalog.pg_statio_user_tables
ORDER BY pg_total_relation_size(relid) DESC;`,
  },
] as const;
