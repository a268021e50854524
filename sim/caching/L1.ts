/**
 * The seed's L1: an in-process `Map<key, { data, exp }>` per application instance, plus the option the
 * seed lacks, a size bound (least recently used out first; the seed's Map grows without one).
 */

export interface L1Entry {
  data: string;
  /** Expiry, virtual ms. */
  exp: number;
}

export class L1 {
  private readonly map = new Map<string, L1Entry>();
  /** Entries dropped by the size bound, and found expired (and dropped) by a get. */
  evictions = 0;
  expired = 0;
  /** The values' characters held (the entries' memory, without the Map's own). */
  bytes = 0;

  /** `maxKeys`: 0 = unbounded, as the seed's Map. */
  constructor(readonly maxKeys = 0) {}

  get size(): number {
    return this.map.size;
  }

  /** The entry if it has not expired (`exp > now`, as the seed checks); a used entry becomes the most recent. */
  get(key: string, nowMs: number): L1Entry | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    this.map.delete(key);
    if (e.exp <= nowMs) {
      this.expired++;
      this.bytes -= e.data.length;
      return undefined;
    }
    this.map.set(key, e);
    return e;
  }

  set(key: string, data: string, exp: number): void {
    this.delete(key);
    this.map.set(key, { data, exp });
    this.bytes += data.length;
    if (this.maxKeys > 0 && this.map.size > this.maxKeys) {
      this.evictions++;
      this.delete(this.map.keys().next().value as string);
    }
  }

  delete(key: string): void {
    const e = this.map.get(key);
    if (!e) return;
    this.map.delete(key);
    this.bytes -= e.data.length;
  }
}
