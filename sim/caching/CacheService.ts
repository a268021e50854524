/**
 * The seed's two-level CacheService (database-scaling-patterns.md), in virtual time and with callbacks
 * for its awaits:
 *
 *   get(key):  L1 if `exp > now`; else L2 (GET), and an L2 hit is copied into L1 for 60 s; else null.
 *   set(key, data, ttl):  L1 for min(ttl, 60 s), and L2 `SET key data PX ttl`.
 *
 * Options beyond the seed: no L1, no L2 (either may be undefined), an L1 size bound (L1.ts),
 * `invalidate` (cache-aside delete-on-write: the keys leave this L1 and L2, and the other instances'
 * L1 through the bus when there is one), `writeThrough` (a write sets the new value in both levels and
 * tells the other instances to drop their L1 copy, as BentoCache's `set` does), and
 * `suppressL2Errors` (BentoCache's option). The seed awaits Redis without a try: a Redis error throws
 * out of `get` and `set` and fails the request; with `suppressL2Errors` an L2 error is a miss (the
 * database answers) and a failed SET or DEL is ignored.
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
  /** `error`: Redis' (or the connection's) error text. */
  get(key: string, tag: Tag | undefined, done: (value: string | undefined, error?: string) => void): void;
  /** `SET key value PX ttlMs`. */
  set(key: string, value: string, ttlMs: number, tag: Tag | undefined, done: (error?: string) => void): void;
  del(keys: readonly string[], tag: Tag | undefined, done: (error?: string) => void): void;
}

/** A bus to the other instances' L1 (BentoCache's): `publish` the keys a write invalidated. */
export interface InvalidationBus<Tag = unknown> {
  publish(keys: readonly string[], tag: Tag | undefined, done: (error?: string) => void): void;
}

/** Where a read was answered. */
export type CacheLevel = 'l1' | 'l2';

export interface CacheCounters {
  l1Hits: number;
  l1Misses: number;
  l2Hits: number;
  l2Misses: number;
  /** Redis calls that failed (a connection refused or closed, an error reply). */
  l2Errors: number;
}

export class CacheService<Tag = unknown> {
  readonly counters: CacheCounters = { l1Hits: 0, l1Misses: 0, l2Hits: 0, l2Misses: 0, l2Errors: 0 };

  constructor(
    readonly l1: L1 | undefined,
    private readonly l2: L2Client<Tag> | undefined,
    /** Virtual time now, ms. */
    private readonly nowMs: () => number,
    private readonly bus?: InvalidationBus<Tag>,
    /** BentoCache's suppressL2Errors; false: the seed's (a Redis error fails the call). */
    private readonly suppressL2Errors = false,
  ) {}

  /** An L2 call's outcome: its error when the caller is to see it (counted either way). */
  private l2Error(error: string | undefined): string | undefined {
    if (error === undefined) return undefined;
    this.counters.l2Errors++;
    return this.suppressL2Errors ? undefined : error;
  }

  /** The cached value and its level, or undefined on a miss of every level (or with the L2's error). */
  get(key: string, tag: Tag | undefined, done: (hit: { data: string; level: CacheLevel } | undefined, error?: string) => void): void {
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
    this.l2.get(key, tag, (v, error) => {
      if (error !== undefined) return done(undefined, this.l2Error(error));
      if (v === undefined) {
        this.counters.l2Misses++;
        return done(undefined);
      }
      this.counters.l2Hits++;
      this.l1?.set(key, v, this.nowMs() + L1_MAX_TTL_MS);
      done({ data: v, level: 'l2' });
    });
  }

  set(key: string, data: string, ttlMs: number, tag: Tag | undefined, done: (error?: string) => void): void {
    this.l1?.set(key, data, this.nowMs() + Math.min(ttlMs, L1_MAX_TTL_MS));
    if (this.l2) this.l2.set(key, data, ttlMs, tag, (e) => done(this.l2Error(e)));
    else done();
  }

  /** Write-through: `set`, then the bus tells the other instances to drop their L1 copy (BentoCache sends keys, not values). */
  writeThrough(key: string, data: string, ttlMs: number, tag: Tag | undefined, done: (error?: string) => void): void {
    this.set(key, data, ttlMs, tag, (error) => (error !== undefined || !this.bus ? done(error) : this.bus.publish([key], tag, (e) => done(this.l2Error(e)))));
  }

  /** Delete-on-write: the keys leave L1 and L2, then the bus tells the other instances. */
  invalidate(keys: readonly string[], tag: Tag | undefined, done: (error?: string) => void): void {
    for (const k of keys) this.l1?.delete(k);
    const publish = () => (this.bus ? this.bus.publish(keys, tag, (e) => done(this.l2Error(e))) : done());
    if (!this.l2) {
      publish();
      return;
    }
    this.l2.del(keys, tag, (e) => {
      const error = this.l2Error(e);
      if (error !== undefined) done(error);
      else publish();
    });
  }

  /** A bus message from another instance: its write invalidated these keys. */
  invalidated(keys: readonly string[]): void {
    for (const k of keys) this.l1?.delete(k);
  }
}
