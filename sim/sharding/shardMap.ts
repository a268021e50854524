/**
 * The shard map a scenario declares once: which tables are distributed and by which column, the key's
 * type, the strategy, the shards (postgres node ids), and the reference tables copied to every shard (as
 * Citus' reference tables). All distributed tables share the key type and the strategy, so rows with the
 * same key live on the same shard (Citus' co-location): `users.id` and `orders.user_id` together.
 *
 * `shardLocator` compiles a map into the function that routes a key (and says why, for route explain);
 * `reshardMoves` says which keys a change of map moves; `compareReshard` runs that for every hash strategy.
 */
import { z } from 'zod';
import {
  buildRing,
  CITUS_SHARD_COUNT,
  citusShardIndex,
  citusShardIntervals,
  DEFAULT_VNODES,
  moduloShard,
  rebalancePlacement,
  ringPosition,
  roundRobinPlacement,
} from './hashStrategies.ts';
import { compareKeys, KEY_TYPES, type KeyType, type KeyValue, keyLiteral, keyOf, parseKey } from './keys.ts';
import { HASH_FUNCTIONS, hashKey, partitionHashValue } from './pgHash.ts';
import { rangeBoundSql, rangeShardIndex } from './range.ts';

const identifier = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL identifier (letters, digits, _)');
/** A postgres node's id; the scenario checks that the node exists. */
const shardId = z.string().min(1).max(32);

const strategySchema = z.discriminatedUnion('kind', [
  /** The seed's `hash(key) % num_shards`. */
  z.strictObject({ kind: z.literal('modulo') }),
  /** PostgreSQL's hash partitioning: shard i is `FOR VALUES WITH (MODULUS shards, REMAINDER i)`. */
  z.strictObject({ kind: z.literal('hash_partition') }),
  /** A consistent-hash ring with `vnodes` virtual nodes per shard. */
  z.strictObject({ kind: z.literal('consistent_hash'), vnodes: z.number().int().min(1).max(4096).default(DEFAULT_VNODES) }),
  /**
   * Citus: `shard_count` fixed ranges of the hash space, virtual shard i on `placement[i]` (round robin
   * over the shards when omitted).
   */
  z.strictObject({
    kind: z.literal('virtual_shards'),
    shard_count: z.number().int().min(1).max(4096).default(CITUS_SHARD_COUNT),
    placement: z.array(shardId).optional(),
  }),
  /** Boundaries between consecutive shards, ascending: shard i holds [boundaries[i-1], boundaries[i]). */
  z.strictObject({ kind: z.literal('range'), boundaries: z.array(z.union([z.number(), z.string()])) }),
  /** A region column's value to the shard in that region; other values to `default_shard`, if any. */
  z.strictObject({
    kind: z.literal('geography'),
    regions: z.record(z.string().min(1), shardId),
    default_shard: shardId.optional(),
  }),
]);

export const shardMapSchema = z
  .strictObject({
    tables: z.array(z.strictObject({ table: identifier, column: identifier })).min(1),
    key_type: z.enum(KEY_TYPES),
    reference_tables: z.array(identifier).default([]),
    shards: z.array(shardId).min(1).max(64),
    /**
     * Database nodes that hold no distributed rows until a reshard gives them some (as a Citus worker added
     * before a rebalance): they boot with the reference tables and empty distributed tables.
     */
    spare_shards: z.array(shardId).max(64).default([]),
    strategy: strategySchema,
    /**
     * What a transaction (or a write) that needs several shards gets, named as Vitess' vtgate
     * `--transaction_mode`: `SINGLE` (the default) refuses it with cross_shard_transaction; `TWOPC` runs each
     * shard's part and commits them with two-phase commit (PREPARE TRANSACTION on each, then COMMIT PREPARED
     * on each: two more round trips to the slowest shard). Only an app's ShardRouter commits in two phases.
     */
    transaction_mode: z.enum(['SINGLE', 'TWOPC']).optional(),
  })
  .superRefine((m, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const shards = new Set<string>();
    for (const [i, s] of m.shards.entries()) {
      if (shards.has(s)) issue(['shards', i], `shard ${s} is listed twice`);
      shards.add(s);
    }
    for (const [i, s] of m.spare_shards.entries()) {
      if (shards.has(s) || m.spare_shards.indexOf(s) !== i) issue(['spare_shards', i], `shard ${s} is listed twice`);
    }
    const tables = new Set<string>();
    for (const t of [...m.tables.map((t) => t.table), ...m.reference_tables]) {
      if (tables.has(t)) issue(['tables'], `table ${t} is declared twice`);
      tables.add(t);
    }
    const known = (s: string, path: (string | number)[]) => {
      if (!shards.has(s)) issue(path, `${s} is not one of the shards`);
    };
    const st = m.strategy;
    if (st.kind === 'virtual_shards' && st.placement) {
      if (st.placement.length !== st.shard_count) issue(['strategy', 'placement'], `placement must name a shard for each of the ${st.shard_count} virtual shards`);
      for (const [i, s] of st.placement.entries()) known(s, ['strategy', 'placement', i]);
    }
    if (st.kind === 'range') {
      if (st.boundaries.length !== m.shards.length - 1) {
        issue(['strategy', 'boundaries'], `${m.shards.length} shards need ${m.shards.length - 1} boundaries between them`);
      }
      let previous: KeyValue | undefined;
      for (const [i, b] of st.boundaries.entries()) {
        const r = parseKey(m.key_type, b);
        if (!r.ok) {
          issue(['strategy', 'boundaries', i], r.error.message);
        } else if (previous !== undefined && compareKeys(m.key_type, previous, r.key) >= 0) {
          issue(['strategy', 'boundaries', i], "boundaries must be strictly ascending in the key type's order (text: the C collation)");
        }
        if (r.ok) previous = r.key;
      }
    }
    if (st.kind === 'geography') {
      if (m.key_type !== 'text') issue(['key_type'], 'geography shards by a text region column');
      for (const [region, s] of Object.entries(st.regions)) known(s, ['strategy', 'regions', region]);
      if (st.default_shard) known(st.default_shard, ['strategy', 'default_shard']);
    }
  });

