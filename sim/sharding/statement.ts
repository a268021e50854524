/**
 * What routing needs from a statement: where its shard key is, and, without one, how the shards' results
 * merge. A small tokenizer reads the statement the way PostgreSQL's grammar does for the shapes a router
 * cares about (PgDog reads them with pg_query, PostgreSQL's own parser; no parser package is in this
 * project yet, so this reads only these shapes and anything else gets no key):
 * - the key: `col = $n`, `$n = col`, `col = literal`, `col IN ($a, $b, ...)` in a WHERE whose top level
 *   has no OR, and `INSERT INTO t (..., col, ...) VALUES (...), ...`, for the distribution column of a
 *   distributed table the statement names (qualified `t.col` or not);
 * - the merge of a SELECT without a key: plain columns under ORDER BY (output columns, by name or
 *   position) and LIMIT, or aggregates only (count, sum, min, max; avg asked of the shards as sum and
 *   count). GROUP BY, DISTINCT, HAVING, OFFSET, set operations, windows and expressions over aggregates
 *   are refused: the merge would need what a coordinator's planner does, and a wrong answer is worse.
 * Statements are fixed per operation (only parameters vary), so this runs once per statement.
 */
import type { ShardMap } from './shardMap.ts';

interface Token {
  /** Lower-cased unless quoted. */
  text: string;
  kind: 'ident' | 'param' | 'number' | 'string' | 'punct';
  start: number;
  end: number;
  depth: number;
}

function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let depth = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const start = i;
    if (/\s/.test(c)) i++;
    else if (sql.startsWith('--', i)) i = sql.indexOf('\n', i) < 0 ? sql.length : sql.indexOf('\n', i);
    else if (sql.startsWith('/*', i)) i = sql.indexOf('*/', i) < 0 ? sql.length : sql.indexOf('*/', i) + 2;
    else if (c === "'") {
      let v = '';
      i++;
      for (; i < sql.length; i++) {
        if (sql[i] === "'" && sql[i + 1] === "'") v += sql[i++];
        else if (sql[i] === "'") break;
        else v += sql[i];
      }
      i++;
      out.push({ text: v, kind: 'string', start, end: i, depth });
    } else if (c === '"') {
      const close = sql.indexOf('"', i + 1);
      i = close < 0 ? sql.length : close + 1;
      out.push({ text: sql.slice(start + 1, i - 1), kind: 'ident', start, end: i, depth });
    } else if (c === '$' && /\d/.test(sql[i + 1] ?? '')) {
      i++;
      while (/\d/.test(sql[i] ?? '')) i++;
      out.push({ text: sql.slice(start, i), kind: 'param', start, end: i, depth });
    } else if (/\d/.test(c) || (c === '.' && /\d/.test(sql[i + 1] ?? ''))) {
      while (/[\d._a-zA-Z]/.test(sql[i] ?? '')) i++;
      out.push({ text: sql.slice(start, i), kind: 'number', start, end: i, depth });
    } else if (/[a-zA-Z_]/.test(c)) {
      while (/[\w$]/.test(sql[i] ?? '')) i++;
      out.push({ text: sql.slice(start, i).toLowerCase(), kind: 'ident', start, end: i, depth });
    } else {
      if (c === ')') depth--;
      out.push({ text: c, kind: 'punct', start, end: i + 1, depth });
      if (c === '(') depth++;
      i++;
    }
  }
  return out;
}

/** Where a key value comes from: the statement's `$n` (1-based) or a literal's text. */
export type KeySource = { param: number } | { literal: string };

export type Aggregate = 'count' | 'sum' | 'min' | 'max' | 'avg';

export interface OrderKey {
  /** An output column's name, or its 1-based position. */
  column: string | number;
  descending: boolean;
  nullsFirst: boolean;
}

/** How the rows of every shard become the statement's rows. */
export type MergePlan =
  | { kind: 'rows'; orderBy: OrderKey[]; limit?: KeySource }
  /** One row; `aggregates[i]` is output column i; the shards run `shardSql` (avg as sum and count). */
  | { kind: 'aggregates'; aggregates: Aggregate[]; names: string[]; shardSql: string };

export interface StatementShape {
  command: string;
  /** It names a distributed table (else it reads or writes tables whole on every shard). */
  distributed: boolean;
  /** Where its key values are; empty: no usable key. */
  keys: KeySource[];
  /** A SELECT: how the rows of several shards merge (no key, or keys on several shards), or why they cannot. */
  merge?: MergePlan | { refused: string };
}

