/**
 * The application code of what a scenario designed, as TypeScript for node-postgres and node-redis: the
 * seed's DatabaseRouter with the app's read_policy, the ShardRouter with the scenario's shard map, and the
 * seed's CacheService with the app's cache settings. Each file compiles on its own (`tsc --strict`) with
 * `pg`, `@types/pg` and `redis` installed; only the chosen policy's code is written, so it reads as the
 * architect's own.
 *
 * The code itself is in templates/*.ts.txt (text, not the simulator's source: it is the real deployment's,
 * with its wall clock, timers and random picks); this file decides what each template keeps.
 */
import type { AppSettings } from '../nodes/app/settings.ts';
import { timeUs } from '../scenario/settings.ts';
import type { ShardMap } from '../sharding/shardMap.ts';
import { fillTemplate } from './template.ts';

export interface Endpoint {
  /** The node id (the host name in the compose file). */
  id: string;
  host: string;
  port: number;
}

/** The texts of templates/*.ts.txt, by file name (sim/cli/exportTemplates.ts reads them in Node). */
export interface ExportTemplates {
  databaseRouter: string;
  cacheService: string;
  shardRouter: string;
}

/** The DatabaseRouter of an app node: its pools (pool_size each, pool_timeout) and its read policy. */
export function databaseRouterTs(template: string, app: string, settings: AppSettings, primary: Endpoint, replicas: Endpoint[], database: string): string {
  const policy = settings.read_policy;
  const pool = (e: Endpoint) =>
    `new Pool({ host: '${e.host}', port: ${e.port}, database: '${database}', user: 'postgres', max: ${settings.pool_size}, connectionTimeoutMillis: ${timeoutMs(settings.pool_timeout)} })`;
  return fillTemplate(template, {
    app,
    policy,
    primary: primary.id,
    replicas: replicas.map((r) => r.id).join(', ') || 'none',
    pool_size: settings.pool_size,
    instances: settings.instances,
    max_replica_lag_ms: timeoutMs(settings.max_replica_lag_ms),
    random: policy === 'random',
    'round-robin': policy === 'round-robin',
    'least-connections': policy === 'least-connections',
    'lag-aware': policy === 'lag-aware',
    'read-your-writes': policy === 'read-your-writes',
    'primary-only': policy === 'primary',
    poll: policy === 'lag-aware' || policy === 'read-your-writes',
    primary_pool: pool(primary),
    replica_pools: `${replicas.map((r) => `\n    ${pool(r)},`).join('')}${replicas.length > 0 ? '\n  ' : ''}`,
  });
}

function timeoutMs(v: number | string): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+(?:\.\d+)?)\s*(us|ms|s|min|h)?$/.exec(v.trim());
  if (!m) return 10_000;
  const f = { us: 0.001, ms: 1, s: 1000, min: 60_000, h: 3_600_000 }[m[2] ?? 'ms'] ?? 1;
  return Math.round(Number(m[1]) * f);
}

/** The seed's CacheService with the app's cache settings (every one of them: sim/caching/settings.ts), over node-redis. */
export function cacheServiceTs(template: string, app: string, settings: AppSettings, redis: Endpoint): string {
  const l1 = settings.cache_l1 === 'on';
  const graceMs = Math.round(timeUs(settings.cache_grace, 's') / 1000);
  const writes = settings.cache_strategy !== 'ttl';
  return fillTemplate(template, {
    app,
    redis: redis.id,
    redis_host: redis.host,
    redis_port: redis.port,
    strategy: settings.cache_strategy,
    invalidation: settings.cache_l1_invalidation,
    single_flight_setting: settings.cache_single_flight,
    grace_setting: String(settings.cache_grace),
    suppress_setting: settings.cache_suppress_l2_errors,
    l1,
    bounded: settings.cache_l1_max_keys > 0,
    l1_max_keys: settings.cache_l1_max_keys,
    delete_on_write: settings.cache_strategy === 'delete-on-write',
    write_through: settings.cache_strategy === 'write-through',
    // as the model: a write's keys go out on the bus under both write strategies, to the other processes' L1
    bus: writes && l1 && settings.cache_l1_invalidation === 'pubsub',
    single_flight: settings.cache_single_flight === 'on',
    grace: graceMs > 0,
    grace_ms: graceMs,
    suppress: settings.cache_suppress_l2_errors === 'on',
  });
}

/**
 * The ShardRouter of a sharded scenario: its shard map as data and the routing function of its strategy.
 * range and geography route in TypeScript; the hash strategies take the key's hash from PostgreSQL's own
 * function (hashint8/hashtext, as the simulator and Citus use), asked of any shard.
 */
export function shardRouterTs(template: string, map: ShardMap, shardHosts: Endpoint[], database: string): string {
  const st = map.strategy;
  const hashFn = map.key_type === 'integer' || map.key_type === 'smallint' ? 'hashint4' : map.key_type === 'text' ? 'hashtext' : map.key_type === 'uuid' ? 'uuid_hash' : 'hashint8';
  const hashed = st.kind !== 'range' && st.kind !== 'geography';
  return fillTemplate(template, {
    tables: map.tables.map((t) => `${t.table}.${t.column}`).join(', '),
    key_type: map.key_type,
    key_ts: map.key_type === 'text' || map.key_type === 'uuid' ? 'string' : 'number',
    shards: map.shards.join(', '),
    shards_json: JSON.stringify(map.shards),
    shard_count: map.shards.length,
    strategy: st.kind,
    hashed,
    hash_fn: hashFn,
    extended_hash_fn: hashFn === 'uuid_hash' ? 'uuid_hash_extended' : `${hashFn}extended`,
    range: st.kind === 'range',
    boundaries_json: st.kind === 'range' ? JSON.stringify(st.boundaries) : '',
    geography: st.kind === 'geography',
    regions_json: st.kind === 'geography' ? JSON.stringify(st.regions) : '',
    default_shard: st.kind === 'geography' && st.default_shard ? `'${st.default_shard}'` : 'null',
    hash_partition: st.kind === 'hash_partition',
    modulo: st.kind === 'modulo',
    other_hash: hashed && st.kind !== 'hash_partition' && st.kind !== 'modulo',
    shard_pools: shardHosts.map((h) => `    ${JSON.stringify(h.id)}: new Pool({ host: '${h.host}', port: ${h.port}, database: '${database}', user: 'postgres' }),`).join('\n'),
  });
}
