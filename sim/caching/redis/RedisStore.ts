/**
 * A Redis 7.0 server's keyspace (db 0, string values) as a deterministic model in virtual time,
 * after Redis' source (db.c, t_string.c, expire.c, evict.c, object.c, config.c, pubsub.c, server.c).
 *
 * Invariants:
 * - No wall clock: every entry point takes the virtual time, and Redis' clock is `epochMs` plus it
 *   (absolute expire times, the LRU clock and LFU minutes are Unix times, as in Redis). Every random
 *   choice (hash order, eviction samples, LFU increments) draws from the injected stream, so the same
 *   commands at the same times with the same seed leave the same state and replies.
 * - A key with a TTL stays in the keyspace (DBSIZE, memory, INFO keyspace) until something deletes
 *   it: a command touching it after it expired (lazy expiry, `expireIfNeeded`), the active expire
 *   cycle (`cron`, `beforeSleep`), DEL/FLUSHALL or eviction. Only those first two count in expired_keys.
 * - `usedMemory()` is the base plus, for every key, the bytes memory.ts gives it when it is written,
 *   plus both dicts' bucket arrays and a latency histogram per command name run so far. Eviction
 *   compares it with maxmemory before every command, as `processCommand` does, so a write may leave
 *   memory above maxmemory until the next command.
 */
import type { Rng } from '../../core/rng.ts';
import { configGet, configSet, DEFAULT_REDIS_CONFIG, type RedisConfig } from './config.ts';
import { Dict } from './Dict.ts';
import { EvictionPool, idleMs, isAllKeys, isLfu, isLru, lfuCounter, lfuInit, lfuTouch, lruClock } from './evict.ts';
import { type RedisInfoData, renderInfo } from './info.ts';
import { PubSub } from './PubSub.ts';
import {
  bucketBytes,
  EXPIRE_ENTRY_BYTES,
  keyBytes,
  LATENCY_HISTOGRAM_BYTES,
  REDIS_BASE_USED_MEMORY,
  string2ll,
} from './memory.ts';
import {
  array,
  bulk,
  error,
  integer,
  NIL,
  NOT_AN_INTEGER,
  OK,
  OOM_ERROR,
  type RedisReply,
  status,
  SYNTAX_ERROR,
} from './reply.ts';
import { REDIS_US_PER_FREED_KEY } from './serviceTime.ts';
import { COMMANDS, PUBSUB_CONTEXT } from './commands.ts';

export interface RedisStoreOptions {
  /** The seeded stream for every random choice. */
  rng: Rng;
  /** Unix time (ms) at virtual time 0: EXAT/PXAT take Unix times, and TTLs are kept as such. */
  epochMs: number;
  config?: Partial<RedisConfig>;
}

/** A value object: the string, the bytes its key costs (memory.ts) and its 24-bit LRU/LFU field. */
interface RedisObject {
  readonly value: string;
  readonly bytes: number;
  lru: number;
}

const LLONG_MAX = 9223372036854775807n;
const LLONG_MIN = -9223372036854775808n;

/** expire.c's constants at the default `active-expire-effort` 1. */
const KEYS_PER_LOOP = 20;
const FAST_DURATION_US = 1000;
const SLOW_TIME_PERC = 25;
const ACCEPTABLE_STALE = 10;
/** Modelled CPU of the expire cycle looking at one sampled key's expire time (an estimate). */
const EXPIRE_US_PER_SAMPLED_KEY = 0.1;

export class RedisStore {
  private config: RedisConfig;
  private readonly rng: Rng;
  private readonly epochMs: number;
  private readonly dict: Dict<RedisObject>;
  /** Keys with a TTL -> Unix ms after which they are expired (`now > when`). */
  private readonly expires: Dict<number>;
  private readonly pool = new EvictionPool();
  private readonly pubsub = new PubSub();
  /** `server.mstime`: Unix ms of the command or cron being run. */
  private now = 0;
  private objectBytes = 0;
  /** Commands run at least once: each has its latency histogram. */
  private readonly histograms = new Set<string>();
  private avgTtl = 0;
  private expiresCursor = 0;
  private timelimitExit = false;
  private lastFastCycleUs = Number.NEGATIVE_INFINITY;
  private peak = REDIS_BASE_USED_MEMORY;
  private readonly opsSamples: number[] = new Array(16).fill(0);
  private opsSampleIdx = 0;
  private lastSample = { ms: 0, commands: 0 };
  private readonly stats = {
    commands: 0,
    errors: 0,
    hits: 0,
    misses: 0,
    expired: 0,
    evicted: 0,
    stalePerc: 0,
    timeCapReached: 0,
    expireCycleUs: 0,
  };
  /** Keys the last command deleted for any reason (eviction, lazy expiry, DEL, FLUSHALL): its cost grows with them. */
  lastKeysFreed = 0;

