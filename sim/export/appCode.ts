/**
 * The application code of what a scenario designed, as TypeScript for node-postgres and node-redis: the
 * seed's DatabaseRouter with the app's read_policy, the ShardRouter with the scenario's shard map, and the
 * seed's CacheService with the app's cache settings. Each file compiles on its own (`tsc --strict`) with
 * `pg`, `@types/pg` and `redis` installed; only the chosen policy's code is written, so it reads as the
 * architect's own.
 */
import type { AppSettings } from '../nodes/app/settings.ts';
import type { ShardMap } from '../sharding/shardMap.ts';

export interface Endpoint {
  /** The node id (the host name in the compose file). */
  id: string;
  host: string;
  port: number;
}

const READ_BODIES: Record<AppSettings['read_policy'], string> = {
  random: `    // the seed's code: a uniformly random replica (its comment says round-robin; its code is random)
    return this.replicas[Math.floor(Math.random() * this.replicas.length)];`,
  'round-robin': `    this.next = (this.next + 1) % this.replicas.length;
    return this.replicas[this.next];`,
  'least-connections': `    // the replica with the fewest connections busy or waiting in this process (PgCat's least-outstanding)
    const busy = (p: Pool) => p.totalCount - p.idleCount + p.waitingCount;
    return this.replicas.reduce((best, p) => (busy(p) < busy(best) ? p : best));`,
  'lag-aware': `    // replicas whose replay is at most maxReplicaLagMs behind, by the last poll; none: the primary
    const fresh = this.replicas.filter((_, i) => this.lagMs[i] <= this.maxReplicaLagMs);
    return fresh.length > 0 ? fresh[Math.floor(Math.random() * fresh.length)] : this.primary;`,
  'read-your-writes': `    // a replica that has replayed this session's last write (its LSN), by the last poll; none: the primary
    const floor = session === undefined ? 0n : (this.lastWrite.get(session) ?? 0n);
    const ready = this.replicas.filter((_, i) => this.replayLsn[i] >= floor);
    return ready.length > 0 ? ready[Math.floor(Math.random() * ready.length)] : this.primary;`,
  primary: `    return this.primary;`,
};