const CLAUSE_END = new Set(['group', 'order', 'limit', 'offset', 'returning', 'having', 'for', 'window', 'fetch', 'union', 'intersect', 'except', ';']);
const AGGREGATES = new Set(['count', 'sum', 'min', 'max', 'avg']);
const UNMERGEABLE = ['group', 'having', 'distinct', 'offset', 'union', 'intersect', 'except', 'window', 'over', 'fetch'];

const value = (t: Token | undefined): KeySource | undefined =>
  t?.kind === 'param' ? { param: Number(t.text.slice(1)) } : t?.kind === 'number' || t?.kind === 'string' ? { literal: t.text } : undefined;

/** Reads one statement against a shard map. */
export function analyseStatement(sql: string, map: Pick<ShardMap, 'tables'>): StatementShape {
  const tokens = tokenize(sql);
  const command = tokens[0]?.text ?? '';
  const named = map.tables.filter((d) => tokens.some((t, i) => t.kind === 'ident' && t.text === d.table && tokens[i - 1]?.text !== '.' && (tokens[i + 1]?.text !== '(' || tokens[i - 1]?.text === 'into')));
  const columns = new Set(named.map((d) => d.column));
  const shape: StatementShape = { command, distributed: named.length > 0, keys: [] };
  if (!shape.distributed) return shape;
  shape.keys = command === 'insert' ? insertKeys(tokens, named) : whereKeys(tokens, columns);
  if (command === 'select') shape.merge = mergePlan(sql, tokens);
  return shape;
}

/** The index of the `)` closing the `(` at `open`. */
function closing(tokens: Token[], open: number): number {
  const depth = tokens[open].depth;
  const i = tokens.findIndex((t, j) => j > open && t.text === ')' && t.depth === depth);
  return i < 0 ? tokens.length : i;
}

/** Splits tokens[from, to) at the commas of depth `depth`. */
function items(tokens: Token[], from: number, to: number, depth: number): Token[][] {
  const out: Token[][] = [[]];
  for (let i = from; i < to; i++) {
    if (tokens[i].depth === depth && tokens[i].text === ',') out.push([]);
    else out[out.length - 1].push(tokens[i]);
  }
  return out;
}

/** The key values of `INSERT INTO t (cols) VALUES (...), (...)`: one per row, or none. */
function insertKeys(tokens: Token[], named: Pick<ShardMap, 'tables'>['tables']): KeySource[] {
  const into = tokens.findIndex((t) => t.depth === 0 && t.text === 'into');
  const table = named.find((d) => d.table === tokens[into + 1]?.text);
  if (into < 0 || !table || tokens[into + 2]?.text !== '(') return [];
  const cols = items(tokens, into + 3, closing(tokens, into + 2), 1).map((c) => c[0]?.text);
  const at = cols.indexOf(table.column);
  let i = tokens.findIndex((t) => t.depth === 0 && t.text === 'values') + 1;
  if (at < 0 || i === 0) return [];
  const keys: KeySource[] = [];
  while (tokens[i]?.text === '(') {
    const end = closing(tokens, i);
    const cell = items(tokens, i + 1, end, 1)[at];
    const key = cell?.length === 1 ? value(cell[0]) : undefined;
    if (!key) return [];
    keys.push(key);
    if (tokens[end + 1]?.text !== ',') break;
    i = end + 2;
  }
  return keys;
}

/** The key values a top-level WHERE fixes with `=` or `IN (...)`, or none (an OR at its top level, no match). */
function whereKeys(tokens: Token[], columns: Set<string>): KeySource[] {
  const where = tokens.findIndex((t) => t.depth === 0 && t.text === 'where');
  if (where < 0) return [];
  let end = tokens.findIndex((t, i) => i > where && t.depth === 0 && CLAUSE_END.has(t.text));
  if (end < 0) end = tokens.length;
  const at0 = (i: number) => i > where && i < end && tokens[i].depth === 0;
  for (let i = where + 1; i < end; i++) if (at0(i) && tokens[i].text === 'or') return [];
  // a key column at the top level, not the qualifier of something else, not an operand of another operator
  const isKey = (i: number) => at0(i) && tokens[i].kind === 'ident' && columns.has(tokens[i].text) && tokens[i + 1]?.text !== '.';
  const operand = (i: number) => (at0(i) ? value(tokens[i]) : undefined);
  for (let i = where + 1; i < end; i++) {
    if (!at0(i)) continue;
    if (tokens[i].text === '=') {
      const single = (j: number) => !['+', '-', '*', '/', '|', ':', '.', '['].includes(tokens[j]?.text ?? '');
      if (isKey(i - 1) && operand(i + 1) && single(i + 2)) return [operand(i + 1)!];
      const right = tokens[i + 2]?.text === '.' ? i + 3 : i + 1; // t.col
      if (isKey(right) && operand(i - 1) && single(right + 1) && single(i - 2)) return [operand(i - 1)!];
    } else if (tokens[i].text === 'in' && isKey(i - 1) && tokens[i - 2]?.text !== 'not' && tokens[i + 1]?.text === '(') {
      const list = items(tokens, i + 2, closing(tokens, i + 1), 1);
      const keys = list.map((c) => (c.length === 1 ? value(c[0]) : undefined));
      return keys.every((k) => k !== undefined) ? (keys as KeySource[]) : [];
    }
  }
  return [];
}