  constructor(options: RedisStoreOptions) {
    this.rng = options.rng;
    this.epochMs = options.epochMs;
    this.config = { ...DEFAULT_REDIS_CONFIG, ...options.config };
    this.dict = new Dict(options.rng);
    this.expires = new Dict(options.rng);
    this.lastSample.ms = options.epochMs;
  }

  /** `hz`: how many times a virtual second the node calls `cron`. */
  get hz(): number {
    return this.config.hz;
  }

  /** `used_memory` in bytes. */
  usedMemory(): number {
    const buckets = bucketBytes(this.dict.buckets) + bucketBytes(this.expires.buckets);
    return REDIS_BASE_USED_MEMORY + this.objectBytes + buckets + this.histograms.size * LATENCY_HISTOGRAM_BYTES;
  }

  /** The figures INFO prints (reading them updates the peak memory, as INFO does). */
  figures(): RedisInfoData {
    const used = this.usedMemory();
    this.peak = Math.max(this.peak, used);
    const s = this.stats;
    return {
      usedMemory: used,
      usedMemoryPeak: this.peak,
      usedMemoryStartup: REDIS_BASE_USED_MEMORY,
      maxmemory: this.config.maxmemory,
      maxmemoryPolicy: this.config['maxmemory-policy'],
      totalCommandsProcessed: s.commands,
      instantaneousOpsPerSec: Math.floor(this.opsSamples.reduce((a, b) => a + b, 0) / this.opsSamples.length),
      expiredKeys: s.expired,
      expiredStalePerc: s.stalePerc,
      expiredTimeCapReachedCount: s.timeCapReached,
      expireCycleCpuMilliseconds: Math.floor(s.expireCycleUs / 1000),
      evictedKeys: s.evicted,
      keyspaceHits: s.hits,
      keyspaceMisses: s.misses,
      pubsubChannels: this.pubsub.channelCount,
      totalErrorReplies: s.errors,
      keys: this.dict.size,
      expires: this.expires.size,
      avgTtl: this.avgTtl,
    };
  }

  /** The clients subscribed to a channel, for the node to deliver a PUBLISH to. */
  subscribersOf(channel: string): readonly string[] {
    return this.pubsub.subscribersOf(channel);
  }

  /** A client's connection closed: its subscriptions go (`freeClient`). */
  disconnect(client: string): void {
    this.pubsub.disconnect(client);
  }

  /**
   * Runs one command as `processCommand` and `call` do: lookup and arity, the maxmemory check
   * (evicting first; OOM for a command that may grow memory), then the command.
   */
  command(argv: readonly string[], nowUs: number, client = 'default'): RedisReply {
    this.setTime(nowUs);
    this.lastKeysFreed = 0;
    const reply = this.process(argv, client);
    if (reply.kind === 'error') this.stats.errors++;
    return reply;
  }

  /**
   * serverCron's keyspace work, for the node to call every 1/hz virtual seconds: the ops/sec sample
   * (every 100 ms), the peak memory, the slow active expire cycle and the shrinking of sparse tables.
   * Returns the microseconds of CPU the expire cycle took.
   */
  cron(nowUs: number): number {
    this.setTime(nowUs);
    if (this.now - this.lastSample.ms >= 100) {
      const ops = Math.floor(((this.stats.commands - this.lastSample.commands) * 1000) / (this.now - this.lastSample.ms));
      this.opsSamples[this.opsSampleIdx] = ops;
      this.opsSampleIdx = (this.opsSampleIdx + 1) % this.opsSamples.length;
      this.lastSample = { ms: this.now, commands: this.stats.commands };
    }
    this.peak = Math.max(this.peak, this.usedMemory());
    const us = this.activeExpireCycle(false, nowUs);
    this.dict.shrinkIfSparse();
    this.expires.shrinkIfSparse();
    return us;
  }

