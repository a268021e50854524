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
    if (e.exp <= nowMs) return undefined;
    this.map.set(key, e);
    return e;
  }

  set(key: string, data: string, exp: number): void {
    this.map.delete(key);
    this.map.set(key, { data, exp });
    if (this.maxKeys > 0 && this.map.size > this.maxKeys) this.map.delete(this.map.keys().next().value as string);
  }

  delete(key: string): void {
    this.map.delete(key);
  }
}
