/**
 * Console statements that would run until the watchdog kills the node, cancelled before they start.
 *
 * PostgreSQL cancels a running statement (`canceling statement due to statement timeout`, SQLSTATE
 * 57014) when its backend sees an interrupt at a CHECK_FOR_INTERRUPTS. The embedded PostgreSQL cannot be
 * interrupted: PGlite 0.5.16 runs a statement synchronously in its worker's thread, its wasm memory is not
 * shared (no other thread can set QueryCancelPending or InterruptPending, which it exports), and
 * statement_timeout's SIGALRM is a setTimeout that fires only after the statement has returned. The one
 * way out of a running statement is the watchdog terminating the worker, a crash. So what the parse tree
 * shows to be endless or huge is refused first, with PostgreSQL's cancel message; what it cannot show (a
 * bound that is computed, a function whose body loops) still ends in the watchdog's crash.
 */
import type { Node } from '../sql/parser.ts';
import { constText, names, walk } from '../sql/tree.ts';

/** Real seconds a console statement may really sleep (`pg_catalog.pg_sleep`; the unqualified one is virtual). */
export const CONSOLE_SLEEP_LIMIT_S = 1;
/** Rows a constant generate_series or integer FOR loop may produce. */
export const CONSOLE_SERIES_LIMIT = 10_000_000;

const REAL_SLEEPS = new Set(['pg_sleep', 'pg_sleep_for', 'pg_sleep_until']);

function constant(node: Node | undefined): string | undefined {
  if (!node) return undefined;
  if ('TypeCast' in node) return constant(node.TypeCast.arg);
  if ('A_Const' in node) return constText(node.A_Const);
  if ('A_Expr' in node && node.A_Expr.kind === 'AEXPR_OP' && !node.A_Expr.lexpr && names(node.A_Expr.name).join() === '-') {
    const v = constant(node.A_Expr.rexpr);
    return v === undefined ? undefined : `-${v}`;
  }
  return undefined;
}

/** The rows of generate_series(start, stop[, step]) when all are numeric constants. */
function seriesRows(args: Node[]): number | undefined {
  const [start, stop, step = 1] = args.map(constant).map(Number);
  if (args.length < 2 || args.length > 3 || [start, stop, step].some((n) => !Number.isFinite(n)) || step === 0) return undefined;
  return Math.max(0, Math.floor((stop - start) / step) + 1);
}

/**
 * A recursive CTE whose recursive term can only ever add rows: `UNION ALL` of a `SELECT ... FROM cte` with
 * no WHERE, no LIMIT, nothing else in its FROM, read by a statement without a LIMIT of its own (a LIMIT
 * stops PostgreSQL's evaluation of the CTE early).
 */
function endlessRecursion(stmt: Record<string, unknown>): string | undefined {
  const cte = stmt.withClause as { recursive?: boolean; ctes?: Node[] } | undefined;
  if (!cte?.recursive || stmt.limitCount) return undefined;
  for (const c of cte.ctes ?? []) {
    if (!('CommonTableExpr' in c)) continue;
    const name = c.CommonTableExpr.ctename;
    const q = c.CommonTableExpr.ctequery;
    const union = q && 'SelectStmt' in q ? q.SelectStmt : undefined;
    if (union?.op !== 'SETOP_UNION' || !union.all) continue;
    const term = union.rarg;
    const from = term?.fromClause ?? [];
    const self = from.length === 1 && 'RangeVar' in from[0] && from[0].RangeVar.relname === name && !from[0].RangeVar.schemaname;
    if (self && !term?.whereClause && !term?.limitCount && !term?.havingClause) return `the recursive query ${name} never stops: its recursive term has no WHERE to end it`;
  }
  return undefined;
}

/** Why a statement would run until it is killed, judged from its parse tree before it runs. */
export function runawayStatement(tree: unknown): string | undefined {
  let why: string | undefined;
  walk(tree, (kind, f) => {
    if (kind === 'FuncCall') {
      const parts = names(f.funcname as Node[]);
      const fn = parts.at(-1) ?? '';
      const args = (f.args as Node[] | undefined) ?? [];
      if (parts.length === 2 && parts[0] === 'pg_catalog' && REAL_SLEEPS.has(fn)) {
        const seconds = fn === 'pg_sleep' ? Number(constant(args[0])) : Number.NaN;
        if (!(seconds <= CONSOLE_SLEEP_LIMIT_S)) {
          why = `pg_catalog.${fn}() really sleeps, and the console allows ${CONSOLE_SLEEP_LIMIT_S} s (the unqualified ${fn}() sleeps in the simulation's virtual time)`;
        }
      }
      const rows = fn === 'generate_series' ? seriesRows(args) : undefined;
      if (rows !== undefined && rows > CONSOLE_SERIES_LIMIT) why = `generate_series() would produce ${rows.toLocaleString('en')} rows; the console allows ${CONSOLE_SERIES_LIMIT.toLocaleString('en')}`;
    }
    if (kind === 'SelectStmt') why ??= endlessRecursion(f);
    return why === undefined;
  });
  return why;
}

/** Whether a PL/pgSQL statement list can leave the loop it is in (EXIT, RETURN, RAISE EXCEPTION). */
function leaves(body: unknown): boolean {
  let out = false;
  walk(body, (kind, f) => {
    if (kind === 'PLpgSQL_stmt_exit' || kind === 'PLpgSQL_stmt_return' || (kind === 'PLpgSQL_stmt_raise' && Number(f.elog_level ?? 21) >= 21)) out = true;
    return !out;
  });
  return out;
}

/** Why a DO block's compiled body would run until it is killed: a loop nothing leaves, a FOR over too many values. */
export function runawayPlpgsql(functions: unknown): string | undefined {
  let why: string | undefined;
  walk(functions, (kind, f) => {
    const cond = (f.cond as { PLpgSQL_expr?: { query?: string } } | undefined)?.PLpgSQL_expr?.query?.trim().toLowerCase();
    if ((kind === 'PLpgSQL_stmt_loop' || (kind === 'PLpgSQL_stmt_while' && cond === 'true')) && !leaves(f.body)) {
      why = 'the DO block has a loop that nothing leaves (no EXIT, RETURN or RAISE EXCEPTION in it)';
    }
    if (kind === 'PLpgSQL_stmt_fori') {
      const bound = (k: string) => Number((f[k] as { PLpgSQL_expr?: { query?: string } } | undefined)?.PLpgSQL_expr?.query);
      const n = bound('upper') - bound('lower') + 1;
      if (n > CONSOLE_SERIES_LIMIT && !leaves(f.body)) why = `the DO block's FOR loop would run ${n.toLocaleString('en')} times; the console allows ${CONSOLE_SERIES_LIMIT.toLocaleString('en')}`;
    }
    return why === undefined;
  });
  return why;
}