export type ShardMap = z.output<typeof shardMapSchema>;
export type ShardStrategy = ShardMap['strategy'];

/** Every node that is or may become a shard: the shards, then the spare shards. */
export function shardNodes(map: Pick<ShardMap, 'shards' | 'spare_shards'>): string[] {
  return [...map.shards, ...map.spare_shards];
}

/** What routing a key needs from a shard map. */
export type ShardRule = Pick<ShardMap, 'key_type' | 'shards' | 'strategy'>;

/** Where a key goes and why (for route explain); `shard` is null when no shard holds it. */
export interface Routed {
  shard: string | null;
  why: string;
}

/** The routing function of a shard map; build it once per map (a ring or a placement is computed here). */
export function shardLocator(rule: ShardRule): (key: KeyValue) => Routed {
  const { key_type: type, shards, strategy: st } = rule;
  const n = shards.length;
  const hashed = (key: KeyValue) => {
    const h = hashKey(type, key);
    return { h, text: `${HASH_FUNCTIONS[type][0]}(${keyLiteral(type, key)}) = ${h}` };
  };
  switch (st.kind) {
    case 'modulo':
      return (key) => {
        const { h, text } = hashed(key);
        const i = moduloShard(h, n);
        return { shard: shards[i], why: `${text}, unsigned ${h >>> 0}; ${h >>> 0} % ${n} = ${i}` };
      };
    case 'hash_partition':
      return (key) => {
        const hash = partitionHashValue([{ type, key }]);
        const r = Number(hash % BigInt(n));
        return {
          shard: shards[r],
          why: `partition hash of ${keyLiteral(type, key)} (${HASH_FUNCTIONS[type][1]} with HASH_PARTITION_SEED, hash_combine64) = ${hash}; % ${n} = ${r}: FOR VALUES WITH (MODULUS ${n}, REMAINDER ${r})`,
        };
      };
    case 'consistent_hash': {
      const ring = buildRing(shards, st.vnodes);
      return (key) => {
        const { h, text } = hashed(key);
        const p = ringPosition(ring, h);
        return {
          shard: ring.owners[p],
          why: `${text}, ring position ${h >>> 0}; next token ${ring.tokens[p]} is virtual node ${ring.vnodes[p]} of ${ring.owners[p]}`,
        };
      };
    }
    case 'virtual_shards': {
      const placement = st.placement ?? roundRobinPlacement(st.shard_count, shards);
      const intervals = citusShardIntervals(st.shard_count);
      return (key) => {
        const { h, text } = hashed(key);
        const i = citusShardIndex(h, st.shard_count);
        return {
          shard: placement[i],
          why: `${text}, in virtual shard ${i} of ${st.shard_count} [${intervals[i].min}, ${intervals[i].max}], placed on ${placement[i]}`,
        };
      };
    }
    case 'range': {
      const boundaries = st.boundaries.map((b) => keyOf(type, b));
      const collate = type === 'text' ? ' (COLLATE "C")' : '';
      return (key) => {
        const i = rangeShardIndex(type, boundaries, key);
        return { shard: shards[i], why: `${keyLiteral(type, key)}${collate} is in ${rangeBoundSql(type, boundaries, i)}` };
      };
    }
    case 'geography':
      return (key) => {
        const region = keyLiteral(type, key);
        const shard = Object.hasOwn(st.regions, key as string) ? st.regions[key as string] : undefined;
        if (shard) return { shard, why: `region ${region} is served by ${shard}` };
        if (st.default_shard) return { shard: st.default_shard, why: `region ${region} has no shard of its own: default ${st.default_shard}` };
        return { shard: null, why: `no shard serves region ${region} and the map has no default_shard` };
      };
  }
}

