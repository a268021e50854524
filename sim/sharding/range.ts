/**
 * Range sharding as PostgreSQL's range partitions bound it: each shard holds the keys from its lower bound
 * (inclusive) to its upper bound (exclusive), the first from MINVALUE, the last to MAXVALUE. A shard map
 * gives the boundaries between consecutive shards (one fewer than the shards, strictly ascending), so the
 * shards cover every key with no gap and no overlap; the seed's `users A-M / N-Z` is the one boundary
 * 'N' (with the C collation's caveat in `compareKeys`).
 */
import { compareKeys, type KeyType, type KeyValue, keyLiteral } from './keys.ts';

/** The index of the shard holding `key`: the number of boundaries at or below it. */
export function rangeShardIndex(type: KeyType, boundaries: readonly KeyValue[], key: KeyValue): number {
  let lo = 0;
  let hi = boundaries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(type, boundaries[mid], key) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Shard i's bounds as a partition bound clause: FROM its lower boundary (MINVALUE for the first shard) TO
 * its upper boundary (MAXVALUE for the last), as in `FOR VALUES FROM (MINVALUE) TO ('N')`. (Text keys
 * compared under the C collation belong to a column or partition key declared `COLLATE "C"`.)
 */
export function rangeBoundSql(type: KeyType, boundaries: readonly KeyValue[], i: number): string {
  const from = i === 0 ? 'MINVALUE' : keyLiteral(type, boundaries[i - 1]);
  const to = i === boundaries.length ? 'MAXVALUE' : keyLiteral(type, boundaries[i]);
  return `FOR VALUES FROM (${from}) TO (${to})`;
}
