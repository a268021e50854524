/**
 * Exact reuse of the workload's reads: a read whose statements, parameters and every row they could see are
 * unchanged since an identical execution on this node takes that execution's reply instead of running again.
 * The reply is all a workload read gives the model (its rows go nowhere; its profile comes from Profiles.ts,
 * not from the execution), so skipping it changes a figure only if the skipped execution would have changed
 * the engine. A read changes a heap only by pruning dead row versions and setting hint bits, and only where a
 * write left something to prune or hint since the pages' last read; the identical execution did that already
 * unless a write reached one of its tables since.
 *
 * Invariants:
 * - Only reads whose text proves what they touch are reused (`reusableTables`): one plain SELECT over tables
 *   of the data set (no view, function, sequence, row lock, CTE, sample, SELECT INTO); a real client's
 *   statement (its rows go back to it) never is.
 * - Every other statement the engine runs (a write, a profile of one, which writes and rolls back, a replayed
 *   record, a read not reusable) drops the reads on the tables it may touch: its own, and those reached by
 *   cascading foreign keys; every table when it names none it proves, or the data set has triggers or rules.
 * - Anything else that may change a heap, a plan or what a read answers drops them all: a real client's
 *   block, ANALYZE, a plan setting, a promotion, a restart or crash; and DDL, console SQL (VACUUM, or a
 *   function's DDL) or a two-phase part (its prepared transaction holds back what reads may prune until it
 *   ends) stop reuse on the node for the rest of the run.
 * - A reused read counts in realQueries as if it ran, so the report is the same with reuse on or off.
 */
import type { RunReply } from '../../engine/protocol.ts';
import { footprint } from '../../replication/footprint.ts';
import { parseSql } from '../../sql/parser.ts';
import { names, walk } from '../../sql/tree.ts';
import type { PreparedOperation } from '../../workload/operations.ts';

/** What reuse knows of the data set's tables. */
export interface TableCatalog {
  /** The data set's tables (and materialized views), as NodeStatistics measures them. */
  readonly tables: ReadonlySet<string>;
  /** The tables whose foreign keys cascade (ON DELETE/UPDATE CASCADE, SET NULL, SET DEFAULT) from each table: a write there may change them. */
  readonly cascades: ReadonlyMap<string, readonly string[]>;
  /** Any trigger or rule of the data set: a write may change any table. */
  readonly triggers: boolean;
}

/**
 * The cascading foreign keys of the data set's SQL (`setup_sql`, or the default data set's), and whether it
 * has anything that makes a write reach other tables unseen: a trigger, a rule, inheritance or partitions, a
 * DO block, or SQL the parser refuses. Read from the text, not the engine: a catalog query would itself
 * change the engine (hint bits on catalog pages, whose full-page images move the WAL).
 */
export function setupCatalog(sql: string): Pick<TableCatalog, 'cascades' | 'triggers'> {
  const cascades = new Map<string, string[]>();
  let triggers = false;
  let tree: ReturnType<typeof parseSql>;
  try {
    tree = parseSql(sql);
  } catch {
    return { cascades, triggers: true };
  }
  for (const { stmt } of tree.stmts ?? []) {
    walk(stmt, (kind, f) => {
      if (kind === 'CreateTrigStmt' || kind === 'RuleStmt' || kind === 'DoStmt') triggers = true;
      else if (kind === 'CreateStmt' && ((f.inhRelations as unknown[] | undefined)?.length || f.partspec || f.partbound)) triggers = true;
      return true;
    });
    const owner = (stmt && 'CreateStmt' in stmt ? stmt.CreateStmt.relation : stmt && 'AlterTableStmt' in stmt ? stmt.AlterTableStmt.relation : undefined)?.relname;
    walk(stmt, (kind, f) => {
      const acts = [f.fk_upd_action, f.fk_del_action];
      if (kind === 'Constraint' && f.contype === 'CONSTR_FOREIGN' && acts.some((a) => a === 'c' || a === 'n' || a === 'd')) {
        const parent = (f.pktable as { relname?: string } | undefined)?.relname;
        if (!owner || !parent) triggers = true;
        else cascades.set(parent, [...(cascades.get(parent) ?? []), owner]);
      }
      return true;
    });
  }
  return { cascades, triggers };
}