/** The DatabaseRouter of an app node: its pools (pool_size each, pool_timeout) and its read policy. */
export function databaseRouterTs(app: string, settings: AppSettings, primary: Endpoint, replicas: Endpoint[], database: string): string {
  const policy = settings.read_policy;
  const poll = policy === 'lag-aware' || policy === 'read-your-writes';
  const pool = (e: Endpoint) =>
    `new Pool({ host: '${e.host}', port: ${e.port}, database: '${database}', user: 'postgres', max: ${settings.pool_size}, connectionTimeoutMillis: ${timeoutMs(settings.pool_timeout)} })`;
  return `/**
 * The DatabaseRouter of app node "${app}", exported by PG Scaling Lab: writes and transactions go to the
 * primary (${primary.id}), reads to the replicas (${replicas.map((r) => r.id).join(', ') || 'none'}) by read_policy "${policy}".
 * One Pool of ${settings.pool_size} connections per database and per process (${settings.instances} processes in the scenario).
 */
import { Pool } from 'pg';

export class DatabaseRouter {
${policy === 'round-robin' ? '  private next = -1;\n' : ''}${policy === 'lag-aware' ? `  private readonly lagMs: number[];\n  readonly maxReplicaLagMs = ${timeoutMs(settings.max_replica_lag_ms)};\n` : ''}${policy === 'read-your-writes' ? '  private readonly replayLsn: bigint[];\n  private readonly lastWrite = new Map<string, bigint>();\n' : ''}${poll ? '  private readonly timer: ReturnType<typeof setInterval>;\n' : ''}
  constructor(
    readonly primary: Pool,
    readonly replicas: Pool[],
  ) {
${policy === 'lag-aware' ? '    this.lagMs = replicas.map(() => Number.POSITIVE_INFINITY);\n' : ''}${policy === 'read-your-writes' ? '    this.replayLsn = replicas.map(() => -1n);\n' : ''}${poll ? '    this.timer = setInterval(() => void this.poll(), 100);\n    this.timer.unref();\n' : ''}  }

  write(): Pool {
    return this.primary;
  }

  /** The pool for a read${policy === 'read-your-writes' ? ' by this session (its last write must be replayed there)' : ''}. */
  read(${policy === 'read-your-writes' ? 'session?: string' : ''}): Pool {
    if (this.replicas.length === 0) return this.primary;
${READ_BODIES[policy]}
  }
${
  policy === 'read-your-writes'
    ? `
  /** After a session's write committed: remember the primary's WAL position. */
  async wrote(session: string): Promise<void> {
    const r = await this.primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    this.lastWrite.set(session, lsn(r.rows[0].lsn));
  }
`
    : ''
}${
  poll
    ? `
  private async poll(): Promise<void> {
    await Promise.all(
      this.replicas.map(async (p, i) => {
        try {
${
  policy === 'lag-aware'
    ? `          const r = await p.query<{ lag: number }>(
            "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000 END::float8 AS lag",
          );
          this.lagMs[i] = r.rows[0].lag;`
    : `          const r = await p.query<{ lsn: string }>('SELECT pg_last_wal_replay_lsn()::text AS lsn');
          this.replayLsn[i] = lsn(r.rows[0].lsn);`
}
        } catch {
          ${policy === 'lag-aware' ? 'this.lagMs[i] = Number.POSITIVE_INFINITY;' : 'this.replayLsn[i] = -1n;'}
        }
      }),
    );
  }

  close(): void {
    clearInterval(this.timer);
  }
`
    : ''
}}
${
  policy === 'read-your-writes'
    ? `
/** An LSN such as 0/3000060 as a number that orders as LSNs do. */
function lsn(text: string): bigint {
  const [hi, lo] = text.split('/');
  return (BigInt(\`0x\${hi}\`) << 32n) | BigInt(\`0x\${lo}\`);
}
`
    : ''
}
export function createDatabaseRouter(): DatabaseRouter {
  return new DatabaseRouter(${pool(primary)}, [${replicas.map((r) => `\n    ${pool(r)},`).join('')}${replicas.length > 0 ? '\n  ' : ''}]);
}
`;
}

function timeoutMs(v: number | string): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+(?:\.\d+)?)\s*(us|ms|s|min|h)?$/.exec(v.trim());
  if (!m) return 10_000;
  const f = { us: 0.001, ms: 1, s: 1000, min: 60_000, h: 3_600_000 }[m[2] ?? 'ms'] ?? 1;
  return Math.round(Number(m[1]) * f);
}

/** The seed's CacheService with the app's cache settings, over node-redis. */
export function cacheServiceTs(app: string, settings: AppSettings, redis: Endpoint): string {
  const l1 = settings.cache_l1 === 'on';
  const bound = settings.cache_l1_max_keys;
  const del = settings.cache_strategy === 'delete-on-write';
  const bus = del && l1 && settings.cache_l1_invalidation === 'pubsub';
  const single = settings.cache_single_flight === 'on';
  return `/**
 * The CacheService of app node "${app}", exported by PG Scaling Lab: the seed's two levels (${l1 ? `an L1 Map per process${bound > 0 ? ` of at most ${bound} keys, least recently used first out` : ''}, ` : 'no L1, '}Redis
 * at ${redis.id} as L2), cache_strategy "${settings.cache_strategy}"${bus ? ', L1 invalidated on every process over Redis pub/sub' : ''}${single ? ', one database load per key at a time (single flight)' : ''}.
 */
import { createClient } from 'redis';

type Redis = ReturnType<typeof createClient>;
${bus ? "\nconst CHANNEL = 'cache:invalidate';\n" : ''}
export class CacheService {
${l1 ? '  private readonly l1 = new Map<string, { data: unknown; exp: number }>();\n' : ''}${single ? '  private readonly loading = new Map<string, Promise<unknown>>();\n' : ''}
  constructor(private readonly l2: Redis${bus ? ', subscriber: Redis' : ''}) {${
    bus
      ? `
    void subscriber.subscribe(CHANNEL, (message) => {
      for (const key of JSON.parse(message) as string[]) this.l1.delete(key);
    });
  `
      : ''
  }}

  async get<T>(key: string): Promise<T | null> {
${
  l1
    ? `    // L1 check (fastest)
    const hit = this.l1.get(key);
    if (hit && hit.exp > Date.now()) {${bound > 0 ? '\n      this.l1.delete(key);\n      this.l1.set(key, hit);' : ''}
      return hit.data as T;
    }
`
    : ''
}    // L2 check (fast)
    const l2 = await this.l2.get(key);
    if (l2) {
      const data = JSON.parse(l2) as T;
${l1 ? '      this.putL1(key, data, 60_000); // L1: 1 min\n' : ''}      return data;
    }
    return null;
  }

  async set<T>(key: string, data: T, ttl: number): Promise<void> {
${l1 ? '    this.putL1(key, data, Math.min(ttl, 60_000));\n' : ''}    await this.l2.set(key, JSON.stringify(data), { PX: ttl });
  }

  /** Cache-aside: the cached value, or the loader's (stored for ttl ms). */
  async getOrLoad<T>(key: string, ttl: number, load: () => Promise<T>): Promise<T> {
    const cached = await this.get<T>(key);
    if (cached !== null) return cached;
${
  single
    ? `    const inFlight = this.loading.get(key);
    if (inFlight) return inFlight as Promise<T>;
    const p = load().then(async (data) => {
      await this.set(key, data, ttl);
      return data;
    });
    this.loading.set(key, p);
    try {
      return await p;
    } finally {
      this.loading.delete(key);
    }`
    : `    const data = await load();
    await this.set(key, data, ttl);
    return data;`
}
  }
${
  del
    ? `
  /** delete-on-write: after a write, its keys leave ${l1 ? 'this L1, ' : ''}Redis${bus ? ' and every other process\'s L1' : ''}. */
  async invalidate(keys: string[]): Promise<void> {
${l1 ? '    for (const k of keys) this.l1.delete(k);\n' : ''}    await this.l2.del(keys);${bus ? '\n    await this.l2.publish(CHANNEL, JSON.stringify(keys));' : ''}
  }
`
    : ''
}${
  l1
    ? `
  private putL1(key: string, data: unknown, ms: number): void {
    this.l1.delete(key);
    this.l1.set(key, { data, exp: Date.now() + ms });${bound > 0 ? `\n    if (this.l1.size > ${bound}) this.l1.delete(this.l1.keys().next().value as string);` : ''}
  }
`
    : ''
}}

export async function createCacheService(): Promise<CacheService> {
  const l2: Redis = createClient({ url: 'redis://${redis.host}:${redis.port}' });
  await l2.connect();${bus ? '\n  const subscriber = l2.duplicate();\n  await subscriber.connect();' : ''}
  return new CacheService(l2${bus ? ', subscriber' : ''});
}
`;
}

/**
 * The ShardRouter of a sharded scenario: its shard map as data and the routing function of its strategy.
 * range and geography route in TypeScript; the hash strategies take the key's hash from PostgreSQL's own
 * function (hashint8/hashtext, as the simulator and Citus use), asked of any shard.
 */
export function shardRouterTs(map: ShardMap, shardHosts: Endpoint[], database: string): string {
  const st = map.strategy;
  const textKey = map.key_type === 'text' || map.key_type === 'uuid';
  const hashFn = map.key_type === 'integer' || map.key_type === 'smallint' ? 'hashint4' : map.key_type === 'text' ? 'hashtext' : map.key_type === 'uuid' ? 'uuid_hash' : 'hashint8';
  const hashed = st.kind !== 'range' && st.kind !== 'geography';
  let body: string;
  switch (st.kind) {
    case 'range':
      body = `    // shards[i] holds keys below boundaries[i]; the last shard the rest
    const i = BOUNDARIES.findIndex((b) => key < b);
    return SHARDS[i < 0 ? SHARDS.length - 1 : i];`;
      break;
    case 'geography':
      body = `    return REGIONS[String(key)] ?? ${st.default_shard ? `'${st.default_shard}'` : 'null'};`;
      break;
    case 'hash_partition':
      body = `    // PostgreSQL's hash partitioning: hash_combine64(0, the type's extended hash with HASH_PARTITION_SEED) as
    // an unsigned 64-bit number, modulo the number of shards
    const r = await this.any().query<{ h: string }>(
      "SELECT (((${map.key_type === 'integer' || map.key_type === 'smallint' ? 'hashint4extended' : map.key_type === 'text' ? 'hashtextextended' : map.key_type === 'uuid' ? 'uuid_hash_extended' : 'hashint8extended'}($1, 8816678312871386365)::numeric + 5305509591434766563 + 18446744073709551616) % 18446744073709551616) % ${map.shards.length})::text AS h",
      [key],
    );
    return SHARDS[Number(r.rows[0].h)];`;
      break;
    case 'modulo':
      body = `    const h = await this.hash(key);
    return SHARDS[(h >>> 0) % SHARDS.length];`;
      break;
    default:
      body = `    // ${st.kind}: route by the hash as the simulator's map does (sim/sharding/shardMap.ts); modulo here
    const h = await this.hash(key);
    return SHARDS[(h >>> 0) % SHARDS.length];`;
  }
  return `/**
 * The ShardRouter exported by PG Scaling Lab: tables ${map.tables.map((t) => `${t.table}.${t.column}`).join(', ')} (key type ${map.key_type})
 * are spread over ${map.shards.join(', ')} by strategy "${st.kind}". A request with its key goes to its shard's
 * DatabaseRouter; one without a key reads every shard.
 */
import { Pool } from 'pg';

export const SHARDS: string[] = ${JSON.stringify(map.shards)};
${st.kind === 'range' ? `const BOUNDARIES: ${textKey ? 'string' : 'number'}[] = ${JSON.stringify(st.boundaries)};\n` : ''}${st.kind === 'geography' ? `const REGIONS: Record<string, string> = ${JSON.stringify(st.regions)};\n` : ''}
export class ShardRouter {
  constructor(readonly pools: Record<string, Pool>) {}

  /** The shard that holds a key (null: none does). */
  async shardFor(key: ${textKey ? 'string' : 'number'}): Promise<string | null> {
${hashed ? '' : '    await Promise.resolve();\n'}${body}
  }

  /** The pool of a key's shard. */
  async poolFor(key: ${textKey ? 'string' : 'number'}): Promise<Pool> {
    const shard = await this.shardFor(key);
    if (shard === null) throw new Error(\`no shard holds key \${key}\`);
    return this.pools[shard];
  }

  /** A keyless read: every shard's rows, to merge in the application. */
  async scatter<R extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> {
    const parts = await Promise.all(SHARDS.map((s) => this.pools[s].query<R>(sql, params)));
    return parts.flatMap((p) => p.rows);
  }
${
  hashed
    ? `
  private any(): Pool {
    return this.pools[SHARDS[0]];
  }
${
  st.kind === 'hash_partition'
    ? ''
    : `
  /** PostgreSQL's ${hashFn} of the key, a signed 32-bit integer. */
  private async hash(key: ${textKey ? 'string' : 'number'}): Promise<number> {
    const r = await this.any().query<{ h: number }>('SELECT ${hashFn}($1) AS h', [key]);
    return r.rows[0].h;
  }
`
}`
    : ''
}}

export function createShardRouter(): ShardRouter {
  return new ShardRouter({${shardHosts.map((h) => `\n    ${JSON.stringify(h.id)}: new Pool({ host: '${h.host}', port: ${h.port}, database: '${database}', user: 'postgres' }),`).join('')}
  });
}
`;
}
