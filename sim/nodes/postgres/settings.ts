/** Settings of a `postgres` node: PostgreSQL's own names where they exist, and the server's hardware. */
import { z } from 'zod';
import { parseTime } from '../../core/units.ts';
import { virtualTimestamp } from '../../monitoring/activity.ts';
import { SYNCHRONOUS_COMMIT } from '../../replication/ports.ts';
import { parseStandbyNames } from '../../replication/standbyNames.ts';
import { enumSetting, intSetting, memoryBytes, memorySetting, numberSetting, timeSetting } from '../../scenario/settings.ts';
import { INSTANCE_NAMES, INSTANCE_PRICES, withInstance } from './instances.ts';

export const postgresSettings = z
  .strictObject({
    instance: enumSetting(INSTANCE_NAMES, 'custom', {
      context: 'postmaster',
      help:
        `A cloud instance shape (Amazon RDS, on-demand, ${INSTANCE_PRICES.region}, ${INSTANCE_PRICES.date} prices): its vCPU and RAM become cores and ram, ` +
        'and its price per hour shows in the report. custom: cores and ram as set, no price.',
    }),
    cores: intSetting(4, 1, 256, { context: 'postmaster', help: 'CPU cores of the server; running statements share them.' }),
    ram: memorySetting('16GB', 'MB', '512MB', '4TB', {
      context: 'postmaster',
      help: 'Memory of the server; what shared_buffers leaves (less 512MB) is the OS page cache.',
    }),
    disk_latency: timeSetting('0.1ms', 'ms', '1us', '100ms', {
      context: 'postmaster',
      help: 'One random 8kB read from disk, and one WAL flush at commit (NVMe ~0.1ms, SATA SSD ~0.2ms, network disk ~1ms).',
    }),
    disk_throughput: intSetting(1000, 10, 100_000, {
      context: 'postmaster',
      unit: 'MB/s',
      help: 'Sequential disk speed, for sequential scans that miss the caches and temp files.',
    }),
    max_connections: intSetting(100, 1, 10_000, {
      context: 'postmaster',
      help: 'Maximum concurrent connections; over it (less superuser_reserved_connections) a connection gets FATAL: sorry, too many clients already.',
    }),
    superuser_reserved_connections: intSetting(3, 0, 100, {
      context: 'postmaster',
      help: 'Connection slots kept for superusers; the app cannot use them.',
    }),
    shared_buffers: memorySetting('128MB', '8kB', '128kB', '1TB', {
      context: 'postmaster',
      help: "PostgreSQL's own page cache. PGTune: RAM/4. Pages not in it come from the OS cache or the disk.",
    }),
    work_mem: memorySetting('4MB', 'kB', '64kB', '2GB', {
      context: 'user',
      help: 'Memory per sort or hash before it spills to temp files (EXPLAIN: external merge Disk). Per plan node, per query.',
    }),
    effective_cache_size: memorySetting('4GB', '8kB', '8kB', '16TB', {
      context: 'user',
      help: "The planner's guess of the cache available (PGTune: 3/4 of RAM); changes plans, allocates nothing.",
    }),
    synchronous_commit: enumSetting(SYNCHRONOUS_COMMIT, 'on', {
      context: 'user',
      help:
        'What a commit waits for. off: not even the local WAL flush; local: the local flush; with synchronous standbys ' +
        '(synchronous_standby_names) remote_write: they wrote it, on: they flushed it, remote_apply: they replayed it (reads there see it).',
    }),
    synchronous_standby_names: z
      .string()
      .max(1000)
      .default('')
      .superRefine((v, ctx) => {
        const p = parseStandbyNames(v);
        if (p && 'error' in p) ctx.addIssue({ code: 'custom', message: p.error });
      })
      .meta({
        context: 'sighup',
        help:
          "On a primary: the standbys (replica node ids) commits wait for. 'FIRST n (a, b)': the first n connected; 'ANY n (a, b)': " +
          "any n (quorum); 'a, b' = FIRST 1; '*' matches any standby; '' (default): every standby is async.",
      }),
    application_name: z
      .string()
      .max(63)
      .optional()
      .meta({
        context: 'sighup',
        help:
          "On a replica: the application_name its walreceiver connects with (primary_conninfo's application_name=), which the " +
          "primary's pg_stat_replication shows and synchronous_standby_names matches. Omitted: the node's id (as the exported " +
          "primary_conninfo names it); empty: PostgreSQL's default, cluster_name if set, else walreceiver.",
      }),
    cluster_name: z.string().max(63).default('').meta({
      context: 'postmaster',
      help: "A name for the server (shown in its process titles); a replica's walreceiver uses it as its application_name when primary_conninfo names none.",
    }),
    recovery_min_apply_delay: timeSetting(0, 'ms', '0ms', '24h', {
      context: 'sighup',
      help: 'On a replica: replay each commit only this long after the primary committed it (a delayed standby), e.g. 500ms or 1h.',
    }),
    max_standby_streaming_delay: z
      .union([z.number(), z.string()])
      .superRefine((v, ctx) => {
        const us = v === -1 ? 0 : parseTime(v, 1e3);
        if (us === undefined || us > 24 * 3600e6) ctx.addIssue({ code: 'custom', message: 'expected a time such as 30s, or -1 (wait forever)' });
      })
      .default('30s')
      .meta({
        context: 'sighup',
        unit: 'ms',
        min: -1,
        max: '24h',
        help:
          'On a replica: how long replay may wait for queries that conflict with it (they read rows an UPDATE/DELETE/DDL replayed here ' +
          'removes or locks) before cancelling them with "canceling statement due to conflict with recovery". -1 waits forever.',
      }),
    checkpoint_timeout: timeSetting('5min', 's', '30s', '1d', {
      context: 'sighup',
      help: 'Maximum time between automatic checkpoints. A crash recovers from the last one, redoing the WAL written since: more time, longer recovery.',
    }),
    max_wal_size: memorySetting('1GB', 'MB', '2MB', '2TB', {
      context: 'sighup',
      help: 'WAL written since the last checkpoint that triggers the next one (soft limit); bounds how much a crash recovery redoes.',
    }),
    autovacuum: enumSetting(['on', 'off'], 'on', {
      context: 'sighup',
      help: 'Autovacuum (here its ANALYZE): off, the statistics stay those of the data set as loaded however the tables change, and plans can go stale.',
    }),
    autovacuum_naptime: timeSetting('1min', 's', '1s', '24d', {
      context: 'sighup',
      help: 'How often autovacuum looks at the database for tables to analyze.',
    }),
    autovacuum_analyze_threshold: intSetting(50, 0, 2147483647, {
      context: 'sighup',
      help: 'Rows changed (n_mod_since_analyze) beyond which, plus the scale factor times the rows, a table is analyzed.',
    }),
    autovacuum_analyze_scale_factor: numberSetting(0.1, 0, 100, {
      context: 'sighup',
      help: 'The share of a table (reltuples) that may change before autovacuum analyzes it, on top of the threshold.',
    }),
    auto_failover_after: timeSetting(0, 'ms', '0ms', '1h', {
      context: 'sighup',
      help:
        'On a primary with replicas: when it dies, promote the most advanced replica after this detection delay (what Patroni or ' +
        'repmgr do; Patroni ttl 30s). 0: no automatic failover, promote with the promote command.',
    }),
  })
  .overwrite(withInstance)
  .refine((s) => s.superuser_reserved_connections < s.max_connections, {
    message: 'superuser_reserved_connections must be less than max_connections',
    path: ['superuser_reserved_connections'],
  })
  .refine((s) => memoryBytes(s.shared_buffers, '8kB') <= memoryBytes(s.ram, 'MB'), {
    message: 'shared_buffers must fit in ram: PostgreSQL could not allocate it',
    path: ['shared_buffers'],
  });

