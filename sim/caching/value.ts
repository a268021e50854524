/**
 * What the app stores under a cache key. A real app stores the row as JSON; here the value carries what
 * the simulation must know of it, padded to the operation's `value_bytes` so that Redis' memory is the
 * real value's: the database version it was read at (for the stale-read check), when it was stored, and
 * when it expires logically (with a grace period it stays in the cache longer, as BentoCache's entries
 * carry their logical expiration). Both levels hold the same text, so an L2 hit copied into L1 keeps it.
 */

export interface CachedValue {
  /** The version the database read was at (opaque here: `origin@seq`), if known. */
  version?: string;
  /** When the value was stored, virtual µs. */
  storedUs: number;
  /** Its TTL's end, virtual µs: after it, a value still in the cache is in its grace period. */
  expiresUs: number;
}

/** The stored text, at least `bytes` long. */
export function encodeValue(v: CachedValue, bytes: number): string {
  const head = `${v.version ?? ''};${v.storedUs};${v.expiresUs};`;
  return head.length >= bytes ? head : head + 'x'.repeat(bytes - head.length);
}

export function decodeValue(text: string): CachedValue {
  const [version, stored, expires] = text.split(';');
  return { ...(version ? { version } : {}), storedUs: Number(stored) || 0, expiresUs: expires ? Number(expires) : Number.POSITIVE_INFINITY };
}
