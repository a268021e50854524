/**
 * The sharding functions against real PostgreSQL (a PGlite in this thread, booted as the sim boots a node): for thousands of generated keys
 * of each type, the TypeScript port of PostgreSQL's hashing puts a key where `satisfies_hash_partition`
 * and tuple routing into a hash-partitioned table put it, the plain and extended hashes equal
 * hashint8 & co., range shards hold what range partitions hold, and keys are parsed as the types' input
 * functions parse them. Each property sends one statement for a whole batch of keys.
 */
import type { PGlite } from '@electric-sql/pglite';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeEngineFactory } from '../../sim/engine/node/platform.ts';
import { bootPglite } from '../../sim/engine/PgliteEngine.ts';
import { ENGINE_CONF, templateSnapshot } from '../../sim/engine/snapshots.ts';
import { moduloShard } from '../../sim/sharding/hashStrategies.ts';
import { compareKeys, KEY_TYPES, type KeyType, type KeyValue, keyOf, parseKey } from '../../sim/sharding/keys.ts';
import { HASH_FUNCTIONS, HASH_PARTITION_SEED, hashKey, hashKeyExtended, hashPartitionRemainder } from '../../sim/sharding/pgHash.ts';
import { rangeBoundSql, rangeShardIndex } from '../../sim/sharding/range.ts';
import { shardLocator, shardMapSchema } from '../../sim/sharding/shardMap.ts';

let db: PGlite;
const MODULUS = 7;
const RUNS = 30;

beforeAll(async () => {
  // A node's engine as the sim boots it (from the cached template, not initdb), queried directly.
  db = await bootPglite({ snapshot: await templateSnapshot(nodeEngineFactory({ kind: 'in-process' })), postgresqlConf: ENGINE_CONF });
  await db.exec(
    KEY_TYPES.map(
      (t) => `CREATE TABLE hp_${t} (ord int, k ${t}) PARTITION BY HASH (k);
        ${Array.from({ length: MODULUS }, (_, r) => `CREATE TABLE hp_${t}_${r} PARTITION OF hp_${t} FOR VALUES WITH (MODULUS ${MODULUS}, REMAINDER ${r});`).join('\n')}`,
    ).join('\n'),
  );
});

afterAll(async () => {
  await db.close();
});

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** Keys as a client binds them: numbers, bigints, text with any code point, uuids in any form uuid_in takes. */
const INPUTS: Record<KeyType, fc.Arbitrary<number | bigint | string>> = {
  smallint: fc.integer({ min: -(2 ** 15), max: 2 ** 15 - 1 }),
  integer: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  bigint: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  text: fc
    .oneof(
      fc.string({ unit: 'binary', maxLength: 30 }),
      fc.string({ unit: 'grapheme', maxLength: 30 }),
      fc.string({ unit: 'binary-ascii', maxLength: 30 }),
      fc.string({ unit: 'binary', minLength: 200, maxLength: 3000 }),
    )
    .filter((s) => !s.includes('\0')),
  uuid: fc.oneof(fc.uuid(), fc.uint8Array({ minLength: 16, maxLength: 16 }).map(hex)),
};

