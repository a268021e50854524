import { describe, expect, it } from 'vitest';
import { MONITORING_QUERIES } from '../../sim/index.ts';
import { monitorQueries, shardMonitor } from '../../renderer/sharding/clusterView.ts';

const result = (columns: string[], rows: unknown[][], error?: string) => ({
  node: 'shard1',
  query: '',
  columns,
  rows,
  rowCount: rows.length,
  ...(error ? { error: { code: 'x', severity: 'ERROR' as const, message: error } } : {}),
});

describe('the cluster view’s queries on a shard', () => {
  it('counts each distributed table and the size, then runs the seed’s queries verbatim', () => {
    const q = monitorQueries(['users', 'orders']);
    expect(q[0]).toBe(
      'SELECT (SELECT count(*) FROM "users") AS "users", (SELECT count(*) FROM "orders") AS "orders", (SELECT coalesce(sum(pg_total_relation_size(relid)), 0) FROM pg_catalog.pg_statio_user_tables) AS total_bytes',
    );
    expect(q.slice(1)).toEqual(MONITORING_QUERIES.map((m) => m.sql));
  });

  it('reads the results into one row: rows, bytes, connections by state, long-running queries, largest tables', () => {
    const m = shardMonitor(
      ['users', 'orders'],
      [
        result(['users', 'orders', 'total_bytes'], [['500', '2500', '983040']]),
        result(['count', 'state'], [['3', 'active'], ['9', 'idle'], ['1', null]]),
        result(['pid', 'duration', 'query'], [[12, '00:00:06', 'SELECT pg_sleep(10)']]),
        result(['table_name', 'total_size', 'data_size', 'index_size'], [['orders', '480 kB', '400 kB', '80 kB'], ['users', '232 kB', '200 kB', '32 kB']]),
      ],
    );
    expect(m).toEqual({
      rows: { users: 500, orders: 2500 },
      bytes: 983040,
      connections: { active: 3, idle: 9, null: 1 },
      longRunning: 1,
      tableSizes: [
        { table: 'orders', size: '480 kB' },
        { table: 'users', size: '232 kB' },
      ],
    });
  });

  it('a shard that is down says so in PostgreSQL’s words', () => {
    const down = result([], [], 'the database system is shutting down');
    const m = shardMonitor(['users'], [down, down, down, down]);
    expect(m.error).toBe('ERROR: the database system is shutting down');
    expect(m.rows).toEqual({});
  });
});
