/**
 * The sharding functions without an engine: what a reshard moves under each strategy, Citus' hash
 * intervals and rebalancing, the shard map's validation and route explain, key ordering, region round
 * trips. (Agreement with PostgreSQL itself is sharding.pglite.test.ts.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { citusShardIndex, citusShardIntervals, rebalancePlacement, roundRobinPlacement } from '../../sim/sharding/hashStrategies.ts';
import { compareKeys, type KeyValue, keyOf } from '../../sim/sharding/keys.ts';
import { hashBytes, hashUint32 } from '../../sim/sharding/pgHash.ts';
import { DEFAULT_REGION_ROUND_TRIPS, regionRoundTrip } from '../../sim/sharding/regions.ts';
import { compareReshard, reshardMoves, type ShardRule, shardLocator, shardMapSchema } from '../../sim/sharding/shardMap.ts';
import { REGIONS } from '../../sim/workload/defaults.ts';

const shardNames = (n: number) => Array.from({ length: n }, (_, i) => `shard${i + 1}`);

describe('resharding from N to N+1 shards', () => {
  // Sequential user ids (the default data set's users.id) and text keys.
  const ids: KeyValue[] = Array.from({ length: 20_000 }, (_, i) => BigInt(i + 1));
  const emails: KeyValue[] = Array.from({ length: 20_000 }, (_, i) => `user${i + 1}@example.com`);

  it.each([2, 3, 4, 5, 6, 8, 12])('%i -> N+1: modulo moves ~N/(N+1) of the keys; the ring and virtual shards ~1/(N+1), only to the new shard', (n) => {
    for (const [type, keys] of [['bigint', ids], ['text', emails]] as const) {
      const from = shardNames(n);
      const to = shardNames(n + 1);
      const added = to[n];
      const r = compareReshard(type, keys, from, to);
      // A key stays under h % N and h % (N+1) only when both agree: 1 in N+1 of the hash space.
      expect(r.modulo.share).toBeGreaterThan(n / (n + 1) - 0.03);
      expect(r.modulo.share).toBeLessThan(n / (n + 1) + 0.03);
      expect(r.hash_partition.share).toBeGreaterThan(n / (n + 1) - 0.03);
      expect(r.hash_partition.share).toBeLessThan(n / (n + 1) + 0.03);
      // The new shard takes its arcs of the ring (256 virtual nodes each: within 35% of its fair share).
      expect(r.consistent_hash.share).toBeGreaterThan(0.65 / (n + 1));
      expect(r.consistent_hash.share).toBeLessThan(1.35 / (n + 1));
      // The new node receives floor or ceil(32 / (N+1)) of the 32 equal hash ranges.
      expect(r.virtual_shards.share).toBeGreaterThan(Math.floor(32 / (n + 1)) / 32 - 0.03);
      expect(r.virtual_shards.share).toBeLessThan(Math.ceil(32 / (n + 1)) / 32 + 0.03);
      for (const k of ['consistent_hash', 'virtual_shards'] as const) {
        expect(Object.keys(r[k].flows).every((f) => f.endsWith(`->${added}`))).toBe(true);
      }
      expect(r.modulo.moved.length).toBe(Math.round(r.modulo.share * keys.length));
    }
  });

  it('doubling PostgreSQL hash partitions (modulus N to 2N) moves half of the keys, each to remainder r + N', () => {
    const from: ShardRule = { key_type: 'bigint', shards: shardNames(4), strategy: { kind: 'hash_partition' } };
    const r = reshardMoves(from, { ...from, shards: shardNames(8) }, ids);
    expect(r.share).toBeGreaterThan(0.47);
    expect(r.share).toBeLessThan(0.53);
    expect(Object.keys(r.flows).sort()).toEqual(['shard1->shard5', 'shard2->shard6', 'shard3->shard7', 'shard4->shard8']);
  });

  it('a range reshard moves exactly the keys between the old and the new boundary', () => {
    const from: ShardRule = { key_type: 'bigint', shards: ['a', 'b'], strategy: { kind: 'range', boundaries: [10_001] } };
    const r = reshardMoves(from, { ...from, strategy: { kind: 'range', boundaries: [8_001] } }, ids);
    expect(r.moved.length).toBe(2_000);
    expect(r.flows).toEqual({ 'a->b': 2_000 });
  });

  it('keys whose region loses its shard are counted as unplaced, not moved', () => {
    const from: ShardRule = { key_type: 'text', shards: ['us1', 'eu1'], strategy: { kind: 'geography', regions: { us: 'us1', eu: 'eu1' } } };
    const r = reshardMoves(from, { ...from, strategy: { kind: 'geography', regions: { us: 'us1' } } }, ['us', 'eu', 'eu']);
    expect(r).toMatchObject({ keys: 3, unplaced: 2, share: 0 });
  });
});

describe("Citus' virtual shards", () => {
  it('32 shards split the int32 hash space as pg_dist_shard shows it', () => {
    const iv = citusShardIntervals(32);
    expect(iv[0]).toEqual({ min: -2147483648, max: -2013265921 });
    expect(iv[31]).toEqual({ min: 2013265920, max: 2147483647 });
  });

  it('intervals are contiguous, cover the int32 space, and hold the hashes FindShardIntervalIndex gives them', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 512 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (count, h) => {
        const iv = citusShardIntervals(count);
        expect(iv[0].min).toBe(-(2 ** 31));
        expect(iv[count - 1].max).toBe(2 ** 31 - 1);
        for (let i = 1; i < count; i++) expect(iv[i].min).toBe(iv[i - 1].max + 1);
        const i = citusShardIndex(h, count);
        expect(iv[i].min <= h && h <= iv[i].max).toBe(true);
      }),
    );
  });

  it('a rebalance leaves every node floor or ceil(shards / nodes) and moves no shard it need not', () => {
    const names = fc.uniqueArray(fc.constantFrom(...'abcdefghijkl'.split('')), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 128 }), names, names, (count, before, after) => {
        const placement = roundRobinPlacement(count, before);
        const next = rebalancePlacement(placement, after);
        const held = (p: readonly string[], n: string) => p.filter((x) => x === n).length;
        for (const n of after) {
          expect(held(next, n)).toBeGreaterThanOrEqual(Math.floor(count / after.length));
          expect(held(next, n)).toBeLessThanOrEqual(Math.ceil(count / after.length));
        }
        // Moves: the shards of removed nodes, plus what a remaining node holds beyond its new share.
        const removed = placement.filter((n) => !after.includes(n)).length;
        const surplus = after.reduce((sum, n) => sum + Math.max(0, held(placement, n) - held(next, n)), 0);
        expect(next.filter((n, i) => n !== placement[i]).length).toBe(removed + surplus);
      }),
    );
  });
});

describe('the shard map', () => {
  const base = { tables: [{ table: 'users', column: 'id' }, { table: 'orders', column: 'user_id' }], reference_tables: ['countries'] };

  it("parses the seed's three strategies and the hash variants, with defaults filled in", () => {
    const seedRange = shardMapSchema.parse({
      tables: [{ table: 'users', column: 'name' }],
      key_type: 'text',
      shards: ['shard1', 'shard2'],
      strategy: { kind: 'range', boundaries: ['N'] },
    });
    expect(seedRange.reference_tables).toEqual([]);
    const geo = shardMapSchema.parse({
      tables: [{ table: 'users', column: 'region' }],
      key_type: 'text',
      shards: ['shard_us', 'shard_eu', 'shard_apac'],
      strategy: { kind: 'geography', regions: { us: 'shard_us', eu: 'shard_eu', apac: 'shard_apac' } },
    });
    expect(REGIONS.map((r) => shardLocator(geo)(r).shard)).toEqual(['shard_us', 'shard_eu', 'shard_apac']);
    const ring = shardMapSchema.parse({ ...base, key_type: 'bigint', shards: ['s1', 's2'], strategy: { kind: 'consistent_hash' } });
    expect(ring.strategy).toEqual({ kind: 'consistent_hash', vnodes: 256 });
    const citus = shardMapSchema.parse({ ...base, key_type: 'bigint', shards: ['s1', 's2'], strategy: { kind: 'virtual_shards' } });
    expect(citus.strategy).toEqual({ kind: 'virtual_shards', shard_count: 32 });
    expect(shardMapSchema.safeParse({ ...base, key_type: 'bigint', shards: ['s1'], strategy: { kind: 'modulo' } }).success).toBe(true);
  });

  it.each([
    [{ key_type: 'bigint', shards: ['a', 'a'], strategy: { kind: 'modulo' } }, 'shard a is listed twice'],
    [{ key_type: 'bigint', shards: ['a', 'b', 'c'], strategy: { kind: 'range', boundaries: [10] } }, '3 shards need 2 boundaries between them'],
    [{ key_type: 'text', shards: ['a', 'b', 'c'], strategy: { kind: 'range', boundaries: ['n', 'N'] } }, 'strictly ascending'],
    [{ key_type: 'bigint', shards: ['a', 'b'], strategy: { kind: 'range', boundaries: ['1.5'] } }, 'invalid input syntax for type bigint: "1.5"'],
    [{ key_type: 'integer', shards: ['a', 'b'], strategy: { kind: 'range', boundaries: [2 ** 31] } }, 'value "2147483648" is out of range for type integer'],
    [{ key_type: 'bigint', shards: ['a'], strategy: { kind: 'geography', regions: { us: 'a' } } }, 'geography shards by a text region column'],
    [{ key_type: 'text', shards: ['a'], strategy: { kind: 'geography', regions: { us: 'b' } } }, 'b is not one of the shards'],
    [{ key_type: 'text', shards: ['a', 'b'], strategy: { kind: 'virtual_shards', shard_count: 3, placement: ['a', 'b'] } }, 'for each of the 3 virtual shards'],
    [{ key_type: 'text', shards: ['a'], strategy: { kind: 'modulo' }, reference_tables: ['users'] }, 'table users is declared twice'],
  ])('refuses %j: %s', (map, message) => {
    const r = shardMapSchema.safeParse({ tables: base.tables, ...map });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.message).join('; ')).toContain(message);
  });

  it('explains each route with the function, the value and the rule that chose the shard', () => {
    const why = (rule: ShardRule, key: unknown) => shardLocator(rule)(keyOf(rule.key_type, key));
    const shards = ['s1', 's2', 's3', 's4'];
    // hashint8(1) = -1905060026 in PostgreSQL.
    expect(why({ key_type: 'bigint', shards, strategy: { kind: 'modulo' } }, 1)).toEqual({
      shard: 's3',
      why: 'hashint8(1) = -1905060026, unsigned 2389907270; 2389907270 % 4 = 2',
    });
    expect(why({ key_type: 'bigint', shards, strategy: { kind: 'hash_partition' } }, 1).why).toMatch(
      /^partition hash of 1 \(hashint8extended with HASH_PARTITION_SEED, hash_combine64\) = \d+; % 4 = (\d): FOR VALUES WITH \(MODULUS 4, REMAINDER \1\)$/,
    );
    expect(why({ key_type: 'bigint', shards, strategy: { kind: 'virtual_shards', shard_count: 32 } }, 1)).toEqual({
      shard: 's2',
      why: 'hashint8(1) = -1905060026, in virtual shard 1 of 32 [-2013265920, -1879048193], placed on s2',
    });
    expect(why({ key_type: 'bigint', shards, strategy: { kind: 'consistent_hash', vnodes: 4 } }, 1).why).toMatch(
      /^hashint8\(1\) = -1905060026, ring position 2389907270; next token \d+ is virtual node [0-3] of s[1-4]$/,
    );
    expect(why({ key_type: 'text', shards: ['a_m', 'n_z'], strategy: { kind: 'range', boundaries: ['N'] } }, "o'hara")).toEqual({
      shard: 'n_z',
      why: `'o''hara' (COLLATE "C") is in FOR VALUES FROM ('N') TO (MAXVALUE)`,
    });
    const geo: ShardRule = { key_type: 'text', shards: ['us1', 'eu1'], strategy: { kind: 'geography', regions: { us: 'us1', eu: 'eu1' } } };
    expect(why(geo, 'apac')).toEqual({ shard: null, why: "no shard serves region 'apac' and the map has no default_shard" });
    const withDefault: ShardRule = { ...geo, strategy: { kind: 'geography', regions: { us: 'us1' }, default_shard: 'eu1' } };
    expect(why(withDefault, 'apac').shard).toBe('eu1');
    expect(why(withDefault, 'toString').shard).toBe('eu1');
  });
});

describe('keys and hashes', () => {
  it('text keys sort in UTF-8 byte order (the C collation), which is not UTF-16 order', () => {
    const utf8 = (s: string) => new TextEncoder().encode(s);
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        expect(Math.sign(compareKeys('text', a, b))).toBe(Math.sign(Buffer.compare(utf8(a), utf8(b))));
      }),
    );
    // U+FFFD sorts before U+1F600 in UTF-8 (and in code points), after it in UTF-16 code units.
    expect(compareKeys('text', '\uFFFD', '😀')).toBeLessThan(0);
    expect('\uFFFD' < '😀').toBe(false);
  });

  it('hash_bytes_uint32(k) is hash_bytes of the four little-endian bytes of k', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (k) => {
        const bytes = new Uint8Array(new Uint32Array([k]).buffer);
        expect(hashUint32(k)).toBe(hashBytes(bytes));
      }),
    );
  });
});

describe('region round trips', () => {
  it("cover every pair of the default data set's regions, either way round, within REFERENCE.md's ranges", () => {
    const ranges: Record<string, [number, number]> = { 'us-eu': [70, 81], 'us-apac': [150, 230], 'eu-apac': [200, 250] };
    for (const a of REGIONS) {
      expect(regionRoundTrip(a, a)).toBe(DEFAULT_REGION_ROUND_TRIPS.within);
      for (const b of REGIONS) expect(regionRoundTrip(a, b)).toBe(regionRoundTrip(b, a));
    }
    for (const [pair, [lo, hi]] of Object.entries(ranges)) {
      const [a, b] = pair.split('-');
      expect(regionRoundTrip(a, b)).toBeGreaterThanOrEqual(lo);
      expect(regionRoundTrip(a, b)).toBeLessThanOrEqual(hi);
    }
    expect(regionRoundTrip('us', 'mars')).toBeUndefined();
  });
});
