/**
 * A sharded console (an app's, a shard router's): SQL sent the way the node's ShardRouter sends it. A statement with a key runs on
 * its shard; one without scatters to every shard and the rows are merged as one PostgreSQL holding all the
 * data would return them (sim/sharding/merge.ts), or refused when that cannot be done correctly.
 * Console statements run outside virtual time, as on any node's console.
 */
import type { ConsoleResult } from '../../core/contracts.ts';
import { simError } from '../../core/errors.ts';
import { mergeShardRows } from '../../sharding/merge.ts';
import { isReadOnlySql, type PreparedOperation } from '../../workload/operations.ts';
import type { SimContext } from '../types.ts';
import { CONSOLE_MAX_ROWS } from '../postgres/console.ts';
import { type RouteExplain, ShardRouter } from './ShardRouter.ts';
import { commitParts, twoPhaseGid } from './twoPhaseCommit.ts';

/** `EXPLAIN [ ( options ) | ANALYZE | VERBOSE ...] statement`: the statement explained. */
export const EXPLAIN = /^\s*explain\s+(?:\([^)]*\)\s*|(?:analy[sz]e|verbose|costs|buffers)\s+)*/i;

/** Console statements borrow request ids below the workload's (which start at 0) for the routers' bookkeeping. */
let consoleRequest = -1;

/** A console statement as a one-statement operation (its trailing `;` dropped), and a request id for it. */
export function consoleOperation(sql: string): { op: PreparedOperation; id: number } {
  const text = sql.trim().replace(/;\s*$/, '');
  const readOnly = isReadOnlySql(text);
  return { op: { name: 'console', weight: 0, statements: [{ sql: text, paramIndexes: [] }], transaction: false, readOnly, writes: !readOnly }, id: consoleRequest-- };
}

/**
 * Route explain of a console statement (an `EXPLAIN` before it dropped), `params` bound to its `$1`, `$2` ...
 * in order: what `router` would do with it and why, doing none of it.
 */
export function explainStatement(router: ShardRouter, sql: string, params: readonly unknown[] = []): RouteExplain {
  const explain = EXPLAIN.exec(sql);
  const { op } = consoleOperation(explain ? sql.slice(explain[0].length) : sql);
  const indexes = params.map((_, i) => i);
  return router.explain({ ...op, statements: op.statements.map((s) => ({ ...s, paramIndexes: indexes })) }, params);
}

export async function shardedConsole(ctx: SimContext, app: string, router: ShardRouter, sql: string): Promise<ConsoleResult> {
  const base = { node: app, query: sql, columns: [], rows: [], rowCount: 0 };
  const { op, id } = consoleOperation(sql);
  const route = router.route({ id, op, params: [] });
  try {
    if (route.kind === 'error') return { ...base, error: route.error };
    const run = (endpoint: string, q: string) => ctx.node(endpoint)!.console!(q);
    if (route.kind === 'one') return { ...(await run(route.endpoint, sql)), node: app, query: sql };
    if (route.kind === 'twopc') {
      // one statement: each shard runs it on its own rows, all committed or none (twoPhaseCommit.ts); the
      // console shows the rows it touched in all
      const parts = route.endpoints.map((endpoint, i) => ({ endpoint, op: route.ops[i], params: [] }));
      const r = await commitParts(ctx, twoPhaseGid(app), parts, { maxRows: CONSOLE_MAX_ROWS });
      if (r.error) return { ...base, error: r.error };
      const results = r.results.map((x) => x[0]).filter((x) => x !== undefined);
      const first = results[0];
      const rows = results.flatMap((x) => x.rows ?? []);
      return { ...base, columns: first?.columns ?? [], rows, rowCount: results.reduce((n, x) => n + x.rowCount, 0), command: first?.command };
    }
    const results: ConsoleResult[] = [];
    for (const e of route.endpoints) {
      const r = await run(e, route.op.statements[0].sql);
      if (r.error) return { ...r, node: app, query: sql };
      results.push(r);
    }
    const merged = mergeShardRows(route.plan, results, ShardRouter.param(op, []));
    if (!merged.ok) return { ...base, error: simError('scatter_not_mergeable', { detail: merged.refused }) };
    return { ...base, columns: merged.columns, types: merged.types, rows: merged.rows, rowCount: merged.rows.length, command: 'SELECT' };
  } finally {
    router.release(id);
  }
}