/**
 * The shard each node belongs to: a shard and the nodes downstream of it (`replicasOf`: its standbys), as a
 * shard's replicas serve its rows and nobody else's.
 */
export function shardMembers(shards: readonly string[], replicasOf: (id: string) => readonly string[]): Map<string, string> {
  const owner = new Map<string, string>();
  for (const shard of shards) {
    const queue = [shard];
    while (queue.length > 0) {
      const id = queue.shift()!;
      if (owner.has(id)) continue;
      owner.set(id, shard);
      queue.push(...replicasOf(id));
    }
  }
  return owner;
}

/**
 * The map a reshard onto `shards` leads to, for the strategies where it follows from the shards alone:
 * modulo, hash partitions and the ring keep their rule; virtual shards keep their ranges and move the
 * fewest of them (`rebalancePlacement`). Range and geography maps need new boundaries or regions: undefined.
 */
export function reshardTo(rule: ShardRule, shards: readonly string[]): ShardRule | undefined {
  const st = rule.strategy;
  if (st.kind === 'range' || st.kind === 'geography') return undefined;
  if (st.kind !== 'virtual_shards') return { ...rule, shards: [...shards] };
  const placement = rebalancePlacement(st.placement ?? roundRobinPlacement(st.shard_count, rule.shards), shards);
  return { ...rule, shards: [...shards], strategy: { ...st, placement } };
}

export interface ReshardMoves {
  /** Keys considered. */
  keys: number;
  /** The keys whose shard changes, in the order given. */
  moved: KeyValue[];
  /** moved / keys. */
  share: number;
  /** Moved keys per `from->to` pair of shards. */
  flows: Record<string, number>;
  /** Keys no shard holds under one of the maps (a geography region left without a shard). */
  unplaced: number;
}

/** Which of `keys` change shard from one map to the other (same key type). */
export function reshardMoves(from: ShardRule, to: ShardRule, keys: readonly KeyValue[]): ReshardMoves {
  const before = shardLocator(from);
  const after = shardLocator(to);
  const moved: KeyValue[] = [];
  const flows: Record<string, number> = {};
  let unplaced = 0;
  for (const key of keys) {
    const a = before(key).shard;
    const b = after(key).shard;
    if (a === null || b === null) unplaced++;
    else if (a !== b) {
      moved.push(key);
      flows[`${a}->${b}`] = (flows[`${a}->${b}`] ?? 0) + 1;
    }
  }
  return { keys: keys.length, moved, share: keys.length ? moved.length / keys.length : 0, flows, unplaced };
}

export const HASH_STRATEGIES = ['modulo', 'hash_partition', 'consistent_hash', 'virtual_shards'] as const;
export type HashStrategy = (typeof HASH_STRATEGIES)[number];

/** Each hash strategy with its defaults: the ring's 256 virtual nodes, Citus' 32 virtual shards. */
const HASH_DEFAULTS: Record<HashStrategy, ShardStrategy> = {
  modulo: { kind: 'modulo' },
  hash_partition: { kind: 'hash_partition' },
  consistent_hash: { kind: 'consistent_hash', vnodes: DEFAULT_VNODES },
  virtual_shards: { kind: 'virtual_shards', shard_count: CITUS_SHARD_COUNT },
};

/**
 * What a reshard from `fromShards` to `toShards` moves under each hash strategy with its defaults
 * (virtual shards placed round robin on `fromShards`, then rebalanced onto `toShards`).
 */
export function compareReshard(
  type: KeyType,
  keys: readonly KeyValue[],
  fromShards: readonly string[],
  toShards: readonly string[],
): Record<HashStrategy, ReshardMoves> {
  const moves = (strategy: ShardStrategy) => {
    const from: ShardRule = { key_type: type, shards: [...fromShards], strategy };
    return reshardMoves(from, reshardTo(from, toShards)!, keys);
  };
  return Object.fromEntries(HASH_STRATEGIES.map((k) => [k, moves(HASH_DEFAULTS[k])])) as Record<HashStrategy, ReshardMoves>;
}
