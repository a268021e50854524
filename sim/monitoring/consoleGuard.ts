/**
 * Console statements refused before they reach the node, with a reason a student understands. This is
 * not what keeps the simulator safe: the engine runs console input as an ordinary role in a session of
 * its own (sim/engine/consoleSession.ts, snapshots.ts), and PostgreSQL refuses what that role may not
 * do, however the SQL is written. The one rule the engine relies on is SESSION AUTHORIZATION, which a
 * single-user backend would grant (its login is a superuser).
 *
 * The decisions are made on PostgreSQL's own parse tree (sim/sql/parser.ts), never on the text: rules
 * apply to every statement of the input, to the statements inside a DO block or a function's body (the
 * PL/pgSQL compiler's tree gives each embedded statement's text), and to every string constant that is
 * itself SQL, which is how dynamic SQL (`EXECUTE 'COPY ... TO PROGRAM ...'`, `query_to_xml('...')`) is
 * written. A computed statement (`EXECUTE 'CO' || 'PY ...'`) cannot be read before it runs: the engine's
 * role is what refuses it. Input PostgreSQL's grammar rejects is left to the engine, which answers with the
 * same syntax error and runs nothing of it (a simple query is parsed whole before any of it runs).
 */
import { type SimError, simError } from '../core/errors.ts';
import type { Node, RawStmt } from '../sql/parser.ts';
import { parsePlpgsql, parseSql, statementText } from '../sql/parser.ts';
import { constText, kindOf, names, walk } from '../sql/tree.ts';
import { runawayPlpgsql, runawayStatement } from './runaway.ts';

const AUTHORIZATION = 'statements run as the role sim_console; SESSION AUTHORIZATION cannot change.';
const PROGRAM = 'COPY ... PROGRAM hangs the embedded PostgreSQL (it cannot start programs).';
const META = 'psql meta-commands (\\d, \\dt ...) are not SQL; query the catalog instead (pg_tables, information_schema).';
const SETTING = 'change node settings in the inspector (they apply to the model and the engine); SET LOCAL works inside a transaction.';
const DISCARD = 'DISCARD has nothing to reset: each console input is a session of its own, which ends with it.';
const DATABASE = 'each node has one database, postgres; create schemas instead.';
const CATALOG = 'sim_catalog holds the views and the virtual clock the simulator fills from its model; they are read-only to the console.';
const BACKEND = 'the node has one embedded backend; connections are modelled, not real processes.';
const TRANSACTION = 'each console input runs on its own; write the whole transaction in one input (BEGIN; ...; COMMIT;).';
const NESTED = 'SQL nested more than 4 levels deep in strings and function bodies cannot be checked.';

/** The objects the simulator's catalog provides, also reachable by their unqualified names. */
const SIMULATED = new Set(['sim_catalog', 'pg_stat_activity', 'now', 'pg_sleep', 'pg_sleep_for', 'pg_sleep_until']);
const BACKEND_FUNCTIONS = new Set(['pg_terminate_backend', 'pg_cancel_backend', 'pg_reload_conf']);
const DATABASE_STATEMENTS = new Set(['CreatedbStmt', 'DropdbStmt', 'AlterDatabaseStmt', 'AlterDatabaseSetStmt', 'AlterDatabaseRefreshCollStmt']);
/** Statements that change a table's rows, by the field naming their target. */
const WRITES: Record<string, string> = { InsertStmt: 'relation', UpdateStmt: 'relation', DeleteStmt: 'relation', MergeStmt: 'relation', TruncateStmt: 'relations' };
/** Statements that read, or control the session or transaction, but define nothing. */
const NOT_DDL = new Set([
  'SelectStmt',
  'ExplainStmt',
  'VariableShowStmt',
  'VariableSetStmt',
  'TransactionStmt',
  'DeclareCursorStmt',
  'FetchStmt',
  'ClosePortalStmt',
  'PrepareStmt',
  'ExecuteStmt',
  'DeallocateStmt',
  'ListenStmt',
  'UnlistenStmt',
  'NotifyStmt',
  'LockStmt',
  'VacuumStmt',
  'CheckPointStmt',
  'DoStmt',
  'CallStmt',
  'CopyStmt',
  'DiscardStmt',
  'LoadStmt',
  'ConstraintsSetStmt',
  ...Object.keys(WRITES),
]);
/** The fields of a DDL statement that name the objects it defines or changes (not what it merely reads). */
const OBJECT_FIELDS = ['relation', 'relations', 'objects', 'object', 'func', 'funcname', 'view', 'schemaname', 'defnames', 'typeName', 'into', 'sequence', 'table', 'typevar', 'domainname'];
const MAX_DEPTH = 4;

