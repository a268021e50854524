/**
 * Redis 7.0's approximations of LRU and LFU and its eviction pool, after evict.c:
 *
 * - each value object keeps 24 bits (`robj.lru`): under an LRU policy the LRU clock when it was last
 *   touched (seconds, `LRU_CLOCK_RESOLUTION` 1000 ms, wrapping at 2^24); under an LFU policy 16 bits of
 *   minutes of the last decrement and an 8-bit logarithmic counter (new objects start at
 *   `LFU_INIT_VAL` 5; an access increments it with probability 1 / ((counter - 5) * lfu-log-factor + 1);
 *   it loses one per `lfu-decay-time` minutes elapsed, applied when the key is next looked at);
 * - eviction samples `maxmemory-samples` keys into a pool of 16 candidates kept sorted by score (idle
 *   time, 255 - frequency, or the nearness of the expire), and evicts the best one that still exists.
 */
import type { Rng } from '../../core/rng.ts';

/** maxmemory-policy values, in config.c's `maxmemory_policy_enum` order (its error message lists them so). */
export const MAXMEMORY_POLICIES = [
  'volatile-lru',
  'volatile-lfu',
  'volatile-random',
  'volatile-ttl',
  'allkeys-lru',
  'allkeys-lfu',
  'allkeys-random',
  'noeviction',
] as const;
export type MaxmemoryPolicy = (typeof MAXMEMORY_POLICIES)[number];

export const isLfu = (p: MaxmemoryPolicy): boolean => p.endsWith('-lfu');
export const isLru = (p: MaxmemoryPolicy): boolean => p.endsWith('-lru');
export const isAllKeys = (p: MaxmemoryPolicy): boolean => p.startsWith('allkeys-');

/** `LRU_CLOCK_MAX` in server.h: the clock has 24 bits. */
const LRU_CLOCK_MAX = (1 << 24) - 1;
/** `LFU_INIT_VAL` in server.h. */
const LFU_INIT_VAL = 5;
/** `EVPOOL_SIZE` in evict.c. */
const EVPOOL_SIZE = 16;

/** `getLRUClock`: seconds of Unix time, 24 bits. */
export function lruClock(unixMs: number): number {
  return Math.floor(unixMs / 1000) & LRU_CLOCK_MAX;
}

/** `estimateObjectIdleTime`: milliseconds since the object's clock, allowing one wrap. */
export function idleMs(lru: number, unixMs: number): number {
  const clock = lruClock(unixMs);
  return (clock >= lru ? clock - lru : clock + (LRU_CLOCK_MAX - lru)) * 1000;
}

/** `LFUGetTimeInMinutes`: Unix minutes, 16 bits. */
function lfuMinutes(unixMs: number): number {
  return Math.floor(unixMs / 60000) & 65535;
}

/** The `lru` field of an object created now under an LFU policy (`createObject`). */
export function lfuInit(unixMs: number): number {
  return (lfuMinutes(unixMs) << 8) | LFU_INIT_VAL;
}

/** `LFUDecrAndReturn`: the counter after the decay periods elapsed since its last decrement. */
export function lfuCounter(lru: number, unixMs: number, decayMinutes: number): number {
  const ldt = lru >> 8;
  const counter = lru & 255;
  const now = lfuMinutes(unixMs);
  const elapsed = now >= ldt ? now - ldt : 65535 - ldt + now;
  const periods = decayMinutes ? Math.floor(elapsed / decayMinutes) : 0;
  return periods > counter ? 0 : counter - periods;
}

/** `updateLFU`: decay, then the logarithmic increment (`LFULogIncr`), stamped with the current minute. */
export function lfuTouch(lru: number, unixMs: number, logFactor: number, decayMinutes: number, rng: Rng): number {
  let counter = lfuCounter(lru, unixMs, decayMinutes);
  if (counter < 255) {
    const base = Math.max(0, counter - LFU_INIT_VAL);
    if (rng.next() < 1 / (base * logFactor + 1)) counter++;
  }
  return (lfuMinutes(unixMs) << 8) | counter;
}

interface PoolEntry {
  readonly key: string;
  /** The score: larger means a better candidate (evict.c calls it idle whatever the policy). */
  readonly idle: number;
}

/**
 * `EvictionPoolLRU`: up to 16 candidates in ascending score, empty slots at the end. It persists
 * across evictions; its keys may have been deleted since (ghosts), and are skipped when picked.
 */
export class EvictionPool {
  private pool: (PoolEntry | null)[] = new Array(EVPOOL_SIZE).fill(null);

  /** `evictionPoolPopulate`'s insertion of sampled keys, shifting as evict.c does. */
  populate(samples: readonly PoolEntry[]): void {
    const pool = this.pool;
    for (const entry of samples) {
      let k = 0;
      while (k < EVPOOL_SIZE && pool[k] && pool[k]!.idle < entry.idle) k++;
      if (k === 0 && pool[EVPOOL_SIZE - 1]) continue; // worse than all 16 candidates
      if (k < EVPOOL_SIZE && !pool[k]) {
        // an empty slot: take it
      } else if (!pool[EVPOOL_SIZE - 1]) {
        pool.splice(k, 0, null); // room on the right: shift right from k
        pool.pop();
      } else {
        k--; // full: drop the worst candidate (slot 0) and shift left up to k
        pool.shift();
        pool.splice(k, 0, null);
      }
      pool[k] = entry;
    }
  }

  /** Takes the best candidates from the right until one still exists; undefined when all were ghosts. */
  takeBest(exists: (key: string) => boolean): string | undefined {
    for (let k = EVPOOL_SIZE - 1; k >= 0; k--) {
      const entry = this.pool[k];
      if (!entry) continue;
      this.pool[k] = null;
      if (exists(entry.key)) return entry.key;
    }
    return undefined;
  }
}