/** How a SELECT without a key merges, or why it cannot. */
function mergePlan(sql: string, tokens: Token[]): MergePlan | { refused: string } {
  const bad = tokens.find((t) => t.depth === 0 && UNMERGEABLE.includes(t.text));
  if (bad) return { refused: `${bad.text.toUpperCase()} over rows of several shards is not merged here (it needs a coordinator's plan)` };
  const from = tokens.findIndex((t) => t.depth === 0 && t.text === 'from');
  if (from < 0) return { refused: 'a SELECT without FROM' };
  const list = items(tokens, 1, from, 0);
  const aggregate = (item: Token[]) =>
    item[0]?.kind === 'ident' && AGGREGATES.has(item[0].text) && item[1]?.text === '(' && closing(item, 1) >= item.length - 3 ? (item[0].text as Aggregate) : undefined;
  const anyAggregate = (item: Token[]) => item.some((t, i) => t.kind === 'ident' && AGGREGATES.has(t.text) && item[i + 1]?.text === '(');
  if (list.some(anyAggregate)) {
    const aggregates: Aggregate[] = [];
    const names: string[] = [];
    let shardSql = '';
    let copied = 0;
    for (const item of list) {
      const a = aggregate(item);
      const close = a ? closing(item, 1) : -1;
      const alias = item.slice(close + 1).filter((t) => t.text !== 'as');
      if (!a || alias.length > 1 || anyAggregate(item.slice(2, close))) return { refused: 'an expression over aggregates across shards is not merged here' };
      if (item[2]?.text === 'distinct') return { refused: `${a}(DISTINCT ...) across shards needs every distinct value in one place` };
      aggregates.push(a);
      names.push(alias[0]?.text ?? a);
      if (a === 'avg') {
        // avg(x) from the shards' sum(x) and count(x)
        const arg = sql.slice(item[1].end, item[close].start);
        shardSql += `${sql.slice(copied, item[0].start)}sum(${arg}), count(${arg})`;
        copied = item[item.length - 1].end;
      }
    }
    return { kind: 'aggregates', aggregates, names, shardSql: shardSql + sql.slice(copied) };
  }
  const orderBy: OrderKey[] = [];
  const order = tokens.findIndex((t) => t.depth === 0 && t.text === 'order');
  if (order >= 0) {
    let end = tokens.findIndex((t, i) => i > order + 1 && t.depth === 0 && CLAUSE_END.has(t.text));
    if (end < 0) end = tokens.length;
    for (const item of items(tokens, order + 2, end, 0)) {
      const words = item.map((t) => t.text);
      let n = 1;
      if (item[1]?.text === '.') n = 3;
      const target = item[n - 1];
      const rest = words.slice(n);
      const descending = rest[0] === 'desc';
      if (rest[0] === 'asc' || rest[0] === 'desc') rest.shift();
      let nullsFirst = descending;
      if (rest[0] === 'nulls' && (rest[1] === 'first' || rest[1] === 'last')) {
        nullsFirst = rest[1] === 'first';
        rest.splice(0, 2);
      }
      if (!target || rest.length > 0 || (target.kind !== 'ident' && target.kind !== 'number')) {
        return { refused: `ORDER BY ${words.join(' ')}: merged rows are sorted by output columns only` };
      }
      orderBy.push({ column: target.kind === 'number' ? Number(target.text) : target.text, descending, nullsFirst });
    }
  }
  const limitAt = tokens.findIndex((t) => t.depth === 0 && t.text === 'limit');
  const limit = limitAt >= 0 ? value(tokens[limitAt + 1]) : undefined;
  if (limitAt >= 0 && !limit && tokens[limitAt + 1]?.text !== 'all') return { refused: 'LIMIT with an expression across shards' };
  return { kind: 'rows', orderBy, ...(limit ? { limit } : {}) };
}
