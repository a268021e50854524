/**
 * Redis 7.0's memory accounting for string keys, from its source. `used_memory` is what jemalloc says
 * it handed out (`zmalloc_used_memory`, counting each allocation at its size class), so every
 * allocation below is rounded to jemalloc's class. Per key:
 *
 * - the key: an sds copy made by `dbAdd` (db.c), header by length (`sdsReqType` in sds.c: 1 byte
 *   under 32, 3 under 256, 5 under 64 KiB, 9 beyond) + bytes + the NUL;
 * - the `dictEntry` in the main dict: key, value and next pointers, 24 bytes (dict.h);
 * - the value (`tryObjectEncoding`, object.c): an integer of at most 20 digits is a shared object
 *   (no allocation) when 0 <= n < 10000 and maxmemory is off or the policy is not LRU/LFU
 *   (`OBJ_SHARED_INTEGERS`, `MAXMEMORY_FLAG_NO_SHARED_INTEGERS`), else a 16-byte `robj` holding the
 *   number; up to 44 bytes an EMBSTR (one allocation: `robj` 16 + `sdshdr8` 3 + bytes + NUL); longer a
 *   RAW string: `robj` 16 + an sds allocation as for the key;
 * - a key with a TTL: a second 24-byte `dictEntry` in the expires dict (it shares the key's sds);
 * - each dict's bucket array, 8 bytes a bucket, a power of two >= the entries (dict.c's
 *   `_dictExpandIfNeeded` grows it when it is full; serverCron shrinks it under 10 % fill).
 *
 * Checked against redis-server 7.0.15 (jemalloc 5.3.0) on the project's machine: 10,000 keys of 10
 * bytes cost 93.1 bytes each with 8-byte values (model 93.1), 125.1 with 32 (125.1), 189.1 with 100
 * (189.1), 1101.2 with 1000 (1101.1), 233.9 with 100 and a TTL (234.2), 61.3 with the value `5` (61.1).
 * Incremental rehashing (both tables alive for a while after a growth) and client buffers are left out.
 *
 * Redis 7 also allocates each command's latency histogram the first time the command runs
 * (`latency-tracking` is on by default; `updateCommandLatencyHistogram` in server.c calls `hdr_init(1,
 * 1e9, 2)`): 3072 64-bit counts (24,576 bytes) and the 104-byte struct (112): 24,688 bytes, as
 * measured.
 */

/**
 * `used_memory` of redis-server 7.0.15 just started, with one client connected and no keys, measured
 * on the project's machine (`used_memory_startup` 876,048 + the client's buffers).
 */
export const REDIS_BASE_USED_MEMORY = 914_520;

/** Bytes of one command's latency histogram, allocated at its first execution. */
export const LATENCY_HISTOGRAM_BYTES = jemallocSize(3072 * 8) + jemallocSize(104);

/** `sizeof(dictEntry)` in dict.h (key, value union, next) on 64-bit. */
const DICT_ENTRY = 24;
/** `sizeof(robj)` in server.h (type:4, encoding:4, lru:24, refcount, ptr). */
const ROBJ = 16;
/** `OBJ_ENCODING_EMBSTR_SIZE_LIMIT` in object.c. */
const EMBSTR_SIZE_LIMIT = 44;
/** `OBJ_SHARED_INTEGERS` in server.h. */
const SHARED_INTEGERS = 10000;

/**
 * jemalloc 5's size class for an allocation (x86-64, 16-byte quantum): 8, then multiples of 16 up to
 * 64, then four classes per doubling (80, 96, 112, 128, 160, ...), pages alike.
 */
export function jemallocSize(n: number): number {
  if (n <= 8) return 8;
  if (n <= 64) return Math.ceil(n / 16) * 16;
  const spacing = 2 ** (Math.floor(Math.log2(n - 1)) - 2);
  return Math.ceil(n / spacing) * spacing;
}

/** The sds header size for a string of `len` bytes (`sdsReqType`, `sdsHdrSize`). */
function sdsHeader(len: number): number {
  if (len < 32) return 1;
  if (len < 256) return 3;
  if (len < 65536) return 5;
  return len < 2 ** 32 ? 9 : 17;
}

/** Bytes of a UTF-8 encoded string: Redis counts bytes, JavaScript strings count UTF-16 units. */
export function byteLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** `string2ll` (util.c): the strict decimal form Redis accepts as a 64-bit integer, or undefined. */
export function string2ll(s: string): bigint | undefined {
  if (s.length === 0 || s.length >= 21 || !/^(0|-?[1-9][0-9]*)$/.test(s)) return undefined;
  const v = BigInt(s);
  return v > 9223372036854775807n || v < -9223372036854775808n ? undefined : v;
}

/** Bytes a string key costs in the main dict: its entry, its sds copy and its value object. */
export function keyBytes(key: string, value: string, sharedIntegers: boolean): number {
  const klen = byteLength(key);
  return jemallocSize(DICT_ENTRY) + jemallocSize(sdsHeader(klen) + klen + 1) + valueBytes(value, sharedIntegers);
}

function valueBytes(value: string, sharedIntegers: boolean): number {
  const len = byteLength(value);
  const n = len <= 20 ? string2ll(value) : undefined;
  if (n !== undefined) return sharedIntegers && n >= 0n && n < SHARED_INTEGERS ? 0 : jemallocSize(ROBJ);
  if (len <= EMBSTR_SIZE_LIMIT) return jemallocSize(ROBJ + 3 + len + 1);
  return jemallocSize(ROBJ) + jemallocSize(sdsHeader(len) + len + 1);
}

/** Bytes of an expires-dict entry (the key's sds is shared with the main dict). */
export const EXPIRE_ENTRY_BYTES = jemallocSize(DICT_ENTRY);

/** Bytes of a dict's bucket array of `buckets` pointers. */
export function bucketBytes(buckets: number): number {
  return buckets === 0 ? 0 : jemallocSize(buckets * 8);
}

/** `bytesToHuman` (server.c): `893.11K`, `1.50M`. */
export function bytesToHuman(n: number): string {
  const units = ['K', 'M', 'G', 'T', 'P'];
  if (n < 1024) return `${n}B`;
  let d = n / 1024;
  let i = 0;
  while (d >= 1024 && i < units.length - 1) {
    d /= 1024;
    i++;
  }
  return `${d.toFixed(2)}${units[i]}`;
}
