/**
 * What routing needs from a statement: where its shard key is, and, without one, how the shards' results
 * merge. It reads PostgreSQL's own parse tree (sim/sql/parser.ts), as PgDog reads pg_query's:
 * - the key: `col = $n`, `$n = col`, `col = literal`, `col IN ($a, $b, ...)` (a cast around the value
 *   allowed) as a conjunct of the WHERE (an OR at its top level fixes nothing), and
 *   `INSERT INTO t (..., col, ...) VALUES (...), ...` (one key per row), for the distribution column of a
 *   distributed table the statement names. A qualified column (`o.user_id`) is the column of the table its
 *   qualifier names (an alias, or the table's name), so on a join it is the key of that table only; an
 *   unqualified one is the key of the one distributed table with that column; `a.key = b.key` is a join,
 *   not a key;
 * - the merge of a SELECT without a key: plain columns under ORDER BY (output columns, by name or
 *   position) and LIMIT, or aggregates only (count, sum, min, max; avg asked of the shards as sum and
 *   count). GROUP BY, DISTINCT, HAVING, OFFSET, set operations, windows and expressions over aggregates
 *   are refused: the merge would need what a coordinator's planner does, and a wrong answer is worse.
 * Statements are fixed per operation (only parameters vary), so this runs once per statement.
 */
import type { Node } from '../sql/parser.ts';
import { parseSql, scanSql } from '../sql/parser.ts';
import { constText, names } from '../sql/tree.ts';
import type { ShardMap } from './shardMap.ts';

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

/** One key value found, for a route's explanation. */
export interface KeyFact {
  /** The distributed table and its distribution column. */
  table: string;
  column: string;
  source: KeySource;
  /** The value routed on: the bound parameter, or the literal's text. */
  value?: unknown;
}

/** What a route's explanation says of a statement's key. */
export interface RouteFacts {
  command: string;
  /** The distributed tables it names. */
  tables: string[];
  keys: KeyFact[];
  /** Why no key fixes its shard, when none does. */
  why?: string;
}

type Tables = Pick<ShardMap, 'tables'>['tables'];
type Fields = Record<string, unknown>;
interface Named {
  table: string;
  column: string;
  /** What a qualified column calls it: its alias, or its name. */
  qualifier: string;
}

const AGGREGATES = new Set(['count', 'sum', 'min', 'max', 'avg']);
const COMMANDS: Record<string, string> = { SelectStmt: 'select', InsertStmt: 'insert', UpdateStmt: 'update', DeleteStmt: 'delete', MergeStmt: 'merge' };

/** Every RangeVar in a subtree (bare where a field's type is RangeVar, wrapped in a node list). */
function rangeVars(tree: unknown, out: Fields[] = []): Fields[] {
  if (Array.isArray(tree)) for (const t of tree) rangeVars(t, out);
  else if (tree !== null && typeof tree === 'object') {
    const o = tree as Fields;
    if (typeof o.relname === 'string') out.push(o);
    for (const v of Object.values(o)) rangeVars(v, out);
  }
  return out;
}

/** The distributed tables a statement names (unqualified or in public), with their qualifiers. */
function distributedTables(stmt: Fields, map: Tables): Named[] {
  const out: Named[] = [];
  for (const rv of rangeVars(stmt)) {
    const d = map.find((t) => t.table === rv.relname && (rv.schemaname === undefined || rv.schemaname === 'public'));
    if (d) out.push({ table: d.table, column: d.column, qualifier: (rv.alias as { aliasname?: string } | undefined)?.aliasname ?? d.table });
  }
  return out;
}

/** A single value: `$n` or a constant, under casts. */
function keyValue(node: Node | undefined): KeySource | undefined {
  if (!node) return undefined;
  if ('TypeCast' in node) return keyValue(node.TypeCast.arg);
  if ('ParamRef' in node) return { param: node.ParamRef.number ?? 0 };
  if ('A_Const' in node) {
    const text = constText(node.A_Const);
    return text === undefined ? undefined : { literal: text };
  }
  return undefined;
}

/** The distributed table whose distribution column a column reference is, if it is one. */
function keyColumn(node: Node | undefined, tables: Named[]): Named | undefined {
  if (!node || !('ColumnRef' in node)) return undefined;
  const parts = names(node.ColumnRef.fields);
  if (parts.length !== (node.ColumnRef.fields ?? []).length) return undefined; // t.*
  const column = parts[parts.length - 1];
  if (parts.length === 1) {
    const owners = tables.filter((t) => t.column === column);
    return owners.length === 1 ? owners[0] : undefined;
  }
  const qualifier = parts[parts.length - 2];
  return tables.find((t) => t.qualifier === qualifier && t.column === column);
}