/** Edge keys every type is also checked with. */
const EDGES: Record<KeyType, (number | bigint | string)[]> = {
  smallint: [0, 1, -1, 32767, -32768],
  integer: [0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 65535, 65536],
  bigint: [0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 32n, -(2n ** 32n), 2n ** 31n, -(2n ** 31n) - 1n, 4294967295n],
  text: ['', 'a', 'abc', 'A'.repeat(11), 'A'.repeat(12), 'A'.repeat(13), 'é', '𝄞', '\u{10FFFF}', "it's", '\\', 'x'.repeat(10_000)],
  uuid: ['00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '{A0EEBC99-9C0B4EF8-BB6D6BB9BD380A11}'],
};

/** A batch of keys for one statement: at least one, and up to 300 (so RUNS batches hold thousands). */
const batch = (t: KeyType) => fc.array(INPUTS[t], { minLength: 1, maxLength: 300, size: 'max' });

/** The keys as text PostgreSQL's input functions read back to the same values. */
const asJson = (keys: KeyValue[]) => JSON.stringify(keys.map(String));


describe.each(KEY_TYPES)('%s keys', (t) => {
  it('land in the hash partition satisfies_hash_partition accepts, for any modulus', async () => {
    let tested = 0;
    const check = async (inputs: (number | bigint | string)[], modulus: number) => {
      const keys = inputs.map((v) => keyOf(t, v));
      const pairs = keys.map((k) => [String(k), hashPartitionRemainder(t, k, modulus)]);
      const r = await db.query<{ k: string }>(
        `SELECT x->>0 AS k FROM jsonb_array_elements($1::jsonb) AS x
         WHERE NOT satisfies_hash_partition('hp_${t}'::regclass, $2::int, (x->>1)::int, (x->>0)::${t})`,
        [JSON.stringify(pairs), modulus],
      );
      tested += keys.length;
      expect(r.rows.map((row) => row.k)).toEqual([]);
    };
    await check(EDGES[t], 7);
    await fc.assert(fc.asyncProperty(batch(t), fc.integer({ min: 1, max: 1000 }), check), { numRuns: RUNS });
    expect(tested).toBeGreaterThan(2000);
  });

  it('land where an INSERT into the hash-partitioned table puts them (tableoid), through a hash_partition shard map', async () => {
    const locate = shardLocator(
      shardMapSchema.parse({
        tables: [{ table: `hp_${t}`, column: 'k' }],
        key_type: t,
        shards: Array.from({ length: MODULUS }, (_, r) => `hp_${t}_${r}`),
        strategy: { kind: 'hash_partition' },
      }),
    );
    let tested = 0;
    const check = async (inputs: (number | bigint | string)[]) => {
      const keys = inputs.map((v) => keyOf(t, v));
      const r = await db.query<{ ord: number; part: string }>(
        `INSERT INTO hp_${t} (ord, k) SELECT ord, v::${t} FROM jsonb_array_elements_text($1::jsonb) WITH ORDINALITY AS e(v, ord)
         RETURNING ord, tableoid::regclass::text AS part`,
        [asJson(keys)],
      );
      await db.exec(`TRUNCATE hp_${t}`);
      tested += keys.length;
      const landed = [...r.rows].sort((a, b) => a.ord - b.ord).map((row) => row.part);
      expect(landed).toEqual(keys.map((k) => locate(k).shard));
    };
    await check(EDGES[t]);
    await fc.assert(fc.asyncProperty(batch(t), check), { numRuns: RUNS });
    expect(tested).toBeGreaterThan(2000);
  });

  const [fn, fnExtended] = HASH_FUNCTIONS[t];
  it(`hash as ${fn} and ${fnExtended} do, and the seed's modulo is the documented SQL`, async () => {
    let tested = 0;
    const check = async (inputs: (number | bigint | string)[], seed: bigint, shards: number) => {
      const keys = inputs.map((v) => keyOf(t, v));
      const r = await db.query<{ h: number; x: bigint | number; m: bigint | number }>(
        `SELECT ${fn}(v::${t}) AS h, ${fnExtended}(v::${t}, $2::int8) AS x, (${fn}(v::${t})::bigint & 4294967295) % $3::int AS m
         FROM jsonb_array_elements_text($1::jsonb) WITH ORDINALITY AS e(v, ord) ORDER BY ord`,
        [asJson(keys), String(seed), shards],
      );
      tested += keys.length;
      expect(r.rows.map((row) => [row.h, BigInt(row.x), Number(row.m)])).toEqual(
        keys.map((k) => [hashKey(t, k), BigInt.asIntN(64, hashKeyExtended(t, k, BigInt.asUintN(64, seed))), moduloShard(hashKey(t, k), shards)]),
      );
    };
    await check(EDGES[t], BigInt.asIntN(64, HASH_PARTITION_SEED), 32);
    await check(EDGES[t], 0n, 3);
    const seed = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    await fc.assert(fc.asyncProperty(batch(t), seed, fc.integer({ min: 1, max: 64 }), check), { numRuns: RUNS });
    expect(tested).toBeGreaterThan(2000);
  });
});

it('a NULL key is left out of the partition hash (0), so every type routes it to remainder 0', async () => {
  for (const t of KEY_TYPES) {
    const r = await db.query<{ part: string }>(`INSERT INTO hp_${t} VALUES (0, NULL) RETURNING tableoid::regclass::text AS part`);
    await db.exec(`TRUNCATE hp_${t}`);
    expect(r.rows[0].part).toBe(`hp_${t}_${hashPartitionRemainder(t, null, MODULUS)}`);
    expect(hashPartitionRemainder(t, null, MODULUS)).toBe(0);
  }
});

describe('range shards', () => {
  const RANGE_TYPES = ['integer', 'bigint', 'text', 'uuid'] as const;

  it.each(RANGE_TYPES)('%s: a range shard map holds the keys the range partitions FROM lower TO upper hold', async (t) => {
    let tested = 0;
    const check = async (boundaryInputs: (number | bigint | string)[], inputs: (number | bigint | string)[]) => {
      const unique = new Map(boundaryInputs.map((v) => [String(keyOf(t, v)), keyOf(t, v)]));
      const boundaries = [...unique.values()].sort((a, b) => compareKeys(t, a, b));
      const shards = Array.from({ length: boundaries.length + 1 }, (_, i) => `rp_${i}`);
      const map = shardMapSchema.parse({
        tables: [{ table: 'rp', column: 'k' }],
        key_type: t,
        shards,
        strategy: { kind: 'range', boundaries: boundaries.map(String) },
      });
      const locate = shardLocator(map);
      // The boundaries themselves are keys too: the lower bound is inclusive, the upper exclusive.
      const keys = [...inputs.map((v) => keyOf(t, v)), ...boundaries];
      await db.exec(`CREATE TABLE rp (ord int, k ${t}${t === 'text' ? ' COLLATE "C"' : ''}) PARTITION BY RANGE (k);
        ${shards.map((s, i) => `CREATE TABLE ${s} PARTITION OF rp ${rangeBoundSql(t, boundaries, i)};`).join('\n')}`);
      try {
        const r = await db.query<{ ord: number; part: string }>(
          `INSERT INTO rp (ord, k) SELECT ord, v::${t} FROM jsonb_array_elements_text($1::jsonb) WITH ORDINALITY AS e(v, ord)
           RETURNING ord, tableoid::regclass::text AS part`,
          [asJson(keys)],
        );
        tested += keys.length;
        const landed = [...r.rows].sort((a, b) => a.ord - b.ord).map((row) => row.part);
        expect(landed).toEqual(keys.map((k) => locate(k).shard));
        expect(landed).toEqual(keys.map((k) => shards[rangeShardIndex(t, boundaries, k)]));
      } finally {
        await db.exec('DROP TABLE rp');
      }
    };
    const arb = t === 'text' ? fc.string({ unit: 'binary', maxLength: 8 }).filter((s) => !s.includes('\0')) : INPUTS[t];
    await fc.assert(
      fc.asyncProperty(fc.array(arb, { maxLength: 6 }), fc.array(INPUTS[t], { minLength: 1, maxLength: 200, size: 'max' }), check),
      { numRuns: RUNS },
    );
    expect(tested).toBeGreaterThan(1000);
  });

  it("the seed's A-M / N-Z: under C 'alice' goes to N-Z, under ICU's linguistic order to A-M", async () => {
    const locate = shardLocator({ key_type: 'text', shards: ['a_m', 'n_z'], strategy: { kind: 'range', boundaries: ['N'] } });
    const names = ['Alice', 'alice', 'Nina', 'bob', 'Zed', 'zoe'];
    const partitions = async (collation: string) => {
      await db.exec(`CREATE TABLE users_by_name (ord int, name text COLLATE "${collation}") PARTITION BY RANGE (name);
        CREATE TABLE a_m PARTITION OF users_by_name FOR VALUES FROM (MINVALUE) TO ('N');
        CREATE TABLE n_z PARTITION OF users_by_name FOR VALUES FROM ('N') TO (MAXVALUE);`);
      try {
        const r = await db.query<{ part: string }>(
          `INSERT INTO users_by_name SELECT ord, v FROM jsonb_array_elements_text($1::jsonb) WITH ORDINALITY AS e(v, ord)
           RETURNING tableoid::regclass::text AS part`,
          [JSON.stringify(names)],
        );
        return r.rows.map((row) => row.part);
      } finally {
        await db.exec('DROP TABLE users_by_name');
      }
    };
    expect(names.map((n) => locate(n).shard)).toEqual(['a_m', 'n_z', 'n_z', 'n_z', 'n_z', 'n_z']);
    expect(await partitions('C')).toEqual(['a_m', 'n_z', 'n_z', 'n_z', 'n_z', 'n_z']);
    expect(await partitions('unicode')).toEqual(['a_m', 'a_m', 'n_z', 'a_m', 'n_z', 'n_z']);
  });
});

describe('keys are read as the input functions read them', () => {
  // Numbers near and past each type's range in every base, with what may follow them: the input function
  // meets an overflow before trailing junk.
  const junk = fc.constantFrom('', ' ', '\t', 'x', '_', '_1', '.', ' x', 'e1');
  const intText = fc.oneof(
    fc.string({ unit: fc.constantFrom(...' \t+-_0123456789xXoObBaAfFgG.e'.split('')), maxLength: 12 }),
    fc
      .tuple(fc.constantFrom('', '-', '+', ' '), fc.constantFrom(10, 16, 8, 2), fc.bigInt({ min: 0n, max: 2n ** 70n }), junk)
      .map(([sign, base, n, tail]) => `${sign}${{ 10: '', 16: '0x', 8: '0o', 2: '0b' }[base]}${n.toString(base)}${tail}`),
  );
  const uuidText = fc.oneof(
    fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF-{} g'.split('')), minLength: 30, maxLength: 42 }),
    fc.tuple(fc.uuid(), fc.boolean(), fc.boolean()).map(([u, upper, braces]) => {
      const s = upper ? u.toUpperCase() : u;
      return braces ? `{${s.replaceAll('-', '')}}` : s;
    }),
  );

  it.each([...['smallint', 'integer', 'bigint'].map((t) => [t, intText] as const), ['uuid', uuidText] as const])(
    '%s: the same values and the same errors (message, SQLSTATE) as PostgreSQL',
    async (t, arb) => {
      const check = async (texts: string[]) => {
        const r = await db.query<{ value: string | null; message: string | null; code: string | null }>(
          `SELECT CASE WHEN pg_input_is_valid(v, $2) THEN ${t === 'uuid' ? "replace(v::uuid::text, '-', '')" : `v::${t}::text`} END AS value,
                  (pg_input_error_info(v, $2)).message, (pg_input_error_info(v, $2)).sql_error_code AS code
           FROM jsonb_array_elements_text($1::jsonb) WITH ORDINALITY AS e(v, ord) ORDER BY ord`,
          [JSON.stringify(texts), t],
        );
        expect(
          texts.map((v) => {
            const p = parseKey(t as KeyType, v);
            return p.ok ? { value: String(p.key), message: null, code: null } : { value: null, message: p.error.message, code: p.error.sqlstate };
          }),
        ).toEqual(r.rows.map((row) => ({ value: row.value, message: row.message, code: row.code })));
      };
      await fc.assert(fc.asyncProperty(fc.array(arb, { minLength: 1, maxLength: 200, size: 'max' }), check), { numRuns: RUNS });
    },
  );

  it('text with NUL is refused with the error the server gives for the parameter', async () => {
    const p = parseKey('text', 'a\0b');
    expect(p.ok).toBe(false);
    const error = await db.query('SELECT $1::text', ['a\0b']).then(
      () => undefined,
      (e: { message: string; code: string }) => e,
    );
    expect(p.ok ? undefined : { message: p.error.message, code: p.error.sqlstate }).toEqual({ message: error?.message, code: error?.code });
  });
});
