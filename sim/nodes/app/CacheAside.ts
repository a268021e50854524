/**
 * The app's cache-aside step, before the DatabaseRouter: each instance has the seed's CacheService
 * (sim/caching/), whose L2 is the redis node the app has an edge to (none: L1 only).
 *
 * - A read whose operation declares `cache`: the service's get; a hit is answered at the app (the
 *   proxy base's `answer`); a miss goes to the database, then `set` fills both levels before the reply.
 * - A write that declares `invalidates`, with cache_strategy delete-on-write: the database first, then
 *   the keys are deleted (this L1, Redis) and, with cache_l1_invalidation pubsub, published to the
 *   other instances, before the reply.
 * - With cache_single_flight on, a miss of a key this instance is already loading waits for that load
 *   and gets its outcome: one database read per key per instance, however many miss at once.
 * - Nothing else is touched: an app whose operations declare no cache runs as it did.
 */
import { CacheService, type CacheLevel } from '../../caching/CacheService.ts';
import { L1 } from '../../caching/L1.ts';
import type { SimError } from '../../core/errors.ts';
import { Histogram } from '../../metrics/Histogram.ts';
import type { Trace } from '../../net/Link.ts';
import { cacheKey, type PreparedOperation } from '../../workload/operations.ts';
import type { WorkloadRequest } from '../../workload/Workload.ts';
import { RedisClient } from '../redis/RedisClient.ts';
import type { ClientInfo, SimContext } from '../types.ts';
import type { AppSettings } from './settings.ts';

/** Where a request's answer came from: a cache level, the database, or another request's load (single flight). */
type Source = CacheLevel | 'db' | 'wait';

interface Outcome {
  error?: SimError;
}

const ms = (us: number) => Math.round(us) / 1000;

export class CacheAside {
  private readonly services: (CacheService<Trace> | undefined)[] = [];
  /** Successful cached reads by where they were answered, and their latency. */
  private readonly answered: Record<Source, Histogram> = { l1: new Histogram(), l2: new Histogram(), db: new Histogram(), wait: new Histogram() };
  /** cache_single_flight: per instance, the keys being loaded and the misses waiting for them. */
  private readonly loading: Map<string, ((o: Outcome) => void)[]>[] = [];
  private invalidations = 0;

  constructor(
    private readonly ctx: SimContext,
    private readonly app: string,
    private readonly settings: AppSettings,
    private readonly client: (instance: number) => ClientInfo,
  ) {}

  /** The redis node this app has an edge to, if any: its L2. */
  private redis(): string | undefined {
    return this.ctx.net.targets(this.app).find((t) => this.ctx.node(t)?.protocol === 'redis');
  }

  /** Whether a request takes the cache-aside step: a cached read, or an invalidating write under delete-on-write, with a cache level to use. */
  covers(op: PreparedOperation): boolean {
    const step = op.cache || (op.invalidates && this.settings.cache_strategy === 'delete-on-write');
    return !!step && (this.settings.cache_l1 === 'on' || this.redis() !== undefined);
  }

  private service(instance: number): CacheService<Trace> {
    const s = this.services[instance];
    if (s) return s;
    const redis = this.redis();
    const l1 = this.settings.cache_l1 === 'on' ? new L1(this.settings.cache_l1_max_keys) : undefined;
    const l2 = redis ? new RedisClient(this.ctx.net, this.app, redis, this.client(instance)) : undefined;
    const pubsub = redis && l1 && this.settings.cache_l1_invalidation === 'pubsub';
    const svc = new CacheService<Trace>(l1, l2, () => this.ctx.scheduler.now / 1000, pubsub ? l2 : undefined);
    if (pubsub) new RedisClient(this.ctx.net, this.app, redis, this.client(instance)).subscribe((keys) => svc.invalidated(keys));
    this.services[instance] = svc;
    return svc;
  }

  /** Serves a covered request: `toDatabase` runs it on the database (the router's path), `end` answers it. */
  serve(req: WorkloadRequest, trace: Trace, toDatabase: (then: (o: Outcome) => void) => void, end: (o: Outcome) => void): void {
    const instance = req.instance % Math.max(1, this.settings.instances);
    const svc = this.service(instance);
    const op = req.op;
    const answer = (source: Source, o: Outcome) => {
      if (!o.error && op.cache) this.answered[source].record(this.ctx.scheduler.now - req.startUs);
      end(o);
    };
    if (!op.cache) {
      const keys = (op.invalidates ?? []).map((k) => cacheKey(k, req.params));
      toDatabase((o) => {
        if (o.error) return end(o);
        this.invalidations++;
        svc.invalidate(keys, trace, () => end(o));
      });
      return;
    }
    const { key: template, ttlMs, valueBytes } = op.cache;
    const key = cacheKey(template, req.params);
    const loads = this.settings.cache_single_flight === 'on' ? (this.loading[instance] ??= new Map()) : undefined;
    svc.get(key, trace, (hit) => {
      if (hit) return answer(hit.level, {});
      const waiting = loads?.get(key);
      if (waiting) return waiting.push((o) => answer('wait', o));
      loads?.set(key, []);
      const loaded = (o: Outcome) => {
        const waiters = loads?.get(key) ?? [];
        loads?.delete(key);
        answer('db', o);
        for (const w of waiters) w(o.error ? { error: o.error } : {});
      };
      toDatabase((o) => {
        if (o.error) return loaded(o);
        svc.set(key, 'x'.repeat(valueBytes), ttlMs, trace, () => loaded(o));
      });
    });
  }

  /** The report's `cache` block: hits per level, reads the database did not see, latency by where the answer came from. */
  report(): Record<string, unknown> {
    const c = { l1Hits: 0, l1Misses: 0, l2Hits: 0, l2Misses: 0 };
    for (const s of this.services) if (s) for (const k of Object.keys(c) as (keyof typeof c)[]) c[k] += s.counters[k];
    const ratio = (hits: number, misses: number) => (hits + misses > 0 ? Math.round((hits / (hits + misses)) * 1000) / 1000 : 0);
    const latency = (h: Histogram) => ({ count: h.count, p50: ms(h.percentile(50)), p95: ms(h.percentile(95)), p99: ms(h.percentile(99)), mean: ms(h.mean) });
    return {
      l1: { hits: c.l1Hits, misses: c.l1Misses, hitRatio: ratio(c.l1Hits, c.l1Misses) },
      l2: { hits: c.l2Hits, misses: c.l2Misses, hitRatio: ratio(c.l2Hits, c.l2Misses) },
      readsSpared: this.answered.l1.count + this.answered.l2.count + this.answered.wait.count,
      readsFromDatabase: this.answered.db.count,
      invalidations: this.invalidations,
      latencyMsBySource: { l1: latency(this.answered.l1), l2: latency(this.answered.l2), db: latency(this.answered.db), wait: latency(this.answered.wait) },
    };
  }

  /** Whether any request took the step (the report shows the block only then). */
  get used(): boolean {
    return this.services.some((s) => s !== undefined);
  }
}
