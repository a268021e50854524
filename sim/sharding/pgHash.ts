/**
 * PostgreSQL's hash functions, ported bit for bit so that a key lands where PostgreSQL puts it.
 *
 * - `hash_bytes` / `hash_bytes_extended` / `hash_bytes_uint32` / `hash_bytes_uint32_extended`
 *   (src/common/hashfn.c): Bob Jenkins' lookup3 hash with PostgreSQL's initial value, in the
 *   little-endian variant (PGlite is wasm32, little-endian; the aligned and unaligned paths give the same
 *   result on little-endian machines).
 * - the types' hash support functions (src/backend/access/hash/hashfunc.c, utils/adt/uuid.c):
 *   hashint2/4/8 and their `extended` versions, hashtext / hashtextextended for a deterministic collation
 *   (the C collation, PGlite's default: the UTF-8 bytes are hashed), uuid_hash / uuid_hash_extended.
 * - `hash_combine64` (src/include/common/hashfn.h) and `compute_partition_hash_value`
 *   (src/backend/partitioning/partbounds.c) with `HASH_PARTITION_SEED` (src/include/catalog/partition.h):
 *   what `satisfies_hash_partition` and tuple routing into a hash-partitioned table compute.
 *
 * 32-bit arithmetic runs on a Uint32Array, whose stores wrap modulo 2^32 as C's uint32 does; 64-bit
 * values are BigInts.
 */
import { type KeyType, type KeyValue, keyBytes } from './keys.ts';

/** The seed PostgreSQL passes to every extended hash function when it routes a row to a hash partition. */
export const HASH_PARTITION_SEED = 0x7a5b22367996dcfdn;

const U64 = (1n << 64n) - 1n;

/** lookup3's internal state a, b, c. */
const s = new Uint32Array(3);

