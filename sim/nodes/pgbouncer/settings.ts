/**
 * Settings of a `pgbouncer` node: PgBouncer 1.2x's own names, defaults and units (pgbouncer.ini's
 * [pgbouncer] section; times in seconds as PgBouncer takes them), plus the [databases] section.
 * Every setting here can be changed on a running PgBouncer (RELOAD or the admin console's SET). Below the
 * schema, what applies to one pool: its [databases] entry's own value, else [pgbouncer]'s (server.c's
 * pool_pool_size and its neighbours). `cpu_per_message` is the simulator's own (the host, not PgBouncer):
 * pgbouncer.ini carries it as a `;lab:` comment line, and the admin console neither shows nor sets it.
 */
import { z } from 'zod';
import { enumSetting, intSetting, timeSetting, timeUs } from '../../scenario/settings.ts';
import type { Pool, PoolDatabase } from './pools.ts';

const sighup = 'sighup' as const;

export const POOL_MODES = ['session', 'transaction', 'statement'] as const;
export type PoolMode = (typeof POOL_MODES)[number];

export const pgbouncerSettings = z.strictObject({
  databases: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,62}$|^\*$/, 'a database name such as mydb'), z.string().max(2000))
    .default({})
    .meta({
      context: sighup,
      help:
        'The [databases] section: a name clients connect to, and the connection string of the server behind it ' +
        '(host=<database node id> dbname=... pool_size=... pool_mode=...). Apps connect to the first entry. ' +
        'Empty: one database "postgres" on the first database node this node has an edge to.',
    }),
  pool_mode: enumSetting(POOL_MODES, 'session', {
    context: sighup,
    help:
      'When a server connection goes back to the pool: session (when the client disconnects), transaction (when its ' +
      'transaction ends), statement (after each statement; multi-statement transactions are refused).',
  }),
  max_client_conn: intSetting(100, 1, 1_000_000, {
    context: sighup,
    help: 'Client connections allowed; over it a client gets: no more connections allowed (max_client_conn).',
  }),
  default_pool_size: intSetting(20, 1, 10_000, {
    context: sighup,
    help: 'Server connections per (database, user) pool. The seed: PostgreSQL behind PgBouncer with 20 connections.',
  }),
  min_pool_size: intSetting(0, 0, 10_000, {
    context: sighup,
    help: 'Server connections kept open while the pool has clients (housekeeping opens them, one at a time).',
  }),
  reserve_pool_size: intSetting(0, 0, 10_000, {
    context: sighup,
    help: 'Extra server connections a pool may open when its oldest waiting client has waited reserve_pool_timeout.',
  }),
  reserve_pool_timeout: timeSetting(5, 's', '0s', '1h', {
    context: sighup,
    help: 'How long the oldest waiting client waits before the reserve pool may open (0 disables the reserve pool).',
  }),
  server_idle_timeout: timeSetting(600, 's', '0s', '30d', {
    context: sighup,
    help: 'A server connection idle longer than this is closed (never below min_pool_size). 0 disables.',
  }),
  server_lifetime: timeSetting(3600, 's', '0s', '30d', {
    context: sighup,
    help: 'A server connection older than this is closed when it is next released (spread over pool_size). 0: at once.',
  }),
  server_connect_timeout: timeSetting(15, 's', '0s', '1d', {
    context: sighup,
    help: 'A server connection that has not logged in within this time is closed.',
  }),
  server_login_retry: timeSetting(15, 's', '0s', '1d', {
    context: sighup,
    help: 'After a failed server login, wait this long before the next attempt; meanwhile new queries fail fast when the pool has no server.',
  }),
  query_wait_timeout: timeSetting(120, 's', '0s', '1d', {
    context: sighup,
    help: 'A client waiting for a server longer than this is disconnected with query_wait_timeout. 0 disables.',
  }),
  query_timeout: timeSetting(0, 's', '0s', '1d', {
    context: sighup,
    help: 'A query running (or waiting) longer than this is cancelled by closing its server connection. 0 disables.',
  }),
  client_idle_timeout: timeSetting(0, 's', '0s', '30d', {
    context: sighup,
    help: 'A client connection idle (no server linked) longer than this is closed. 0 disables.',
  }),
  idle_transaction_timeout: timeSetting(0, 's', '0s', '1d', {
    context: sighup,
    help: 'A client idle in an open transaction longer than this is disconnected, and its server closed. 0 disables.',
  }),
  max_db_connections: intSetting(0, 0, 100_000, {
    context: sighup,
    help: 'Server connections per database, across its pools; clients wait when reached. 0: no limit.',
  }),
  server_round_robin: intSetting(0, 0, 1, {
    context: sighup,
    help: '0: reuse the most recently released server connection first (LIFO); 1: the least recently used (round robin).',
  }),
  server_reset_query: z.string().max(1000).default('DISCARD ALL').meta({
    context: sighup,
    help: 'Sent to a server connection released in session mode, before another client gets it. Empty: none.',
  }),
  server_reset_query_always: intSetting(0, 0, 1, {
    context: sighup,
    help: '1: send server_reset_query in transaction and statement mode too.',
  }),
  stats_period: timeSetting(60, 's', '1s', '1d', {
    context: sighup,
    help: 'Period over which SHOW STATS averages (avg_*) are computed.',
  }),
  cpu_per_message: timeSetting('7us', 'ms', '0ms', '10ms', {
    context: sighup,
    help:
      "The simulator's, not PgBouncer's: CPU time PgBouncer's one process spends on each message it relays (a statement in, " +
      'its result out, a login). PgBouncer is single-threaded: at 7us one core relays about 70,000 statements a second, and ' +
      'beyond that messages queue for it. A core twice as fast: half the value; 0: free.',
  }),
});

/** Settings of the simulated host, not PgBouncer's: pgbouncer.ini carries them as `;lab:` lines. */
export const LAB_ONLY_SETTINGS: ReadonlySet<string> = new Set(['cpu_per_message']);

export type PgBouncerSettings = z.output<typeof pgbouncerSettings>;

/** A time setting in microseconds. */
export function settingUs(s: PgBouncerSettings, name: keyof PgBouncerSettings): number {
  return timeUs(s[name] as number | string, 's');
}

export const poolMode = (s: PgBouncerSettings, pool: Pool): PoolMode => pool.db.poolMode ?? s.pool_mode;
export const poolSize = (s: PgBouncerSettings, pool: Pool): number => pool.db.poolSize ?? s.default_pool_size;
export const minPoolSize = (s: PgBouncerSettings, pool: Pool): number => pool.db.minPoolSize ?? s.min_pool_size;
export const reservePoolSize = (s: PgBouncerSettings, pool: Pool): number => pool.db.reservePoolSize ?? s.reserve_pool_size;
export const maxDbConnections = (s: PgBouncerSettings, db: PoolDatabase): number => db.maxDbConnections ?? s.max_db_connections;
export const serverLifetimeUs = (s: PgBouncerSettings, pool: Pool): number =>
  pool.db.serverLifetime !== undefined ? pool.db.serverLifetime * 1e6 : settingUs(s, 'server_lifetime');