export type PostgresSettings = z.output<typeof postgresSettings>;

/** Settings that replication reads live: a change may release commits waiting for standbys. */
/** Settings the checkpoints read live (Recovery.ts). */
export const CHECKPOINT_SETTINGS = new Set(['checkpoint_timeout', 'max_wal_size']);

export const REPLICATION_SETTINGS = new Set(['synchronous_commit', 'synchronous_standby_names', 'application_name', 'recovery_min_apply_delay', 'max_standby_streaming_delay', 'auto_failover_after']);

/**
 * The real engine session's settings for a node: work_mem and effective_cache_size (they change plans for
 * real), the virtual clock, and a hot standby's read-only transactions (PostgreSQL's own error for writes).
 */
export function sessionSettingsSql(settings: PostgresSettings, isReplica: boolean, nowUs: number): string {
  const kb = (b: number) => `${Math.max(64, Math.floor(b / 1024))}kB`;
  return [
    'SET search_path = public, sim_catalog, pg_catalog',
    `SET work_mem = '${kb(memoryBytes(settings.work_mem, 'kB'))}'`,
    `SET effective_cache_size = '${kb(memoryBytes(settings.effective_cache_size, '8kB'))}'`,
    `SELECT set_config('sim.now', '${virtualTimestamp(nowUs)}', false)`,
    `SET default_transaction_read_only = ${isReplica ? 'on' : 'off'}`,
    `SELECT set_config('sim.in_recovery', '${isReplica ? 'on' : 'off'}', false)`,
  ].join('; ');
}