function rot(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** lookup3's mix(a, b, c). */
function mix(): void {
  s[0] -= s[2]; s[0] ^= rot(s[2], 4); s[2] += s[1];
  s[1] -= s[0]; s[1] ^= rot(s[0], 6); s[0] += s[2];
  s[2] -= s[1]; s[2] ^= rot(s[1], 8); s[1] += s[0];
  s[0] -= s[2]; s[0] ^= rot(s[2], 16); s[2] += s[1];
  s[1] -= s[0]; s[1] ^= rot(s[0], 19); s[0] += s[2];
  s[2] -= s[1]; s[2] ^= rot(s[1], 4); s[1] += s[0];
}

/** lookup3's final(a, b, c). */
function final(): void {
  s[2] ^= s[1]; s[2] -= rot(s[1], 14);
  s[0] ^= s[2]; s[0] -= rot(s[2], 11);
  s[1] ^= s[0]; s[1] -= rot(s[0], 25);
  s[2] ^= s[1]; s[2] -= rot(s[1], 16);
  s[0] ^= s[2]; s[0] -= rot(s[2], 4);
  s[1] ^= s[0]; s[1] -= rot(s[0], 14);
  s[2] ^= s[1]; s[2] -= rot(s[1], 24);
}

/** The initial state for a key of `len` bytes, perturbed by a non-zero seed as the extended variants do. */
function start(len: number, seed: bigint): void {
  s[0] = s[1] = s[2] = 0x9e3779b9 + len + 3923095;
  if (seed !== 0n) {
    // The seed is hashed as a first 12-byte block: its high half into a, its low half into b.
    s[0] += Number((seed >> 32n) & 0xffffffffn);
    s[1] += Number(seed & 0xffffffffn);
    mix();
  }
}

/** The key's bytes: whole 12-byte blocks through mix(), then the last 0..11 bytes, then final(). */
function absorb(k: Uint8Array): void {
  let i = 0;
  for (; k.length - i >= 12; i += 12) {
    s[0] += k[i] | (k[i + 1] << 8) | (k[i + 2] << 16) | (k[i + 3] << 24);
    s[1] += k[i + 4] | (k[i + 5] << 8) | (k[i + 6] << 16) | (k[i + 7] << 24);
    s[2] += k[i + 8] | (k[i + 9] << 8) | (k[i + 10] << 16) | (k[i + 11] << 24);
    mix();
  }
  // Little-endian tail: bytes 0-3 into a, 4-7 into b, 8-10 into c from its second byte up
  // ("the lowest byte of c is reserved for the length").
  for (let j = 0; i + j < k.length; j++) {
    const byte = k[i + j];
    if (j < 8) s[j >> 2] += byte << ((j & 3) * 8);
    else s[2] += byte << ((j - 7) * 8);
  }
  final();
}

/** hash_bytes(k, len): the 32-bit hash of a byte string (hash_any). */
export function hashBytes(k: Uint8Array): number {
  start(k.length, 0n);
  absorb(k);
  return s[2];
}

/** hash_bytes_extended(k, len, seed): the 64-bit hash; `b` is the high half, `c` the low half. */
export function hashBytesExtended(k: Uint8Array, seed: bigint): bigint {
  start(k.length, seed);
  absorb(k);
  return (BigInt(s[1]) << 32n) | BigInt(s[2]);
}

/** hash_bytes_uint32(k): the same as hash_bytes of the four bytes of k, without storing them. */
export function hashUint32(k: number): number {
  start(4, 0n);
  s[0] += k;
  final();
  return s[2];
}

/** hash_bytes_uint32_extended(k, seed). */
export function hashUint32Extended(k: number, seed: bigint): bigint {
  start(4, seed);
  s[0] += k;
  final();
  return (BigInt(s[1]) << 32n) | BigInt(s[2]);
}

/**
 * The 32 bits hashint8 hashes: the low half xor the high half (or its complement for a negative value),
 * so that an int8 hashes as the equal int4 or int2 does (cross-type hash joins). For a value in int4
 * range this is the value's own 32 bits, so hashint2 and hashint4 are this function too.
 */
function int8Fold(v: bigint): number {
  const lo = Number(v & 0xffffffffn);
  const hi = Number((v >> 32n) & 0xffffffffn);
  return (lo ^ (v >= 0n ? hi : ~hi)) >>> 0;
}

/** The SQL names of each type's hash support function and its extended (seeded) version, ported below. */
export const HASH_FUNCTIONS: Record<KeyType, readonly [string, string]> = {
  smallint: ['hashint2', 'hashint2extended'],
  integer: ['hashint4', 'hashint4extended'],
  bigint: ['hashint8', 'hashint8extended'],
  text: ['hashtext', 'hashtextextended'],
  uuid: ['uuid_hash', 'uuid_hash_extended'],
};

/**
 * The type's standard hash support function, as SQL shows it (a signed int4): hashint2 / hashint4 /
 * hashint8, hashtext (deterministic collation), uuid_hash. Citus hashes distribution columns with it.
 */
export function hashKey(type: KeyType, key: KeyValue): number {
  if (type === 'text' || type === 'uuid') return hashBytes(keyBytes(type, key as string)) | 0;
  return hashUint32(int8Fold(key as bigint)) | 0;
}

/**
 * The type's extended hash support function with a seed, as an unsigned 64-bit value:
 * hashint2extended / hashint4extended / hashint8extended, hashtextextended, uuid_hash_extended.
 */
export function hashKeyExtended(type: KeyType, key: KeyValue, seed: bigint): bigint {
  if (type === 'text' || type === 'uuid') return hashBytesExtended(keyBytes(type, key as string), seed);
  return hashUint32Extended(int8Fold(key as bigint), seed);
}

/** hash_combine64(a, b): a ^= b + 0x49a0f4dd15e5a8e3 + (a << 54) + (a >> 7), in uint64. */
export function hashCombine64(a: bigint, b: bigint): bigint {
  return a ^ ((b + 0x49a0f4dd15e5a8e3n + ((a << 54n) & U64) + (a >> 7n)) & U64);
}

/**
 * compute_partition_hash_value: each partition key column's extended hash with HASH_PARTITION_SEED,
 * folded with hash_combine64 from 0. A NULL column is skipped (so an all-NULL key hashes to 0 and lands in
 * remainder 0).
 */
export function partitionHashValue(columns: readonly { type: KeyType; key: KeyValue | null }[]): bigint {
  let rowHash = 0n;
  for (const c of columns) {
    if (c.key !== null) rowHash = hashCombine64(rowHash, hashKeyExtended(c.type, c.key, HASH_PARTITION_SEED));
  }
  return rowHash;
}

/**
 * The remainder of a one-column key's partition hash by `modulus`: the row belongs to the partition
 * `FOR VALUES WITH (MODULUS modulus, REMAINDER r)`, the one for which
 * `satisfies_hash_partition(parent, modulus, r, key)` is true.
 */
export function hashPartitionRemainder(type: KeyType, key: KeyValue | null, modulus: number): number {
  return Number(partitionHashValue([{ type, key }]) % BigInt(modulus));
}
