/**
 * The hash strategies an architect compares, all fed by PostgreSQL's own hash of the key (pgHash.ts):
 *
 * - modulo: the seed's `hash(user_id) % num_shards`;
 * - fixed virtual shards as Citus makes them: `shard_count` (32 by default) contiguous ranges of the int32
 *   hash space, each placed on a node, so a reshard moves whole virtual shards;
 * - a consistent-hash ring with virtual nodes, as Dynamo and Cassandra place data.
 *
 * (PostgreSQL's own hash partitioning is `hashPartitionRemainder` in pgHash.ts.)
 */
import { hashBytes } from './pgHash.ts';

/**
 * The seed's `hash(key) % num_shards`, with `hash` = the type's PostgreSQL hash (hashint8, hashtext ...)
 * read as an unsigned 32-bit number, so the same shard is computed in SQL by
 * `(hashint8(user_id)::bigint & 4294967295) % num_shards`.
 */
export function moduloShard(hash32: number, shardCount: number): number {
  return (hash32 >>> 0) % shardCount;
}

/** citus.shard_count's default: the number of shards create_distributed_table makes. */
export const CITUS_SHARD_COUNT = 32;

const INT32_MIN = -(2 ** 31);
/** Citus' HASH_TOKEN_COUNT: the size of the int32 hash space. */
const HASH_TOKEN_COUNT = 2 ** 32;

/**
 * The shard whose hash range holds an int32 hash, as Citus' FindShardIntervalIndex computes it for a
 * table with uniform hash distribution: (uint32)(hash - INT32_MIN) / (HASH_TOKEN_COUNT / shardCount),
 * the last shard also taking the remainder of the space when shardCount is not a power of two.
 */
export function citusShardIndex(hash32: number, shardCount: number): number {
  const increment = Math.floor(HASH_TOKEN_COUNT / shardCount);
  return Math.min(Math.floor(((hash32 | 0) - INT32_MIN) / increment), shardCount - 1);
}

/**
 * Each shard's [min, max] int32 hash range (pg_dist_shard's shardminvalue / shardmaxvalue) as
 * CreateShardsWithRoundRobinPolicy makes them.
 */
export function citusShardIntervals(shardCount: number): { min: number; max: number }[] {
  const increment = Math.floor(HASH_TOKEN_COUNT / shardCount);
  return Array.from({ length: shardCount }, (_, i) => {
    const min = INT32_MIN + i * increment;
    return { min, max: i === shardCount - 1 ? 2 ** 31 - 1 : min + increment - 1 };
  });
}

/** Citus' first placement: virtual shard i on node i % nodes (create_distributed_table's round robin). */
export function roundRobinPlacement(shardCount: number, nodes: readonly string[]): string[] {
  return Array.from({ length: shardCount }, (_, i) => nodes[i % nodes.length]);
}

/**
 * The placement after a reshard onto `nodes` that moves the fewest virtual shards while leaving every node
 * with floor or ceil(shards / nodes) of them (the goal of Citus' rebalancer with its by_shard_count
 * strategy): nodes that stay keep their lowest-numbered shards up to their share, the nodes holding most
 * get the extra ones, and the shards of removed or overfull nodes go, lowest first, to the nodes short of
 * their share, in the order `nodes` lists them.
 */
export function rebalancePlacement(placement: readonly string[], nodes: readonly string[]): string[] {
  const held = new Map(nodes.map((n) => [n, [] as number[]]));
  for (const [shard, n] of placement.entries()) held.get(n)?.push(shard);
  const base = Math.floor(placement.length / nodes.length);
  const fuller = [...nodes].sort((a, b) => held.get(b)!.length - held.get(a)!.length || nodes.indexOf(a) - nodes.indexOf(b));
  const target = new Map(fuller.map((n, rank) => [n, base + (rank < placement.length % nodes.length ? 1 : 0)]));
  const next = [...placement];
  const free: number[] = placement.flatMap((n, shard) => (held.has(n) ? [] : [shard]));
  for (const [n, shards] of held) free.push(...shards.splice(target.get(n)!));
  free.sort((a, b) => a - b);
  for (const n of nodes) {
    const shards = held.get(n)!;
    while (shards.length < target.get(n)!) {
      const shard = free.shift()!;
      shards.push(shard);
      next[shard] = n;
    }
  }
  return next;
}

/** Virtual nodes per shard on the ring by default (Cassandra's num_tokens before 4.0). */
export const DEFAULT_VNODES = 256;

/** A consistent-hash ring: tokens in ascending order, each owned by a shard. */
export interface Ring {
  tokens: number[];
  owners: string[];
  /** Which of its owner's virtual nodes each token is. */
  vnodes: number[];
}

/**
 * The ring of `shards` with `vnodes` virtual nodes each. Virtual node j of shard s sits at token
 * hash_bytes(UTF-8 of `${s}#${j}`) (PostgreSQL's hashtext of that string, unsigned), so a shard's
 * tokens depend on its id alone and adding a shard leaves every other token where it was. Equal tokens
 * are ordered by shard id, then virtual node.
 */
export function buildRing(shards: readonly string[], vnodes: number = DEFAULT_VNODES): Ring {
  const encoder = new TextEncoder();
  const all = shards.flatMap((owner) =>
    Array.from({ length: vnodes }, (_, vnode) => ({ token: hashBytes(encoder.encode(`${owner}#${vnode}`)), owner, vnode })),
  );
  all.sort((a, b) => a.token - b.token || (a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : a.vnode - b.vnode));
  return { tokens: all.map((t) => t.token), owners: all.map((t) => t.owner), vnodes: all.map((t) => t.vnode) };
}

/**
 * The ring position that owns a key at `hash32` (its type's PostgreSQL hash, read unsigned): the first
 * token at or after it, wrapping past the largest token to the first (a token owns the arc that ends at
 * it, as in Cassandra).
 */
export function ringPosition(ring: Ring, hash32: number): number {
  const h = hash32 >>> 0;
  let lo = 0;
  let hi = ring.tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ring.tokens[mid] < h) lo = mid + 1;
    else hi = mid;
  }
  return lo === ring.tokens.length ? 0 : lo;
}