/** Aggregates that read only their input rows: the one kind of function call a reusable read may make. */
const PURE_AGGREGATES = new Set(['count', 'sum', 'avg', 'min', 'max']);
/** Built-in functions that change no table: a write calling only these touches only its footprint's tables. */
const TOUCH_NOTHING = new Set([...PURE_AGGREGATES, 'now', 'nextval', 'currval', 'coalesce', 'greatest', 'least', 'lower', 'upper', 'length', 'abs', 'round']);

/** Whether `sql` calls only functions of `allowed` (a user's function may read or write any table). */
function callsOnly(sql: string, allowed: ReadonlySet<string>): boolean {
  let ok = true;
  try {
    walk(parseSql(sql), (kind, f) => {
      if (kind !== 'FuncCall') return ok;
      const name = names(f.funcname as never);
      if (name.length > 2 || (name.length === 2 && name[0] !== 'pg_catalog') || !allowed.has(name[name.length - 1])) ok = false;
      return ok;
    });
  } catch {
    return false;
  }
  return ok;
}
/** Parse nodes a reusable read may not have: they lock rows, call or run other things, or sample at random. */
const NOT_REUSABLE = new Set(['LockingClause', 'WithClause', 'RangeFunction', 'RangeTableSample', 'RangeTableFunc', 'IntoClause', 'SQLValueFunction', 'CallStmt']);

/** The tables a statement reads when it is a reusable read over `catalog`'s tables, else undefined. */
export function reusableTables(sql: string, catalog: TableCatalog): string[] | undefined {
  let tree: ReturnType<typeof parseSql>;
  try {
    tree = parseSql(sql);
  } catch {
    return undefined;
  }
  if (tree.stmts?.length !== 1 || !('SelectStmt' in (tree.stmts[0].stmt ?? {}))) return undefined;
  const tables = new Set<string>();
  let ok = true;
  walk(tree.stmts[0].stmt, (kind, f) => {
    if (NOT_REUSABLE.has(kind)) ok = false;
    else if (kind === 'FuncCall') {
      const name = names(f.funcname as never);
      if (name.length !== 1 || !PURE_AGGREGATES.has(name[0]) || f.agg_order || f.agg_filter || f.over) ok = false;
    } else if (kind === 'RangeVar') {
      const rel = f.relname as string;
      if ((f.schemaname !== undefined && f.schemaname !== 'public') || !catalog.tables.has(rel)) ok = false;
      tables.add(rel);
    }
    return ok;
  });
  return ok && tables.size > 0 ? [...tables] : undefined;
}

/**
 * The workload's statements are named prepared statements (engine/wire.ts), whose plan cache makes a custom
 * plan for each of the first five executions and then may keep a generic one (plancache.c,
 * choose_custom_plan). Those five always run, so the cache decides on the same executions with reuse on or
 * off. Later a statement that keeps choosing custom plans averages their costs over the executions that ran;
 * when the average crosses its generic plan's cost at another execution than without reuse, a plan reading
 * other pages could set hint bits elsewhere: the one gap left, not seen in the workloads tested.
 */
const CUSTOM_PLANS = 5;

/** A reusable read about to run: its key and its tables. */
export interface Keep {
  key: string;
  tables: readonly string[];
}
/** Replies kept at most per node. */
const MAX_KEPT = 10_000;

export class ReadReuse {
  /** An identical earlier read's reply and its tables, by statements and parameters. */
  private readonly replies = new Map<string, { reply: Promise<RunReply>; tables: readonly string[] }>();
  /** Whether each operation is reusable, and its tables; found once per catalog. */
  private byOperation = new WeakMap<PreparedOperation, string[] | null>();
  /** A short name for each reusable read's statements' text (the same for the same text), the first part of its keys. */
  private readonly texts = new WeakMap<PreparedOperation, string>();
  private readonly textIds = new Map<string, string>();
  /** Executions of each reusable read's statements (by their text's name) on the engine since it started (not reused ones). */
  private readonly runs = new Map<string, number>();
  /** The tables each operation that is not a reusable read may change (before cascades), or null: any. */
  private touchedBy = new WeakMap<PreparedOperation, string[] | null>();

  private setup: Pick<TableCatalog, 'cascades' | 'triggers'> | undefined;
  private enabled: boolean;

  /** `setupSql`: the data set's SQL (no reuse without it); `tables`: the data set's tables as last measured. */
  constructor(
    private readonly setupSql: string | undefined,
    private readonly tables: () => ReadonlySet<string>,
  ) {
    this.enabled = setupSql !== undefined;
  }