/**
 * Whether a subtree names one of `set`: a name part, a table's schema or name (a RangeVar is bare where a
 * field's type is RangeVar, so fields are read, not node kinds); constants are not names.
 */
function mentions(tree: unknown, set: Set<string>): boolean {
  if (Array.isArray(tree)) return tree.some((t) => mentions(t, set));
  if (tree === null || typeof tree !== 'object') return false;
  const o = tree as Record<string, unknown>;
  if ([o.sval, o.relname, o.schemaname].some((v) => typeof v === 'string' && set.has(v))) return true;
  return Object.entries(o).some(([k, v]) => k !== 'A_Const' && mentions(v, set));
}

const SIM_CATALOG = new Set(['sim_catalog']);

/**
 * The reason one parsed statement (not what it nests) is refused, from its kind and fields alone. For a real
 * client (`client`), only the rules the engine relies on: what its role may not do is PostgreSQL's to refuse.
 */
function statementRule(kind: string, f: Record<string, unknown>, client: boolean): string | undefined {
  if (kind === 'VariableSetStmt') {
    if (f.name === 'session_authorization') return AUTHORIZATION;
    if (f.is_local || (f.kind === 'VAR_SET_MULTI' && f.name === 'TRANSACTION')) return undefined;
    return SETTING;
  }
  if (kind === 'DiscardStmt') return DISCARD;
  if (kind === 'FuncCall') {
    const [name] = names(f.funcname as Node[]).slice(-1);
    // set_config('session_authorization', ...) reaches the same check as SET SESSION AUTHORIZATION
    const setting = (f.args as Node[] | undefined)?.[0];
    if (name === 'set_config' && !(setting && 'A_Const' in setting)) return `set_config's setting name must be a constant; ${AUTHORIZATION}`;
    if (name === 'set_config' && setting && 'A_Const' in setting && constText(setting.A_Const)?.toLowerCase() === 'session_authorization') return AUTHORIZATION;
    if (!client && BACKEND_FUNCTIONS.has(name)) return BACKEND;
  }
  if (client) return undefined;
  if (DATABASE_STATEMENTS.has(kind)) return DATABASE;
  if (kind === 'CopyStmt' && f.is_program) return PROGRAM;
  if (kind === 'CopyStmt' && f.is_from && mentions(f.relation, SIM_CATALOG)) return CATALOG;
  if (kind in WRITES && mentions(f[WRITES[kind]], SIM_CATALOG)) return CATALOG;
  if (kind === 'SelectStmt' && mentions((f.intoClause as { rel?: unknown } | undefined)?.rel, SIM_CATALOG)) return CATALOG;
  if (kind.endsWith('Stmt') && !NOT_DDL.has(kind)) {
    const objects = Object.fromEntries(OBJECT_FIELDS.map((field) => [field, f[field]]));
    if (mentions(objects, SIM_CATALOG)) return CATALOG;
    // what changes an existing object may change the simulator's (a new one is the user's own)
    const changes = /^(Drop|Alter|Rename|Comment|Grant)/.test(kind) || f.replace === true;
    if (changes && mentions(objects, SIMULATED)) return CATALOG;
  }
  return undefined;
}

/** The string constants under a subtree. */
function strings(tree: unknown, into: Set<string>): void {
  walk(tree, (kind, f) => {
    if (kind === 'A_Const' && f.sval) into.add((f.sval as { sval?: string }).sval ?? '');
    return true;
  });
}

/**
 * The SQL a statement carries inside it: the statements of a PL/pgSQL body (DO, CREATE FUNCTION) and of an
 * SQL function's body, and string constants that may be run as SQL: those passed to a function
 * (`query_to_xml('...')`), and, in PL/pgSQL, every one (`x := '...'; EXECUTE x`). A string: a body that
 * could not be read. `plpgsql`: each text is a PL/pgSQL body's.
 */
