import type { Rng } from '../../core/rng.ts';

/** `DICT_HT_INITIAL_SIZE` in dict.h. */
const INITIAL_SIZE = 4;
/** `HASHTABLE_MIN_FILL` in server.h: serverCron shrinks a table filled under 10 %. */
const MIN_FILL_PERCENT = 10;

/**
 * A Redis dict as the keyspace algorithms see it: lookups by key, uniform random keys and samples
 * (`dictGetRandomKey`, `dictGetSomeKeys`), a cursor that walks every key in hash order (the active
 * expire cycle's `expires_cursor`), and the size of its bucket array for memory accounting.
 *
 * Hash order is modelled by a dense array in which each new key takes a random slot (the one it
 * takes swaps to the end), so the order is unrelated to insertion time as a hash's is; a deletion
 * moves the last key into the freed slot. Randomness comes from the store's seeded stream.
 */
export class Dict<V> {
  private readonly map = new Map<string, V>();
  private readonly slots: string[] = [];
  private readonly slotOf = new Map<string, number>();
  /** Buckets of the hash table: 0 when empty after a flush, then a power of two >= 4. */
  buckets = 0;

  constructor(private readonly rng: Rng) {}

  get size(): number {
    return this.map.size;
  }

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  /** Adds or replaces; a new key grows the table when it is full (`_dictExpandIfNeeded`), to the next power of two. */
  set(key: string, value: V): void {
    if (!this.map.has(key)) {
      if (this.buckets === 0) this.buckets = INITIAL_SIZE;
      else if (this.map.size >= this.buckets) this.buckets = nextPower(this.map.size + 1);
      const last = this.slots.length;
      const at = this.rng.int(0, last);
      this.slots.push(key);
      if (at !== last) {
        const other = this.slots[at];
        this.slots[at] = key;
        this.slots[last] = other;
        this.slotOf.set(other, last);
      }
      this.slotOf.set(key, at);
    }
    this.map.set(key, value);
  }

  delete(key: string): boolean {
    const at = this.slotOf.get(key);
    if (at === undefined) return false;
    const moved = this.slots.pop()!;
    if (moved !== key) {
      this.slots[at] = moved;
      this.slotOf.set(moved, at);
    }
    this.slotOf.delete(key);
    this.map.delete(key);
    return true;
  }

  /** Empties the dict and frees its table (`dictEmpty`, as FLUSHALL does). */
  clear(): void {
    this.map.clear();
    this.slots.length = 0;
    this.slotOf.clear();
    this.buckets = 0;
  }

  /** The key at a cursor position (taken modulo the size); the dict must not be empty. */
  keyAt(cursor: number): string {
    return this.slots[cursor % this.slots.length];
  }

  /** A uniform random key (`dictGetRandomKey`); the dict must not be empty. */
  randomKey(): string {
    return this.slots[this.rng.int(0, this.slots.length - 1)];
  }

  /** Up to `count` distinct keys drawn uniformly (`dictGetSomeKeys`). */
  sample(count: number): string[] {
    if (count >= this.slots.length) return [...this.slots];
    const picked = new Set<number>();
    while (picked.size < count) picked.add(this.rng.int(0, this.slots.length - 1));
    return [...picked].map((i) => this.slots[i]);
  }

  /** serverCron's `tryResizeHashTables`: shrinks a table filled under 10 % to fit its entries. */
  shrinkIfSparse(): void {
    if (this.buckets > INITIAL_SIZE && (this.map.size * 100) / this.buckets < MIN_FILL_PERCENT) {
      this.buckets = nextPower(Math.max(this.map.size, INITIAL_SIZE));
    }
  }
}

function nextPower(n: number): number {
  let p = INITIAL_SIZE;
  while (p < n) p *= 2;
  return p;
}
