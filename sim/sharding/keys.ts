/**
 * Shard keys as PostgreSQL reads and orders them. A key arrives as a bound parameter (a number, a bigint
 * or text); `parseKey` applies the type's input function (int8in, int4in, int2in, uuid_in, text) with its
 * real error, and `compareKeys` orders keys as a btree on the column does: integers numerically, uuids
 * bytewise, text under the C collation (bytewise UTF-8, which is code point order).
 */
import type { SimError } from '../core/errors.ts';

/** The distribution column's type, by its SQL name. */
export type KeyType = 'smallint' | 'integer' | 'bigint' | 'text' | 'uuid';

export const KEY_TYPES = ['smallint', 'integer', 'bigint', 'text', 'uuid'] as const satisfies readonly KeyType[];

/** A parsed key: a bigint for the integer types, a string for text, 32 lower-case hex digits for uuid. */
export type KeyValue = bigint | string;

export type KeyResult = { ok: true; key: KeyValue } | { ok: false; error: SimError };

/** Bits of each integer type: the magnitude of its minimum is 2^(bits-1). */
const INT_BITS = { smallint: 16n, integer: 32n, bigint: 64n } as const;

/** uuid_in: 32 hex digits, a hyphen allowed after any group of four, optionally in braces; no spaces. */
const UUID_SYNTAX = /^(?:\{[0-9a-fA-F]{4}(?:-?[0-9a-fA-F]{4}){7}\}|[0-9a-fA-F]{4}(?:-?[0-9a-fA-F]{4}){7})$/;

/** The bases of the 0x, 0o and 0b prefixes. */
const PREFIX_BASE: Record<string, number> = { x: 16, X: 16, o: 8, O: 8, b: 2, B: 2 };

/** C's isspace() in the C locale. */
const isSpace = (c: string | undefined) => c !== undefined && ' \t\n\v\f\r'.includes(c);

function digitValue(c: string | undefined, base: number): number | undefined {
  if (c === undefined) return undefined;
  const d = Number.parseInt(c, 16);
  return d < base ? d : undefined;
}

function pgError(code: string, sqlstate: string, message: string): KeyResult {
  return { ok: false, error: { code, sqlstate, severity: 'ERROR', message } };
}

function invalidSyntax(type: KeyType, text: string): KeyResult {
  return pgError('invalid_text_representation', '22P02', `invalid input syntax for type ${type}: "${text}"`);
}

/**
 * pg_strtoint16/32/64_safe (src/backend/utils/adt/numutils.c, PostgreSQL 16+): surrounding whitespace, a
 * sign, then decimal, 0x hex, 0o octal or 0b binary digits with single underscores between them
 * (`1_000`, `0x_1F`). Digits accumulate as an unsigned magnitude that is checked for overflow before each
 * digit, so `54060x` is out of range for smallint (the overflow is met before the stray `x`) while
 * `32768.` is invalid syntax.
 */
function parseInteger(type: 'smallint' | 'integer' | 'bigint', text: string): KeyResult {
  const limit = 1n << (INT_BITS[type] - 1n);
  const outOfRange = () => pgError('numeric_value_out_of_range', '22003', `value "${text}" is out of range for type ${type}`);
  let i = 0;
  while (isSpace(text[i])) i++;
  const neg = text[i] === '-';
  if (neg || text[i] === '+') i++;
  const prefix = text[i] === '0' ? PREFIX_BASE[text[i + 1]] : undefined;
  const base = prefix ?? 10;
  if (prefix) i += 2;
  const first = i;
  const threshold = limit / BigInt(base);
  let tmp = 0n;
  for (;;) {
    const d = digitValue(text[i], base);
    if (d !== undefined) {
      if (tmp > threshold) return outOfRange();
      tmp = tmp * BigInt(base) + BigInt(d);
      i++;
    } else if (text[i] === '_') {
      // An underscore joins two digits; after a 0x/0o/0b prefix it may also come first.
      if (base === 10 && i === first) return invalidSyntax(type, text);
      i++;
      if (digitValue(text[i], base) === undefined) return invalidSyntax(type, text);
    } else break;
  }
  if (i === first) return invalidSyntax(type, text);
  while (isSpace(text[i])) i++;
  if (i !== text.length) return invalidSyntax(type, text);
  if (tmp > (neg ? limit : limit - 1n)) return outOfRange();
  return { ok: true, key: neg ? -tmp : tmp };
}

