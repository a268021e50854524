/**
 * The app's cache-aside step, before the DatabaseRouter: each instance has the seed's CacheService
 * (sim/caching/), whose L2 is the redis node the app has an edge to (none: L1 only).
 *
 * - A read whose operation declares `cache`: the service's get; a hit is answered at the app (the
 *   proxy base's `answer`); a miss goes to the database, then `set` fills both levels before the reply.
 * - A write that declares `invalidates`: the database first, then with cache_strategy delete-on-write
 *   the keys are deleted (this L1, Redis), with write-through they are set to the value written (with the
 *   TTL of the read that caches that key template; before any such read, deleted); with
 *   cache_l1_invalidation pubsub the other instances hear of it; all before the reply.
 * - With cache_single_flight on, a miss of a key this instance is already loading waits for that load
 *   and gets its outcome: one database read per key per instance, however many miss at once.
 * - With cache_grace, values stay that long past their TTL; a read that finds one past its TTL gets it at
 *   once and starts one background load per key per instance (stale-while-revalidate).
 * - A Redis error (the server down): with cache_suppress_l2_errors on it is a miss and the database
 *   answers; off (the seed's code), the request fails with it.
 * - Every cached answer is checked against what its primary had committed (cacheStale.ts).
 * - Nothing else is touched: an app whose operations declare no cache runs as it did.
 */
import { CacheService, type CacheLevel } from '../../caching/CacheService.ts';
import { L1 } from '../../caching/L1.ts';
import { type CachedValue, decodeValue, encodeValue } from '../../caching/value.ts';
import { type SimError, simError } from '../../core/errors.ts';
import { Histogram } from '../../metrics/Histogram.ts';
import type { Trace } from '../../net/Link.ts';
import { timeUs } from '../../scenario/settings.ts';
import { cacheKey, type PreparedOperation } from '../../workload/operations.ts';
import type { WorkloadRequest } from '../../workload/Workload.ts';
import { RedisClient } from '../redis/RedisClient.ts';
import type { RedisSnapshot } from '../redis/RedisNode.ts';
import type { ClientInfo, SimContext } from '../types.ts';
import { StaleCacheReads, type StaleCacheSample } from './cacheStale.ts';
import type { AppSettings } from './settings.ts';

/** Where a request's answer came from: a cache level, the database, or another request's load (single flight). */
type Source = CacheLevel | 'db' | 'wait';

interface Outcome {
  error?: SimError;
}

/** Runs a request (or a background load) on the database, the router's path. */
type ToDatabase = (then: (o: Outcome) => void) => void;

/** The app's live cache figures, for its charts and the stale-reads panel (counters since the start). */
export interface AppCacheFigures {
  l1Hits: number;
  l1Misses: number;
  l2Hits: number;
  l2Misses: number;
  l2Errors: number;
  readsFromDatabase: number;
  readsSpared: number;
  l1Keys: number;
  l1Evictions: number;
  l1Expired: number;
  staleL1: number;
  staleL2: number;
  /** Mean latency so far by where the answer came from, ms. */
  latencyMs: Record<Source, number>;
  staleSamples: StaleCacheSample[];
}

const ms = (us: number) => Math.round(us) / 1000;
const ratio = (hits: number, misses: number) => (hits + misses > 0 ? Math.round((hits / (hits + misses)) * 1000) / 1000 : 0);
const cacheError = (text: string): SimError => simError('cache_error', { message: text });

export class CacheAside {
  private readonly services: (CacheService<Trace> | undefined)[] = [];
  /** Successful cached reads by where they were answered, and their latency. */
  private readonly answered: Record<Source, Histogram> = { l1: new Histogram(), l2: new Histogram(), db: new Histogram(), wait: new Histogram() };
  /** cache_single_flight: per instance, the keys being loaded and the misses waiting for them. */
  private readonly loading: Map<string, ((o: Outcome) => void)[]>[] = [];
  /** cache_grace: per instance, the keys a background load is refreshing. */
  private readonly refreshing: Set<string>[] = [];
  /** The key templates of the cached reads seen, with their TTL and size: what write-through sets. */
  private readonly templates = new Map<string, { ttlMs: number; valueBytes: number }>();
  private readonly stale: StaleCacheReads;
  private invalidations = 0;
  private graceHits = 0;
  private refreshes = 0;

  constructor(
    private readonly ctx: SimContext,
    private readonly app: string,
    private readonly settings: AppSettings,
    private readonly client: (instance: number) => ClientInfo,
  ) {
    this.stale = new StaleCacheReads(app, settings);
  }

  /** The redis node this app has an edge to, if any: its L2. */
  private redis(): string | undefined {
    return this.ctx.net.targets(this.app).find((t) => this.ctx.node(t)?.protocol === 'redis');
  }