  /** The fast expire cycle Redis tries before each event-loop sleep; returns its microseconds of CPU. */
  beforeSleep(nowUs: number): number {
    this.setTime(nowUs);
    return this.activeExpireCycle(true, nowUs);
  }

  private setTime(nowUs: number): void {
    this.now = this.epochMs + Math.floor(nowUs / 1000);
  }

  private process(argv: readonly string[], client: string): RedisReply {
    let name = (argv[0] ?? '').toLowerCase();
    let spec = COMMANDS[name];
    if (!spec) {
      let args = '';
      for (let i = 1; i < argv.length && args.length < 128; i++) args += `'${argv[i].slice(0, 128 - args.length)}' `;
      return error(`ERR unknown command '${(argv[0] ?? '').slice(0, 128)}', with args beginning with: ${args}`);
    }
    if (name === 'config' && argv.length >= 2) {
      spec = COMMANDS[`config|${argv[1].toLowerCase()}`];
      if (!spec) return error(`ERR unknown subcommand '${argv[1].slice(0, 128)}'. Try CONFIG HELP.`);
      name = `config|${argv[1].toLowerCase()}`;
    }
    if (spec.arity > 0 ? argv.length !== spec.arity : argv.length < -spec.arity) {
      return error(`ERR wrong number of arguments for '${name}' command`);
    }
    if (this.config.maxmemory > 0) {
      const outOfMemory = !this.performEvictions();
      if (outOfMemory && spec.denyoom) return OOM_ERROR;
    }
    if (this.pubsub.isSubscribed(client) && !PUBSUB_CONTEXT.has(name)) {
      return error(
        `ERR Can't execute '${name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
      );
    }
    const reply = this.execute(name, argv, client);
    this.stats.commands++;
    this.histograms.add(name);
    return reply;
  }

  private execute(name: string, argv: readonly string[], client: string): RedisReply {
    const key = argv[1];
    switch (name) {
      case 'get':
        return this.getReply(key);
      case 'set':
        return this.set(argv);
      case 'del': {
        let deleted = 0;
        for (const k of argv.slice(1)) {
          this.expireIfNeeded(k);
          if (this.deleteKey(k)) deleted++;
        }
        return integer(deleted);
      }
      case 'exists':
        return integer(argv.slice(1).filter((k) => this.lookup(k, 'read-notouch')).length);
      case 'expire':
      case 'pexpire':
        return this.expire(argv, name === 'expire' ? 1000n : 1n);
      case 'ttl':
      case 'pttl':
        return this.ttl(key, name === 'pttl');
      case 'persist':
        return integer(this.lookup(key, 'write') && this.removeExpire(key) ? 1 : 0);
      case 'mget':
        return array(argv.slice(1).map((k) => this.getReply(k)));
      case 'incr':
        return this.incr(key);
      case 'dbsize':
        return integer(this.dict.size);
      case 'flushall':
        return this.flushall(argv);
      case 'config|get':
        return array(configGet(this.config, argv.slice(2)).flatMap(([n, v]) => [bulk(n), bulk(v)]));
      case 'config|set':
        return this.configSet(argv.slice(2));
      case 'info':
        return bulk(renderInfo(argv.slice(1), this.figures()));
      case 'ping':
        return this.ping(argv, client);
      case 'publish':
        return integer(this.pubsub.subscribersOf(key).length);
      case 'subscribe':
        return this.pubsub.subscribe(client, argv.slice(1));
      default: // unsubscribe, the last name in COMMANDS
        return this.pubsub.unsubscribe(client, argv.slice(1));
    }
  }

  // --- keyspace primitives (db.c) ---------------------------------------------------------------

  /** `lookupKey`: lazy expiry, then the access stamp (unless NOTOUCH), then hits/misses (reads only). */
  private lookup(key: string, mode: 'read' | 'read-notouch' | 'write'): RedisObject | undefined {
    let o = this.dict.get(key);
    if (o && this.expireIfNeeded(key)) o = undefined;
    if (o && mode !== 'read-notouch') this.touch(o);
    if (mode !== 'write') {
      if (o) this.stats.hits++;
      else this.stats.misses++;
    }
    return o;
  }

  private touch(o: RedisObject): void {
    const c = this.config;
    o.lru = isLfu(c['maxmemory-policy'])
      ? lfuTouch(o.lru, this.now, c['lfu-log-factor'], c['lfu-decay-time'], this.rng)
      : lruClock(this.now);
  }

  /** `expireIfNeeded` on a master: deletes a key whose time has passed and counts it expired. */
  private expireIfNeeded(key: string): boolean {
    const when = this.expires.get(key);
    if (when === undefined || !(this.now > when)) return false;
    this.deleteKey(key);
    this.stats.expired++;
    return true;
  }

  /** `setKey`: a new object (an overwrite keeps the LFU counter, `dbOverwrite`); the TTL goes unless kept. */
  private setKey(key: string, value: string, keepTtl: boolean, old: RedisObject | undefined): void {
    const policy = this.config['maxmemory-policy'];
    const shared = this.config.maxmemory === 0 || !(isLru(policy) || isLfu(policy));
    const o: RedisObject = { value, bytes: keyBytes(key, value, shared), lru: isLfu(policy) ? lfuInit(this.now) : lruClock(this.now) };
    if (old) {
      if (isLfu(policy)) o.lru = old.lru;
      this.objectBytes -= old.bytes;
    }
    this.dict.set(key, o);
    this.objectBytes += o.bytes;
    if (!keepTtl) this.removeExpire(key);
  }

  private setExpire(key: string, when: number): void {
    if (!this.expires.has(key)) this.objectBytes += EXPIRE_ENTRY_BYTES;
    this.expires.set(key, when);
  }

  private removeExpire(key: string): boolean {
    if (!this.expires.delete(key)) return false;
    this.objectBytes -= EXPIRE_ENTRY_BYTES;
    return true;
  }

  private deleteKey(key: string): boolean {
    const o = this.dict.get(key);
    if (!o) return false;
    this.removeExpire(key);
    this.dict.delete(key);
    this.objectBytes -= o.bytes;
    this.lastKeysFreed++;
    return true;
  }

  // --- commands ---------------------------------------------------------------------------------

  private getReply(key: string): RedisReply {
    const o = this.lookup(key, 'read');
    return o ? bulk(o.value) : NIL;
  }

  /** SET key value [NX|XX] [GET] [EX s|PX ms|EXAT s|PXAT ms|KEEPTTL] (t_string.c). */
  private set(argv: readonly string[]): RedisReply {
    let nx = false;
    let xx = false;
    let get = false;
    let keepTtl = false;
    let unit: string | undefined;
    let expireArg = '';
    for (let j = 3; j < argv.length; j++) {
      const opt = argv[j].toUpperCase();
      const hasNext = j < argv.length - 1;
      if (opt === 'NX' && !xx) nx = true;
      else if (opt === 'XX' && !nx) xx = true;
      else if (opt === 'GET') get = true;
      else if (opt === 'KEEPTTL' && !unit) keepTtl = true;
      else if (['EX', 'PX', 'EXAT', 'PXAT'].includes(opt) && !keepTtl && (!unit || unit === opt) && hasNext) {
        unit = opt;
        expireArg = argv[++j];
      } else return SYNTAX_ERROR;
    }
    let when = 0;
    if (unit) {
      // getExpireMillisecondsOrReply
      let ms = string2ll(expireArg);
      if (ms === undefined) return NOT_AN_INTEGER;
      const seconds = unit === 'EX' || unit === 'EXAT';
      if (ms <= 0n || (seconds && ms > LLONG_MAX / 1000n)) return error("ERR invalid expire time in 'set' command");
      if (seconds) ms *= 1000n;
      if (unit === 'EX' || unit === 'PX') ms += BigInt(this.now);
      if (ms <= 0n || ms > LLONG_MAX) return error("ERR invalid expire time in 'set' command");
      when = Number(ms);
    }
    const key = argv[1];
    const oldReply = get ? this.getReply(key) : NIL;
    const old = this.lookup(key, 'write');
    if ((nx && old) || (xx && !old)) return oldReply;
    this.setKey(key, argv[2], keepTtl, old);
    if (unit) this.setExpire(key, when);
    return get ? oldReply : OK;
  }

  /** EXPIRE / PEXPIRE key time [NX|XX|GT|LT] (`expireGenericCommand`). */
  private expire(argv: readonly string[], unitMs: bigint): RedisReply {
    const flags = new Set<string>();
    for (const opt of argv.slice(3)) {
      const o = opt.toLowerCase();
      if (!['nx', 'xx', 'gt', 'lt'].includes(o)) return error(`ERR Unsupported option ${opt}`);
      flags.add(o);
    }
    if (flags.has('nx') && (flags.has('xx') || flags.has('gt') || flags.has('lt'))) {
      return error('ERR NX and XX, GT or LT options at the same time are not compatible');
    }
    if (flags.has('gt') && flags.has('lt')) return error('ERR GT and LT options at the same time are not compatible');
    let when = string2ll(argv[2]);
    if (when === undefined) return NOT_AN_INTEGER;
    const invalid = error(`ERR invalid expire time in '${argv[0].toLowerCase()}' command`);
    if (unitMs === 1000n && (when > LLONG_MAX / 1000n || when < LLONG_MIN / 1000n)) return invalid;
    when *= unitMs;
    if (when > LLONG_MAX - BigInt(this.now)) return invalid;
    when += BigInt(this.now);
    const key = argv[1];
    if (!this.lookup(key, 'write')) return integer(0);
    const current = this.expires.get(key);
    if (flags.has('nx') && current !== undefined) return integer(0);
    if (flags.has('xx') && current === undefined) return integer(0);
    if (flags.has('gt') && (current === undefined || when <= BigInt(current))) return integer(0);
    if (flags.has('lt') && current !== undefined && when >= BigInt(current)) return integer(0);
    if (when <= BigInt(this.now)) {
      // checkAlreadyExpired: a time in the past deletes the key, as a DEL (not counted as expired).
      this.deleteKey(key);
      return integer(1);
    }
    this.setExpire(key, Number(when));
    return integer(1);
  }

  /** TTL / PTTL: -2 no key, -1 no TTL, else the remaining time (TTL rounds to the nearest second). */
  private ttl(key: string, ms: boolean): RedisReply {
    if (!this.lookup(key, 'read-notouch')) return integer(-2);
    const when = this.expires.get(key);
    if (when === undefined) return integer(-1);
    const ttl = Math.max(0, when - this.now);
    return integer(ms ? ttl : Math.floor((ttl + 500) / 1000));
  }

  /** INCR (`incrDecrCommand`): 64-bit, the TTL kept, errors in Redis' words. */
  private incr(key: string): RedisReply {
    const old = this.lookup(key, 'write');
    const value = old ? string2ll(old.value) : 0n;
    if (value === undefined) return NOT_AN_INTEGER;
    if (value === LLONG_MAX) return error('ERR increment or decrement would overflow');
    const next = value + 1n;
    this.setKey(key, String(next), true, old);
    return integer(Number.isSafeInteger(Number(next)) ? Number(next) : next);
  }

  private flushall(argv: readonly string[]): RedisReply {
    if (argv.length > 2 || (argv.length === 2 && !['sync', 'async'].includes(argv[1].toLowerCase()))) return SYNTAX_ERROR;
    this.lastKeysFreed += this.dict.size;
    this.dict.clear();
    this.expires.clear();
    this.objectBytes = 0;
    this.avgTtl = 0;
    this.expiresCursor = 0;
    return OK;
  }

  private configSet(pairs: readonly string[]): RedisReply {
    const next = configSet(this.config, pairs);
    if (typeof next === 'string') return error(next);
    const changed = next.maxmemory !== this.config.maxmemory;
    this.config = next;
    // updateMaxmemory starts the eviction time event, which runs before any other client's command.
    if (changed && next.maxmemory > 0) this.performEvictions();
    return OK;
  }

  private ping(argv: readonly string[], client: string): RedisReply {
    if (argv.length > 2) return error("ERR wrong number of arguments for 'ping' command");
    if (this.pubsub.isSubscribed(client)) return array([bulk('pong'), bulk(argv[1] ?? '')]);
    return argv.length === 2 ? bulk(argv[1]) : status('PONG');
  }

  // --- eviction (evict.c) -----------------------------------------------------------------------

  /**
   * `performEvictions`: while used memory is above maxmemory, evict per the policy. False when it
   * cannot get under (noeviction, or nothing left to evict): the caller refuses denyoom commands.
   * Redis stops after `maxmemory-eviction-tenacity`'s time slice and goes on in a time event; the
   * model evicts until it is under the limit.
   */
  private performEvictions(): boolean {
    const policy = this.config['maxmemory-policy'];
    while (this.usedMemory() > this.config.maxmemory) {
      if (policy === 'noeviction') return false;
      const from = isAllKeys(policy) ? this.dict : this.expires;
      if (from.size === 0) return false;
      let best: string | undefined;
      if (policy.endsWith('-random')) best = from.randomKey();
      while (!best) {
        this.pool.populate(from.sample(this.config['maxmemory-samples']).map((key) => ({ key, idle: this.score(key) })));
        best = this.pool.takeBest((k) => from.has(k));
      }
      this.deleteKey(best);
      this.stats.evicted++;
    }
    return true;
  }

  /** evictionPoolPopulate's score: idle time (LRU), 255 - frequency (LFU), the nearness of the expire (TTL). */
  private score(key: string): number {
    const policy = this.config['maxmemory-policy'];
    if (policy === 'volatile-ttl') return -this.expires.get(key)!;
    const o = this.dict.get(key)!;
    if (isLru(policy)) return idleMs(o.lru, this.now);
    return 255 - lfuCounter(o.lru, this.now, this.config['lfu-decay-time']);
  }

  // --- active expiry (expire.c) -----------------------------------------------------------------

  /**
   * `activeExpireCycle` for db 0: walks the keys with a TTL from a cursor, 20 a loop, deleting the
   * expired ones, and loops again while more than 10 % of a loop's sample had expired
   * (`ACTIVE_EXPIRE_CYCLE_ACCEPTABLE_STALE`; Redis' EXPIRE page still says 25 %, the source before 6.0),
   * checking its time budget every 16 loops: 25 % of a cron period for the slow cycle, 1 ms for the
   * fast one. Time is the modelled CPU (a sampled key, a freed key). Returns it.
   */
  private activeExpireCycle(fast: boolean, nowUs: number): number {
    if (fast) {
      // Redis compares the stale fraction (0..1) with the percentage 10: in effect the fast cycle runs
      // only after a slow cycle that ran out of time.
      if (!this.timelimitExit && this.stats.stalePerc < ACCEPTABLE_STALE) return 0;
      if (nowUs < this.lastFastCycleUs + FAST_DURATION_US * 2) return 0;
      this.lastFastCycleUs = nowUs;
    }
    const timelimit = fast ? FAST_DURATION_US : Math.max(1, Math.floor((SLOW_TIME_PERC * 1e6) / this.config.hz / 100));
    this.timelimitExit = false;
    let elapsed = 0;
    let iteration = 0;
    let totalSampled = 0;
    let totalExpired = 0;
    const expires = this.expires;
    for (;;) {
      iteration++;
      if (expires.size === 0) {
        this.avgTtl = 0;
        break;
      }
      if (expires.buckets > 4 && Math.floor((expires.size * 100) / expires.buckets) < 1) break;
      const num = Math.min(expires.size, KEYS_PER_LOOP);
      let expired = 0;
      let sampled = 0;
      let ttlSum = 0;
      let ttlSamples = 0;
      while (sampled < num && expires.size > 0) {
        const key = expires.keyAt(this.expiresCursor);
        const ttl = expires.get(key)! - this.now;
        if (this.expireIfNeeded(key)) expired++;
        else this.expiresCursor++; // a deleted key's slot now holds another key: look at it next
        if (ttl > 0) {
          ttlSum += ttl;
          ttlSamples++;
        }
        sampled++;
      }
      totalExpired += expired;
      totalSampled += sampled;
      if (ttlSamples) {
        const avg = Math.trunc(ttlSum / ttlSamples);
        if (this.avgTtl === 0) this.avgTtl = avg;
        this.avgTtl = Math.trunc(this.avgTtl / 50) * 49 + Math.trunc(avg / 50);
      }
      elapsed += sampled * EXPIRE_US_PER_SAMPLED_KEY + expired * REDIS_US_PER_FREED_KEY;
      if ((iteration & 0xf) === 0 && elapsed > timelimit) {
        this.timelimitExit = true;
        this.stats.timeCapReached++;
        break;
      }
      if (Math.floor((expired * 100) / sampled) <= ACCEPTABLE_STALE) break;
    }
    this.stats.expireCycleUs += elapsed;
    const current = totalSampled ? totalExpired / totalSampled : 0;
    this.stats.stalePerc = current * 0.05 + this.stats.stalePerc * 0.95;
    return elapsed;
  }
}