function embedded(sql: string, raw: RawStmt, allStrings: boolean): { sql: string; plpgsql: boolean }[] | Verdict {
  const found = new Set<string>();
  const bodies: string[] = [];
  let failed: Verdict | undefined;
  walk(raw.stmt, (kind, f) => {
    if (kind === 'FuncCall' || (allStrings && kind === 'A_Const')) strings(kind === 'FuncCall' ? f.args : { A_Const: f }, found);
    if (kind !== 'DoStmt' && kind !== 'CreateFunctionStmt') return true;
    const language = languageOf(kind, f);
    if (language === 'sql') {
      const as = ((f.options as Node[] | undefined) ?? []).find((n) => 'DefElem' in n && n.DefElem.defname === 'as');
      if (as && 'DefElem' in as) bodies.push(...names([as.DefElem.arg as Node]), ...('List' in (as.DefElem.arg as Node) ? names((as.DefElem.arg as { List: { items?: Node[] } }).List.items) : []));
    } else if (language === 'plpgsql') {
      try {
        const functions = parsePlpgsql(statementText(sql, raw));
        const loops = kind === 'DoStmt' ? runawayPlpgsql(functions) : undefined;
        if (loops) failed = { why: loops, timeout: true };
        walk(functions, (k, e) => {
          if (k === 'PLpgSQL_expr') bodies.push(plpgsqlStatement(e.query as string, e.parseMode as number | undefined));
          return true;
        });
      } catch (e) {
        failed = { why: `the PL/pgSQL body could not be checked: ${(e as Error).message}` };
      }
    }
    return true;
  });
  if (failed) return failed;
  return [...bodies.map((b) => ({ sql: b, plpgsql: true })), ...[...found].map((b) => ({ sql: b, plpgsql: allStrings }))];
}

function languageOf(kind: string, f: Record<string, unknown>): string {
  const option = ((kind === 'DoStmt' ? f.args : f.options) as Node[] | undefined)?.find((n) => 'DefElem' in n && n.DefElem.defname === 'language');
  const name = option && 'DefElem' in option ? names([option.DefElem.arg as Node])[0] : undefined;
  return (name ?? (kind === 'DoStmt' ? 'plpgsql' : 'sql')).toLowerCase();
}

/**
 * A PL/pgSQL expression's text as a statement: a whole statement (parse mode 0) as it is, an expression
 * as `SELECT expr`, an assignment `target := expr` as `SELECT expr`.
 */
function plpgsqlStatement(query: string, mode = 0): string {
  if (mode === 0) return query;
  if (mode === 2) return `SELECT ${query}`;
  const assign = /^[^=:]*?(:=|=)/.exec(query);
  return `SELECT ${assign ? query.slice(assign[0].length) : query}`;
}

/** Why an input is refused; `timeout`: it would run until the node is killed (runaway.ts). */
interface Verdict {
  why: string;
  timeout?: boolean;
}

/** The first rule the input's statements, or the SQL nested in them, break (`client`: statementRule's). */
function check(sql: string, depth: number, client: boolean, plpgsql = false): Verdict | undefined {
  let stmts: RawStmt[];
  try {
    stmts = parseSql(sql).stmts ?? [];
  } catch {
    return undefined;
  }
  for (const raw of stmts) {
    let why: string | undefined;
    walk(raw.stmt, (kind, f) => {
      why ??= statementRule(kind, f, client);
      return why === undefined;
    });
    if (why) return { why };
    const runaway = runawayStatement(raw.stmt);
    if (runaway) return { why: runaway, timeout: true };
    const inner = embedded(sql, raw, plpgsql);
    if (!Array.isArray(inner)) return inner;
    for (const text of inner) {
      if (!/[a-z]/i.test(text.sql)) continue;
      if (depth >= MAX_DEPTH) return { why: NESTED };
      const nested = check(text.sql, depth + 1, client, text.plpgsql);
      if (nested) return nested;
    }
  }
  const open = depth === 0 && !client ? transactionRule(stmts) : undefined;
  return open ? { why: open } : undefined;
}