  /** Parsed when first needed: the SQL parser loads after the node is built. */
  private catalog(): TableCatalog {
    this.setup ??= setupCatalog(this.setupSql ?? '');
    return { tables: this.tables(), ...this.setup };
  }

  /**
   * `op` is sent to the engine with `params`: the reply of an identical earlier read when it may be reused,
   * else what to give `keep` with this execution's reply (a reusable read), or undefined.
   */
  lookup(op: PreparedOperation, params: readonly unknown[]): { reply: Promise<RunReply> } | Keep | undefined {
    const tables = this.tablesOf(op);
    if (!tables) {
      this.ran(op);
      return undefined;
    }
    let text = this.texts.get(op);
    if (text === undefined) {
      const sql = op.statements.map((s) => s.sql).join('\u0000');
      text = this.textIds.get(sql) ?? String(this.textIds.size);
      this.textIds.set(sql, text);
      this.texts.set(op, text);
    }
    const key = `${text}\u0001${params.some((v) => typeof v === 'bigint') ? JSON.stringify(params, (_, v) => (typeof v === 'bigint' ? `${v}n` : v)) : JSON.stringify(params)}`;
    const hit = this.replies.get(key);
    const runs = this.runs.get(text) ?? 0;
    if (hit && runs >= CUSTOM_PLANS) return { reply: hit.reply };
    this.runs.set(text, runs + 1);
    return { key, tables };
  }

  /** A reusable read's reply, kept for identical reads (`lookup`'s answer says which). */
  keep({ key, tables }: Keep, reply: Promise<RunReply>): void {
    this.replies.delete(key);
    this.replies.set(key, { reply, tables });
    // bounded: the oldest kept goes (a read not reused only runs)
    if (this.replies.size > MAX_KEPT) this.replies.delete(this.replies.keys().next().value!);
  }

  /** `op` runs on the engine (sent, profiled or replayed): unless it is a reusable read, the reads it may change are dropped. */
  ran(op: PreparedOperation): void {
    if (!this.tablesOf(op)) this.wrote(op);
  }

  private wrote(op: PreparedOperation): void {
    if (!this.enabled) return;
    let own = this.touchedBy.get(op);
    if (own === undefined) {
      // null: it may touch any table (a footprint not proven, a call of a function that may write)
      const prints = op.statements.map((st) => (callsOnly(st.sql, TOUCH_NOTHING) ? footprint(st.sql) : []));
      own = prints.some((p) => p.length === 0 || p.some((f) => f.table === '*')) ? null : prints.flat().map((f) => f.table);
      // DDL may make a table a view or drop it: what was found reusable may no longer be
      if (prints.some((p) => p.some((f) => f.kind === 'ddl' || f.kind === 'other'))) {
        this.stop();
        return;
      }
      this.touchedBy.set(op, own);
    }
    if (this.replies.size === 0) return;
    const { cascades, triggers } = this.catalog();
    if (!own || triggers) {
      this.clear();
      return;
    }
    const touched = new Set(own);
    for (const t of touched) for (const c of cascades.get(t) ?? []) touched.add(c);
    for (const [key, r] of this.replies) if (r.tables.some((t) => touched.has(t))) this.replies.delete(key);
  }

  /** Drops every reply kept. */
  clear(): void {
    this.replies.clear();
  }

  /** The engine restarted: its sessions' prepared statements are new, their plan caches empty. */
  restarted(): void {
    this.replies.clear();
    this.runs.clear();
  }

  /** The data set's tables may have changed (DDL, console SQL), or a transaction held open may end (two-phase commit): no more reuse on this node. */
  stop(): void {
    this.enabled = false;
    this.replies.clear();
  }

  private tablesOf(op: PreparedOperation): string[] | undefined {
    if (!this.enabled || op.maxRows || op.twoPhase || !op.readOnly || op.writes) return undefined;
    let tables = this.byOperation.get(op);
    if (tables === undefined) {
      const catalog = this.catalog();
      const each = op.statements.map((s) => reusableTables(s.sql, catalog));
      tables = each.every((t) => t !== undefined) ? [...new Set(each.flat() as string[])] : null;
      this.byOperation.set(op, tables);
    }
    return tables ?? undefined;
  }
}