/** A bound parameter read as the type's input function reads it, or PostgreSQL's error for it. */
export function parseKey(type: KeyType, input: unknown): KeyResult {
  if (typeof input !== 'number' && typeof input !== 'bigint' && typeof input !== 'string') {
    return invalidSyntax(type, String(input));
  }
  const text = String(input);
  // No PostgreSQL string holds NUL: the server refuses the parameter while converting it.
  if (text.includes('\0')) return pgError('character_not_in_repertoire', '22021', 'invalid byte sequence for encoding "UTF8": 0x00');
  switch (type) {
    case 'smallint':
    case 'integer':
    case 'bigint': {
      if (typeof input === 'string' || (typeof input === 'number' && !Number.isSafeInteger(input))) return parseInteger(type, text);
      const v = BigInt(input);
      const limit = 1n << (INT_BITS[type] - 1n);
      if (v < -limit || v >= limit) return pgError('numeric_value_out_of_range', '22003', `value "${text}" is out of range for type ${type}`);
      return { ok: true, key: v };
    }
    case 'text':
      return { ok: true, key: text };
    case 'uuid':
      if (!UUID_SYNTAX.test(text)) return invalidSyntax(type, text);
      return { ok: true, key: text.replace(/[{}-]/g, '').toLowerCase() };
  }
}

/** `parseKey` for keys known to be valid (test data, a validated shard map): throws on a bad one. */
export function keyOf(type: KeyType, input: unknown): KeyValue {
  const r = parseKey(type, input);
  if (!r.ok) throw new Error(r.error.message);
  return r.key;
}

const encoder = new TextEncoder();

/** The bytes PostgreSQL hashes for a key of a byte type (text as UTF-8, uuid as its 16 bytes). */
export function keyBytes(type: 'text' | 'uuid', key: string): Uint8Array {
  if (type === 'text') return encoder.encode(key);
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[i] = Number.parseInt(key.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/**
 * Code point order of two strings, which is the byte order of their UTF-8 (C collation's memcmp).
 * JavaScript's `<` compares UTF-16 code units, which puts U+E000..U+FFFF after the surrogates that
 * encode U+10000 and above; shifting the units fixes that.
 */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800) x += x <= 0xdfff ? 0x2000 : -0x800;
    if (y >= 0xd800) y += y <= 0xdfff ? 0x2000 : -0x800;
    return x - y;
  }
  return a.length - b.length;
}

/**
 * Negative, zero or positive as `a` sorts before, with or after `b` in PostgreSQL: integers numerically,
 * uuid bytewise (uuid_cmp), text under the C collation. Under a linguistic collation (libc `en_US.UTF-8`,
 * ICU `und`), which most servers are initialised with, text sorts case-insensitively first: 'alice' falls
 * between 'A' and 'N' there, but after 'Z' under C (every upper-case letter sorts before every lower-case
 * one), so the seed's `users A-M / N-Z` split sends lower-case names to the N-Z shard under C. PGlite's
 * databases are initialised with the C collation; range shard maps use it too.
 */
export function compareKeys(type: KeyType, a: KeyValue, b: KeyValue): number {
  if (type === 'text') return compareCodePoints(a as string, b as string);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A key as a SQL literal of its type (`42`, `'it''s'`, `'a0eebc99-9c0b-…'`), for bounds and explain. */
export function keyLiteral(type: KeyType, key: KeyValue): string {
  if (type === 'text') return `'${(key as string).replaceAll("'", "''")}'`;
  if (type === 'uuid') {
    const k = key as string;
    return `'${k.slice(0, 8)}-${k.slice(8, 12)}-${k.slice(12, 16)}-${k.slice(16, 20)}-${k.slice(20)}'`;
  }
  return String(key);
}
