/**
 * What the two stale-read lists (a replica's, a cache's) share: a read's parameters as the tables show them,
 * and a live list that holds still while the pointer is on it.
 */
import { useEffect, useMemo, useState } from 'react';

/** A statement's parameters, fractions to two decimals. */
export function params(p: readonly unknown[]): string {
  return p.map((v) => (typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(2) : JSON.stringify(v))).join(', ');
}

/**
 * A live list, newest first, that holds still while the pointer is on it: a row added above the one aimed
 * at would move it away between the press and the release, and the click would land on no row. `note` says
 * how many came in meanwhile (shown below the list, where it moves nothing). The hold ends when the list
 * empties too (a Reset, another document): the table goes with no pointerleave, and the next run's list
 * would show the old run's rows.
 */
export function useHeldWhileHovered<T>(live: readonly T[], key: (x: T) => string) {
  const [held, setHeld] = useState<readonly T[]>();
  const empty = live.length === 0;
  useEffect(() => {
    if (empty) setHeld(undefined);
  }, [empty]);
  const newer = useMemo(() => {
    if (!held) return 0;
    const seen = new Set(held.map(key));
    return live.filter((x) => !seen.has(key(x))).length;
  }, [held, live, key]);
  // every row held has left the live list (it keeps the newest few): more came in than it holds
  const note = newer > 0 ? `The list holds still while the pointer is on it: ${held?.length && newer === live.length ? 'at least ' : ''}${newer} newer not shown.` : undefined;
  return { rows: held ?? live, note, hover: { onPointerEnter: () => setHeld(live), onPointerLeave: () => setHeld(undefined) } };
}
