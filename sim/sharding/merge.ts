/**
 * The gather of a scatter: every shard's rows of one statement become the rows one PostgreSQL holding all
 * the data would return (statement.ts says which statements qualify). Rows are merged under ORDER BY (by
 * each column's type: numbers numerically and exactly, text in code point order as under the C collation,
 * timestamps in time order) and cut at LIMIT; count and sum add up (numeric exactly, at the largest scale),
 * min and max compare by type, and avg is the sum of the shards' sums over the sum of their counts,
 * divided as PostgreSQL's numeric_div divides (select_div_scale: at least 16 significant digits). A
 * column that cannot be compared faithfully makes the merge refuse.
 */
import { compareKeys } from './keys.ts';
import type { KeySource, MergePlan } from './statement.ts';

export interface ShardRows {
  columns: string[];
  types?: number[];
  rows: unknown[][];
}

export type Merged = { ok: true; columns: string[]; types: number[]; rows: unknown[][] } | { ok: false; refused: string };

const NUMERIC_TYPES = new Set([20, 21, 23, 26, 700, 701, 1700]);
const FLOAT_TYPES = new Set([700, 701]);
/** text, varchar, bpchar, name, uuid; date, timestamp, timestamptz, time (as ISO text, which sorts in time order). */
const TEXT_ORDERED = new Set([25, 1043, 1042, 19, 2950, 1082, 1114, 1184, 1083]);

interface Decimal {
  v: bigint;
  scale: number;
}

function decimal(x: unknown): Decimal | undefined {
  const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(typeof x === 'number' ? (Number.isInteger(x) ? x.toFixed(0) : String(x)) : String(x));
  if (!m) return undefined;
  const frac = m[3] ?? '';
  return { v: BigInt(`${m[1]}${m[2] || '0'}${frac}`), scale: frac.length };
}

const pow10 = (n: number) => 10n ** BigInt(n);
const align = (a: Decimal, s: number) => a.v * pow10(s - a.scale);

function formatDecimal(d: Decimal): string {
  const neg = d.v < 0n;
  const digits = (neg ? -d.v : d.v).toString().padStart(d.scale + 1, '0');
  const int = digits.slice(0, digits.length - d.scale);
  return `${neg ? '-' : ''}${int}${d.scale > 0 ? `.${digits.slice(digits.length - d.scale)}` : ''}`;
}

/** Order of two non-null values of a column of type `oid`, or undefined when it cannot be compared here. */
function compare(oid: number, a: unknown, b: unknown): number | undefined {
  if (NUMERIC_TYPES.has(oid)) {
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    if (a === 'NaN' || b === 'NaN') return (a === 'NaN' ? 1 : 0) - (b === 'NaN' ? 1 : 0); // NaN sorts above every number
    const x = decimal(a);
    const y = decimal(b);
    if (!x || !y) return undefined;
    const s = Math.max(x.scale, y.scale);
    const d = align(x, s) - align(y, s);
    return d < 0n ? -1 : d > 0n ? 1 : 0;
  }
  if (TEXT_ORDERED.has(oid)) return compareKeys('text', String(a), String(b));
  if (oid === 16) return Number(a) - Number(b);
  return undefined;
}

const nullsOrder = (a: unknown, b: unknown, nullsFirst: boolean) => (a === null ? (b === null ? 0 : nullsFirst ? -1 : 1) : nullsFirst ? 1 : -1);

/** PostgreSQL's numeric_div of sum by count, at select_div_scale's scale, rounded half away from zero. */
function numericDiv(sum: Decimal, count: bigint): string {
  const lead = (d: Decimal) => {
    // the first non-zero base-10000 digit of |d| and its weight (NBASE digits are aligned on the point)
    const digits = (d.v < 0n ? -d.v : d.v).toString().padStart(d.scale + 1, '0');
    let int = digits.slice(0, digits.length - d.scale);
    let frac = digits.slice(digits.length - d.scale);
    int = int.padStart(Math.ceil(int.length / 4) * 4, '0');
    frac = frac.padEnd(Math.ceil(frac.length / 4) * 4, '0');
    const groups = `${int}${frac}`.match(/\d{4}/g) ?? [];
    const i = groups.findIndex((g) => g !== '0000');
    return i < 0 ? { weight: 0, first: 0 } : { weight: int.length / 4 - 1 - i, first: Number(groups[i]) };
  };
  const a = lead(sum);
  const b = lead({ v: count, scale: 0 });
  let qweight = a.weight - b.weight;
  if (a.first <= b.first) qweight--;
  const rscale = Math.min(1000, Math.max(16 - qweight * 4, sum.scale, 0));
  const num = sum.v * pow10(rscale);
  const den = count * pow10(sum.scale);
  let q = num / den;
  const r = num % den;
  if (2n * (r < 0n ? -r : r) >= den) q += num < 0n ? -1n : 1n;
  return formatDecimal({ v: q, scale: rscale });
}

function sumColumn(values: unknown[], oid: number): unknown {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length === 0) return null;
  if (FLOAT_TYPES.has(oid) || present.every((v) => typeof v === 'number')) {
    const total = present.reduce<number>((s, v) => s + Number(v), 0);
    return FLOAT_TYPES.has(oid) || Number.isSafeInteger(total) ? total : String(BigInt(present.map(String).reduce((s, v) => String(BigInt(s) + BigInt(v)))));
  }
  const ds = present.map(decimal);
  if (ds.some((d) => !d)) return undefined;
  const scale = Math.max(...ds.map((d) => d!.scale));
  return formatDecimal({ v: ds.reduce((s, d) => s + align(d!, scale), 0n), scale });
}