  /** Whether a request takes the cache-aside step: a cached read, or an invalidating write under delete-on-write or write-through, with a cache level to use. */
  covers(op: PreparedOperation): boolean {
    const step = op.cache || (op.invalidates && this.settings.cache_strategy !== 'ttl');
    return !!step && (this.settings.cache_l1 === 'on' || this.redis() !== undefined);
  }

  private get graceMs(): number {
    return timeUs(this.settings.cache_grace, 's') / 1000;
  }

  private service(instance: number): CacheService<Trace> {
    const s = this.services[instance];
    if (s) return s;
    this.ctx.cacheChecks?.enable();
    const redis = this.redis();
    const l1 = this.settings.cache_l1 === 'on' ? new L1(this.settings.cache_l1_max_keys) : undefined;
    const l2 = redis ? new RedisClient(this.ctx.net, this.app, redis, this.client(instance)) : undefined;
    const pubsub = redis && l1 && this.settings.cache_l1_invalidation === 'pubsub';
    const suppress = this.settings.cache_suppress_l2_errors === 'on';
    const svc = new CacheService<Trace>(l1, l2, () => this.ctx.scheduler.now / 1000, pubsub ? l2 : undefined, suppress);
    if (pubsub) new RedisClient(this.ctx.net, this.app, redis, this.client(instance)).subscribe((keys) => svc.invalidated(keys));
    this.services[instance] = svc;
    return svc;
  }

  /** The value a request's database answer is cached as: the version its statements saw, now, its TTL's end. */
  private value(params: readonly unknown[], ttlMs: number, bytes: number): string {
    const v = this.ctx.cacheChecks?.versionOf(params);
    const now = this.ctx.scheduler.now;
    return encodeValue({ version: v && `${v.origin}@${v.seq}`, storedUs: now, expiresUs: now + ttlMs * 1000 }, bytes);
  }

  /**
   * Serves a covered request: `toDatabase` runs it on the database (the router's path), `background` runs
   * a copy of it there apart from the request (a refresh), `end` answers it.
   */
  serve(req: WorkloadRequest, trace: Trace, toDatabase: ToDatabase, background: ToDatabase, end: (o: Outcome) => void): void {
    const instance = req.instance % Math.max(1, this.settings.instances);
    const svc = this.service(instance);
    const op = req.op;
    if (!op.cache) {
      this.write(svc, req, trace, toDatabase, end);
      return;
    }
    const answer = (source: Source, o: Outcome) => {
      if (!o.error) this.answered[source].record(this.ctx.scheduler.now - req.startUs);
      end(o);
    };
    const { key: template, ttlMs, valueBytes } = op.cache;
    this.templates.set(template, { ttlMs, valueBytes });
    const key = cacheKey(template, req.params);
    const store = (run: ToDatabase, then: (o: Outcome) => void) =>
      run((o) => {
        if (o.error) return then(o);
        svc.set(key, this.value(req.params, ttlMs, valueBytes), ttlMs + this.graceMs, trace, (e) => then(e === undefined ? o : { error: cacheError(e) }));
      });
    const loads = this.settings.cache_single_flight === 'on' ? (this.loading[instance] ??= new Map()) : undefined;
    svc.get(key, trace, (hit, error) => {
      if (error !== undefined) return end({ error: cacheError(error) });
      if (hit) {
        const v = decodeValue(hit.data);
        const graced = this.graceMs > 0 && this.ctx.scheduler.now >= v.expiresUs;
        this.check(hit.level, key, req, instance, v, graced);
        if (graced) {
          this.graceHits++;
          const refreshing = (this.refreshing[instance] ??= new Set());
          if (!refreshing.has(key)) {
            refreshing.add(key);
            this.refreshes++;
            store(background, () => refreshing.delete(key));
          }
        }
        return answer(hit.level, {});
      }
      const waiting = loads?.get(key);
      if (waiting) return waiting.push((o) => answer('wait', o));
      loads?.set(key, []);
      store(toDatabase, (o) => {
        const waiters = loads?.get(key) ?? [];
        loads?.delete(key);
        answer('db', o);
        for (const w of waiters) w(o.error ? { error: o.error } : {});
      });
    });
  }

  /** A write: the database, then its keys deleted (delete-on-write) or set to what it wrote (write-through). */
  private write(svc: CacheService<Trace>, req: WorkloadRequest, trace: Trace, toDatabase: ToDatabase, end: (o: Outcome) => void): void {
    const templates = req.op.invalidates ?? [];
    toDatabase((o) => {
      if (o.error) return end(o);
      this.invalidations++;
      const step = (i: number, e?: string): void => {
        if (e !== undefined || i === templates.length) {
          end(e === undefined ? o : { error: cacheError(e) });
          return;
        }
        const key = cacheKey(templates[i], req.params);
        const t = this.settings.cache_strategy === 'write-through' ? this.templates.get(templates[i]) : undefined;
        if (t) svc.writeThrough(key, this.value(req.params, t.ttlMs, t.valueBytes), t.ttlMs + this.graceMs, trace, (err) => step(i + 1, err));
        else svc.invalidate([key], trace, (err) => step(i + 1, err));
      };
      step(0);
    });
  }