/** The keys a WHERE's conjuncts fix with `=` or `IN (...)`, or why none. */
function whereKeys(where: Node | undefined, tables: Named[]): { keys: [Named, KeySource][]; why?: string } {
  if (!where) return { keys: [], why: 'no WHERE' };
  if ('BoolExpr' in where && where.BoolExpr.boolop === 'OR_EXPR') return { keys: [], why: 'an OR at the top of the WHERE' };
  const conjuncts = 'BoolExpr' in where && where.BoolExpr.boolop === 'AND_EXPR' ? (where.BoolExpr.args ?? []) : [where];
  for (const c of conjuncts) {
    if (!('A_Expr' in c) || names(c.A_Expr.name).join() !== '=') continue;
    const { kind, lexpr, rexpr } = c.A_Expr;
    if (kind === 'AEXPR_OP') {
      for (const [col, val] of [
        [lexpr, rexpr],
        [rexpr, lexpr],
      ]) {
        const table = keyColumn(col, tables);
        const value = keyValue(val);
        if (table && value) return { keys: [[table, value]] };
      }
    } else if (kind === 'AEXPR_IN') {
      const table = keyColumn(lexpr, tables);
      const items = rexpr && 'List' in rexpr ? (rexpr.List.items ?? []).map(keyValue) : [];
      if (table && items.length > 0 && items.every((v) => v !== undefined)) return { keys: items.map((v) => [table, v as KeySource]) };
    }
  }
  return { keys: [], why: `no conjunct of the WHERE sets ${tables.map((t) => `${t.table}.${t.column}`).join(' or ')} to a value` };
}

/** The key of each row of `INSERT INTO t (cols) VALUES (...), (...)`, or why none. */
function insertKeys(stmt: Fields, tables: Named[]): { keys: [Named, KeySource][]; why?: string } {
  const table = tables.find((t) => t.table === (stmt.relation as Fields | undefined)?.relname);
  if (!table) return { keys: [], why: 'it inserts into a table that is whole on every shard' };
  const cols = ((stmt.cols as Node[] | undefined) ?? []).map((c) => ('ResTarget' in c ? c.ResTarget.name : undefined));
  const at = cols.indexOf(table.column);
  if (at < 0) return { keys: [], why: `its column list does not name ${table.column}` };
  const select = stmt.selectStmt as Node | undefined;
  const rows = select && 'SelectStmt' in select ? select.SelectStmt.valuesLists : undefined;
  if (!rows) return { keys: [], why: 'it inserts the rows of a query, not VALUES' };
  const keys = rows.map((r) => keyValue('List' in r ? r.List.items?.[at] : undefined));
  if (keys.some((k) => k === undefined)) return { keys: [], why: `a row's ${table.column} is an expression, not a value` };
  return { keys: keys.map((k) => [table, k as KeySource]) };
}

/** What routing learns of one statement: its distributed tables and the key values that fix its shard. */
function analyse(sql: string, map: Tables): { stmt: Fields; command: string; tables: Named[]; keys: [Named, KeySource][]; why?: string } {
  const raw = parseSql(sql).stmts?.[0]?.stmt ?? {};
  const [kind] = Object.keys(raw);
  const stmt = ((raw as Fields)[kind] ?? {}) as Fields;
  const command = COMMANDS[kind] ?? kind?.replace(/Stmt$/, '').toLowerCase() ?? '';
  const tables = distributedTables(stmt, map);
  if (tables.length === 0) return { stmt, command, tables, keys: [], why: 'it names no distributed table' };
  const found = kind === 'InsertStmt' ? insertKeys(stmt, tables) : whereKeys(stmt.whereClause as Node | undefined, tables);
  return { stmt, command, tables, ...found };
}

/** Reads one statement against a shard map. Needs `loadSqlParser()` done. */
export function analyseStatement(sql: string, map: Pick<ShardMap, 'tables'>): StatementShape {
  const a = analyse(sql, map.tables);
  const shape: StatementShape = { command: a.command, distributed: a.tables.length > 0, keys: a.keys.map(([, k]) => k) };
  if (shape.distributed && a.command === 'select') shape.merge = mergePlan(sql, a.stmt);
  return shape;
}

/** The facts a route's explanation shows: which key column was found, from which parameter, with which value. */
export function routeFacts(sql: string, map: Pick<ShardMap, 'tables'>, params: readonly unknown[] = []): RouteFacts {
  const a = analyse(sql, map.tables);
  const keys = a.keys.map(([t, source]) => ({ table: t.table, column: t.column, source, value: 'param' in source ? params[source.param - 1] : source.literal }));
  return { command: a.command, tables: [...new Set(a.tables.map((t) => t.table))], keys, ...(keys.length === 0 && a.why ? { why: a.why } : {}) };
}

const refused = (what: string) => ({ refused: `${what} over rows of several shards is not merged here (it needs a coordinator's plan)` });

