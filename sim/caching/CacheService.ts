/**
 * The seed's two-level CacheService (database-scaling-patterns.md), in virtual time and with callbacks
 * for its awaits:
 *
 *   get(key):  L1 if `exp > now`; else L2 (GET), and an L2 hit is copied into L1 for 60 s; else null.
 *   set(key, data, ttl):  L1 for min(ttl, 60 s), and L2 `SET key data PX ttl`.
 *
 * Options beyond the seed: no L1, no L2 (either may be undefined), an L1 size bound (L1.ts), and
 * `invalidate` (cache-aside delete-on-write: the keys leave this L1 and L2, and the other instances'
 * L1 through the bus when there is one).
 *
 * Invariants (tested):
 * - An L1 entry never lives longer than 60 s (L1_MAX_TTL_MS), whatever the ttl asked.
 * - An L2 hit fills L1 for exactly 60 s, even when the L2 key expires sooner (as the seed does).
 */
import type { L1 } from './L1.ts';

/** The seed's L1 lifetime cap: `Math.min(ttl, 60_000)` on set, `60_000` on an L2 hit. */
export const L1_MAX_TTL_MS = 60_000;

/**
 * What the service needs of Redis (the node's client carries it over a link). `tag` rides along with
 * each call, untouched: the request it belongs to, for the network's trace.
 */
export interface L2Client<Tag = unknown> {
  get(key: string, tag: Tag | undefined, done: (value: string | undefined) => void): void;
  /** `SET key value PX ttlMs`. */
  set(key: string, value: string, ttlMs: number, tag: Tag | undefined, done: () => void): void;
  del(keys: readonly string[], tag: Tag | undefined, done: () => void): void;
}

/** A bus to the other instances' L1 (BentoCache's): `publish` the keys a write invalidated. */
export interface InvalidationBus<Tag = unknown> {
  publish(keys: readonly string[], tag: Tag | undefined, done: () => void): void;
}

/** Where a read was answered. */
export type CacheLevel = 'l1' | 'l2';

export interface CacheCounters {
  l1Hits: number;
  l1Misses: number;
  l2Hits: number;
  l2Misses: number;
}

export class CacheService<Tag = unknown> {
  readonly counters: CacheCounters = { l1Hits: 0, l1Misses: 0, l2Hits: 0, l2Misses: 0 };

  constructor(
    readonly l1: L1 | undefined,
    private readonly l2: L2Client<Tag> | undefined,
    /** Virtual time now, ms. */
    private readonly nowMs: () => number,
    private readonly bus?: InvalidationBus<Tag>,
  ) {}

  /** The cached value and its level, or undefined on a miss of every level. */
  get(key: string, tag: Tag | undefined, done: (hit: { data: string; level: CacheLevel } | undefined) => void): void {
    if (this.l1) {
      const e = this.l1.get(key, this.nowMs());
      if (e) {
        this.counters.l1Hits++;
        done({ data: e.data, level: 'l1' });
        return;
      }
      this.counters.l1Misses++;
    }
    if (!this.l2) {
      done(undefined);
      return;
    }
    this.l2.get(key, tag, (v) => {
      if (v === undefined) {
        this.counters.l2Misses++;
        return done(undefined);
      }
      this.counters.l2Hits++;
      this.l1?.set(key, v, this.nowMs() + L1_MAX_TTL_MS);
      done({ data: v, level: 'l2' });
    });
  }

  set(key: string, data: string, ttlMs: number, tag: Tag | undefined, done: () => void): void {
    this.l1?.set(key, data, this.nowMs() + Math.min(ttlMs, L1_MAX_TTL_MS));
    if (this.l2) this.l2.set(key, data, ttlMs, tag, done);
    else done();
  }

  /** Delete-on-write: the keys leave L1 and L2, then the bus tells the other instances. */
  invalidate(keys: readonly string[], tag: Tag | undefined, done: () => void): void {
    for (const k of keys) this.l1?.delete(k);
    const publish = () => (this.bus ? this.bus.publish(keys, tag, done) : done());
    if (this.l2) this.l2.del(keys, tag, publish);
    else publish();
  }

  /** A bus message from another instance: its write invalidated these keys. */
  invalidated(keys: readonly string[]): void {
    for (const k of keys) this.l1?.delete(k);
  }
}