/** The statement's rows from every shard's rows (in shard order), or why they cannot be merged. */
export function mergeShardRows(plan: MergePlan, shards: ShardRows[], param: (k: KeySource) => unknown): Merged {
  if (shards.length === 0) return { ok: false, refused: 'no shard answered' };
  if (plan.kind === 'aggregates') {
    const row: unknown[] = [];
    const types: number[] = [];
    let col = 0;
    for (const a of plan.aggregates) {
      const oid = shards[0].types?.[col] ?? 0;
      const values = shards.map((s) => s.rows[0]?.[col]);
      let v: unknown;
      if (a === 'count' || a === 'sum') v = sumColumn(values, oid);
      else if (a === 'min' || a === 'max') {
        v = null;
        for (const x of values) {
          if (x === null || x === undefined) continue;
          const c = v === null ? 0 : compare(oid, x, v);
          if (c === undefined) return { ok: false, refused: `${a} over a column of type oid ${oid} is not merged here` };
          if (v === null || (a === 'min' ? c < 0 : c > 0)) v = x;
        }
      } else {
        const counts = shards.map((s) => s.rows[0]?.[col + 1]);
        const total = BigInt(String(sumColumn(counts, 20) ?? 0));
        const sum = sumColumn(values, oid);
        if (total === 0n) v = null;
        else if (FLOAT_TYPES.has(oid)) v = Number(sum) / Number(total);
        else {
          const d = decimal(sum);
          if (!d) return { ok: false, refused: `avg over a column of type oid ${oid} is not merged here` };
          v = numericDiv(d, total);
        }
        col++;
      }
      if (v === undefined) return { ok: false, refused: `${a} over a column of type oid ${oid} is not merged here` };
      row.push(v);
      // avg of an integer or numeric column is numeric; of a float, float8; count is bigint
      types.push(a === 'avg' ? (FLOAT_TYPES.has(oid) ? 701 : 1700) : oid);
      col++;
    }
    return { ok: true, columns: plan.names, types, rows: [row] };
  }
  const { columns } = shards[0];
  const types = shards[0].types ?? columns.map(() => 0);
  const keys: { at: number; descending: boolean; nullsFirst: boolean }[] = [];
  for (const o of plan.orderBy) {
    const at = typeof o.column === 'number' ? o.column - 1 : columns.indexOf(o.column);
    if (at < 0 || at >= columns.length || (typeof o.column === 'string' && columns.lastIndexOf(o.column) !== at)) {
      return { ok: false, refused: `ORDER BY ${o.column}: merged rows are sorted by output columns only` };
    }
    keys.push({ at, descending: o.descending, nullsFirst: o.nullsFirst });
  }
  let unordered: string | undefined;
  const rows = shards.flatMap((s) => s.rows);
  rows.sort((x, y) => {
    for (const k of keys) {
      const a = x[k.at];
      const b = y[k.at];
      if (a === null || b === null) {
        const n = nullsOrder(a, b, k.nullsFirst);
        if (n !== 0) return n;
        continue;
      }
      const c = compare(types[k.at], a, b);
      if (c === undefined) {
        unordered = `ORDER BY ${columns[k.at]}: a column of type oid ${types[k.at]} is not ordered here`;
        return 0;
      }
      if (c !== 0) return k.descending ? -c : c;
    }
    return 0;
  });
  if (unordered) return { ok: false, refused: unordered };
  const limit = plan.limit === undefined ? undefined : Number(param(plan.limit));
  return { ok: true, columns, types, rows: limit === undefined || Number.isNaN(limit) ? rows : rows.slice(0, limit) };
}

/**
 * The modelled CPU time of a gather at the router (an app's ShardRouter or a shard-router node), charged after
 * the slowest shard's reply, so a scatter's time is the slowest shard plus this:
 * - 10 µs to start the merge (the coordinator's own executor step: Citus' adaptive executor, PgDog's
 *   merge of DataRow streams), the same order as the cost model's 25 µs per statement on a server;
 * - 2 µs per shard's reply (its RowDescription, CommandComplete and ReadyForQuery parsed);
 * - 0.5 µs per row received (a DataRow decoded, the fixed part of the cost model's per-row costs), and for
 *   rows under ORDER BY a k-way merge's log2(shards) comparisons per row at the cost model's 0.02 µs each.
 * Rows received: one per shard for aggregates, LIMIT per shard under a LIMIT (a shard returns at most that);
 * replies carry no row count, so a scatter without LIMIT is charged for its replies only.
 */
export function mergeCostUs(plan: MergePlan, shards: number, limit?: number): number {
  const rows = plan.kind === 'aggregates' ? shards : limit !== undefined && Number.isFinite(limit) ? shards * Math.max(0, limit) : 0;
  const compares = plan.kind === 'rows' && plan.orderBy.length > 0 ? rows * Math.log2(Math.max(2, shards)) * 0.02 : 0;
  return Math.ceil(10 + 2 * shards + 0.5 * rows + compares);
}