/** Whether a subtree holds an aggregate call. */
function hasAggregate(tree: unknown): boolean {
  if (Array.isArray(tree)) return tree.some(hasAggregate);
  if (tree === null || typeof tree !== 'object') return false;
  const call = (tree as { FuncCall?: { funcname?: Node[] } }).FuncCall;
  if (call && AGGREGATES.has(names(call.funcname).at(-1) ?? '')) return true;
  return Object.values(tree).some(hasAggregate);
}

/** How a SELECT without a key merges, or why it cannot. */
function mergePlan(sql: string, s: Fields): MergePlan | { refused: string } {
  if (s.op && s.op !== 'SETOP_NONE') return refused(String(s.op).replace('SETOP_', ''));
  if (s.groupClause) return refused('GROUP BY');
  if (s.havingClause) return refused('HAVING');
  if (s.distinctClause) return refused('DISTINCT');
  if (s.limitOffset) return refused('OFFSET');
  if (s.limitOption === 'LIMIT_OPTION_WITH_TIES') return refused('FETCH ... WITH TIES');
  if (s.windowClause || JSON.stringify(s.targetList ?? []).includes('"over":')) return refused('a window function (OVER)');
  if (!s.fromClause) return { refused: 'a SELECT without FROM' };
  const targets = ((s.targetList as Node[] | undefined) ?? []).flatMap((t) => ('ResTarget' in t ? [t.ResTarget] : []));
  if (targets.some((t) => hasAggregate(t.val))) return aggregatePlan(sql, targets);
  const orderBy: OrderKey[] = [];
  for (const item of (s.sortClause as Node[] | undefined) ?? []) {
    const by = 'SortBy' in item ? item.SortBy : undefined;
    const node = by?.node;
    const column = node && 'ColumnRef' in node ? names(node.ColumnRef.fields).at(-1) : node && 'A_Const' in node && node.A_Const.ival ? Number(constText(node.A_Const)) : undefined;
    if (!by || column === undefined || by.sortby_dir === 'SORTBY_USING') return { refused: 'ORDER BY an expression: merged rows are sorted by output columns only' };
    const descending = by.sortby_dir === 'SORTBY_DESC';
    const nullsFirst = by.sortby_nulls === 'SORTBY_NULLS_DEFAULT' || by.sortby_nulls === undefined ? descending : by.sortby_nulls === 'SORTBY_NULLS_FIRST';
    orderBy.push({ column, descending, nullsFirst });
  }
  const count = s.limitCount as Node | undefined;
  const limit = count && 'A_Const' in count && count.A_Const.isnull ? undefined : keyValue(count);
  if (count && !limit && !('A_Const' in count && count.A_Const.isnull)) return { refused: 'LIMIT with an expression across shards' };
  return { kind: 'rows', orderBy, ...(limit ? { limit } : {}) };
}

/** Aggregates alone: each output column one aggregate call, avg asked of the shards as sum and count. */
function aggregatePlan(sql: string, targets: { name?: string; val?: Node; location?: number }[]): MergePlan | { refused: string } {
  const aggregates: Aggregate[] = [];
  const out: string[] = [];
  const bytes = new TextEncoder().encode(sql);
  const text = (from: number, to: number) => new TextDecoder().decode(bytes.subarray(from, to));
  const tokens = scanSql(sql);
  let shardSql = '';
  let copied = 0;
  for (const t of targets) {
    const call = t.val && 'FuncCall' in t.val ? t.val.FuncCall : undefined;
    const name = names(call?.funcname).at(-1) as Aggregate | undefined;
    if (!call || !name || !AGGREGATES.has(name) || call.over || call.agg_filter || hasAggregate(call.args)) {
      return { refused: 'an expression over aggregates across shards is not merged here' };
    }
    if (call.agg_distinct) return { refused: `${name}(DISTINCT ...) across shards needs every distinct value in one place` };
    aggregates.push(name);
    out.push(t.name ?? name);
    if (name === 'avg') {
      // avg(x) from the shards' sum(x) and count(x): the call and its alias become both
      const open = tokens.findIndex((k) => k.start >= (call.location ?? 0) && k.tokenName === 'ASCII_40');
      let depth = 0;
      let close = open;
      for (; close < tokens.length; close++) {
        depth += tokens[close].tokenName === 'ASCII_40' ? 1 : tokens[close].tokenName === 'ASCII_41' ? -1 : 0;
        if (depth === 0) break;
      }
      const as = tokens[close + 1] && /^as$/i.test(text(tokens[close + 1].start, tokens[close + 1].end)) ? 1 : 0;
      const end = t.name ? tokens[close + 1 + as] : tokens[close];
      const arg = text(tokens[open].end, tokens[close].start);
      shardSql += `${text(copied, t.location ?? 0)}sum(${arg}), count(${arg})`;
      copied = end.end;
    }
  }
  return { kind: 'aggregates', aggregates, names: out, shardSql: shardSql + text(copied, bytes.length) };
}