/** An input that leaves a transaction open, or is one transaction-control statement alone. */
function transactionRule(stmts: RawStmt[]): string | undefined {
  let open = false;
  for (const { stmt } of stmts) {
    if (!stmt || !('TransactionStmt' in stmt)) continue;
    const kind = stmt.TransactionStmt.kind;
    if (stmts.length === 1) return TRANSACTION;
    if (kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') open = true;
    if (kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK' || kind === 'TRANS_STMT_PREPARE') open = false;
  }
  return open ? TRANSACTION : undefined;
}

function verdict(sql: string): Verdict | undefined {
  if (sql.trim() === '') return { why: 'the statement is empty.' };
  if (sql.length > 100_000) return { why: 'the statement is longer than 100,000 characters.' };
  // psql's backslash commands are not SQL (the grammar rejects them); psql reads them before any SQL
  if (/^\s*(?:(?:--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)\s*)*\\/.test(sql)) return { why: META };
  return check(sql, 0, false);
}

/** The reason a console statement is refused, or undefined when it may run. Needs `loadSqlParser()` done. */
export function refuseReason(sql: string): string | undefined {
  return verdict(sql)?.why;
}

/**
 * The error a console input gets instead of running: `statement_refused`, or, for a statement that would
 * run until the node is killed, PostgreSQL's cancel (`query_canceled`, 57014) with the reason as detail.
 */
export function consoleRefusal(sql: string): SimError | undefined {
  const v = verdict(sql);
  if (!v) return undefined;
  return v.timeout ? simError('query_canceled', { detail: v.why }) : simError('statement_refused', { message: `statement refused: ${v.why}` });
}

/**
 * The error a real client's statement (serve/) gets instead of running, with the SQLSTATE a driver expects:
 * only the rules the engine relies on (its role refuses the rest with PostgreSQL's own errors, 42501), a
 * client having transactions of its own. A change of session authorization is PostgreSQL's refusal to an
 * ordinary role (42501); a runaway is its cancel (57014); what the simulator cannot do (session-level SET,
 * DISCARD, SQL it cannot check) is feature_not_supported (0A000).
 */
export function clientRefusal(sql: string): SimError | undefined {
  const v = check(sql, 0, true);
  if (!v) return undefined;
  if (v.timeout) return simError('query_canceled', { detail: v.why });
  if (v.why === AUTHORIZATION) return simError('statement_refused', { sqlstate: '42501', message: 'permission denied to set session authorization', detail: v.why });
  // what PostgreSQL says to a role without pg_execute_server_program, as sim_console is
  if (v.why === PROGRAM) {
    const detail = 'Only roles with privileges of the "pg_execute_server_program" role may COPY to or from an external program.';
    return simError('statement_refused', { sqlstate: '42501', message: 'permission denied to COPY to or from an external program', detail, hint: "Anyone can COPY to stdout or from stdin. psql's \\copy command also works for anyone." });
  }
  return simError('statement_refused', { sqlstate: '0A000', message: `statement refused: ${v.why}` });
}

/** Statements that read or change rows and nothing else a session keeps (a SELECT INTO makes a table: not one). */
const ROW_STATEMENTS = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);
const SAVEPOINTS = new Set(['TRANS_STMT_SAVEPOINT', 'TRANS_STMT_RELEASE', 'TRANS_STMT_ROLLBACK_TO']);

/**
 * Whether a real client's statement leaves its session as it found it, so the engine need not save and
 * restore the session around it (protocol.ts `neutral`): only rows are read or changed (or a savepoint,
 * SET LOCAL: they end with the transaction), no table is made (SELECT INTO), no setting set for the
 * session (set_config: the console's role may set its own) and no SQL run
 * from a string (query_to_xml ...). What the role cannot define (functions: it has no language) cannot
 * hide anything else. False for anything else, or what does not parse.
 */
export function leavesSessionAlone(sql: string): boolean {
  let stmts: RawStmt[];
  try {
    stmts = parseSql(sql).stmts ?? [];
  } catch {
    return false;
  }
  let alone = stmts.length > 0;
  for (const raw of stmts) {
    const [kind, f] = kindOf(raw.stmt) ?? [];
    // a savepoint, SET LOCAL and SET TRANSACTION end with their transaction
    if (kind === 'TransactionStmt' && SAVEPOINTS.has(f?.kind as string)) continue;
    if (kind === 'VariableSetStmt' && (f?.is_local || (f?.kind === 'VAR_SET_MULTI' && f?.name === 'TRANSACTION'))) continue;
    if (!kind || !ROW_STATEMENTS.has(kind)) return false;
    walk(raw.stmt, (k, f) => {
      if (k === 'SelectStmt' && f.intoClause) alone = false;
      if (k === 'FuncCall') {
        const [name] = names(f.funcname as Node[]).slice(-1);
        if (name === 'set_config' || name.includes('xml')) alone = false;
      }
      return alone;
    });
  }
  return alone;
}
