/**
 * What the two stale-read lists (a replica's, a cache's) share: a read's parameters as the tables show them,
 * and a live list that holds still while the pointer is on it.
 */
import { useMemo, useState } from 'react';

/** A statement's parameters, fractions to two decimals. */
export function params(p: readonly unknown[]): string {
  return p.map((v) => (typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(2) : JSON.stringify(v))).join(', ');
}

/**
 * A live list, newest first, that holds still while the pointer is on it: a row added above the one aimed
 * at would move it away between the press and the release, and the click would land on no row. `newer`:
 * how many came in meanwhile (shown below the list, where it moves nothing).
 */
export function useHeldWhileHovered<T>(live: readonly T[], key: (x: T) => string) {
  const [held, setHeld] = useState<readonly T[]>();
  const newer = useMemo(() => {
    if (!held) return 0;
    const seen = new Set(held.map(key));
    return live.filter((x) => !seen.has(key(x))).length;
  }, [held, live, key]);
  return { rows: held ?? live, newer, hover: { onPointerEnter: () => setHeld(live), onPointerLeave: () => setHeld(undefined) } };
}