  /** Checks a cached answer against what its primary had committed by now. */
  private check(level: CacheLevel, key: string, req: WorkloadRequest, instance: number, value: CachedValue, graced: boolean): void {
    this.stale.read(level);
    const checks = this.ctx.cacheChecks;
    const at = value.version?.lastIndexOf('@') ?? -1;
    if (!checks || !value.version || at < 0) return;
    const version = { origin: value.version.slice(0, at), seq: Number(value.version.slice(at + 1)) };
    const ctx = { nowUs: this.ctx.scheduler.now, level, key, instance: this.client(instance).applicationName, op: req.op.name, params: req.params, value, primary: version.origin, graced };
    checks.check(version, req.op, req.params, (missed) => this.stale.verdict(ctx, missed));
  }

  private counters() {
    const c = { l1Hits: 0, l1Misses: 0, l2Hits: 0, l2Misses: 0, l2Errors: 0, l1Keys: 0, l1Evictions: 0, l1Expired: 0, l1Bytes: 0 };
    for (const s of this.services) {
      if (!s) continue;
      for (const k of ['l1Hits', 'l1Misses', 'l2Hits', 'l2Misses', 'l2Errors'] as const) c[k] += s.counters[k];
      c.l1Keys += s.l1?.size ?? 0;
      c.l1Evictions += s.l1?.evictions ?? 0;
      c.l1Expired += s.l1?.expired ?? 0;
      c.l1Bytes += s.l1?.bytes ?? 0;
    }
    return c;
  }

  /** The live figures, for the app's snapshot. */
  figures(): AppCacheFigures {
    const c = this.counters();
    const stale = this.stale.figures();
    const a = this.answered;
    return {
      l1Hits: c.l1Hits,
      l1Misses: c.l1Misses,
      l2Hits: c.l2Hits,
      l2Misses: c.l2Misses,
      l2Errors: c.l2Errors,
      readsFromDatabase: a.db.count,
      readsSpared: a.l1.count + a.l2.count + a.wait.count,
      l1Keys: c.l1Keys,
      l1Evictions: c.l1Evictions,
      l1Expired: c.l1Expired,
      staleL1: stale.l1.staleReads,
      staleL2: stale.l2.staleReads,
      latencyMs: { l1: ms(a.l1.mean), l2: ms(a.l2.mean), db: ms(a.db.mean), wait: ms(a.wait.mean) },
      staleSamples: this.stale.lastSamples(),
    };
  }

  /**
   * The report's `cache` block: per level its hits, misses and hit ratio, what it holds and drops (L1 here,
   * L2 from its redis node's INFO), reads the database did not see, latency by where the answer came from,
   * the stale cached reads per level and the last of them explained.
   */
  report(): Record<string, unknown> {
    const c = this.counters();
    const latency = (h: Histogram) => ({ count: h.count, p50: ms(h.percentile(50)), p95: ms(h.percentile(95)), p99: ms(h.percentile(99)), mean: ms(h.mean) });
    const redisId = this.redis();
    const redis = redisId ? (this.ctx.node(redisId)?.snapshot() as RedisSnapshot | undefined) : undefined;
    return {
      l1: { hits: c.l1Hits, misses: c.l1Misses, hitRatio: ratio(c.l1Hits, c.l1Misses), keys: c.l1Keys, evictions: c.l1Evictions, expired: c.l1Expired, bytes: c.l1Bytes },
      l2: {
        hits: c.l2Hits,
        misses: c.l2Misses,
        hitRatio: ratio(c.l2Hits, c.l2Misses),
        errors: c.l2Errors,
        ...(redis ? { keys: redis.keys, evictedKeys: redis.evictedKeys, expiredKeys: redis.expiredKeys, usedMemory: redis.usedMemory } : {}),
      },
      readsSpared: this.answered.l1.count + this.answered.l2.count + this.answered.wait.count,
      readsFromDatabase: this.answered.db.count,
      invalidations: this.invalidations,
      graceHits: this.graceHits,
      refreshes: this.refreshes,
      latencyMsBySource: { l1: latency(this.answered.l1), l2: latency(this.answered.l2), db: latency(this.answered.db), wait: latency(this.answered.wait) },
      stale: this.stale.figures(),
      staleSamples: this.stale.lastSamples().slice(-10),
    };
  }

  /** Whether any request took the step (the report shows the block only then). */
  get used(): boolean {
    return this.services.some((s) => s !== undefined);
  }
}
