/**
 * A pgdog node's console. SQL is answered by routing it as the workload's statements are routed (a key: its
 * shard; none: every shard, rows merged; sim/nodes/proxy/shardConsole.ts), with two things of PgDog's own:
 * - `EXPLAIN <statement>` with expanded_explain on: the chosen shard's own plan followed by PgDog's routing
 *   annotation, as PgDog prints it ("PgDog Routing:", "Summary: shard=0 role=primary", then a line per
 *   shard saying why): the key found, its hash or range, the shard chosen and why;
 * - `SHOW POOLS`, the admin database's command: a row per server pool (each shard member), with PgDog's
 *   columns (https://docs.pgdog.dev/administration/pools/).
 * The statement runs now, outside virtual time, as on every console.
 */
import type { ConsoleResult } from '../../core/contracts.ts';
import { isSqlEndpoint, type SimContext } from '../types.ts';
import type { RouteExplain } from '../proxy/ShardRouter.ts';
import { consoleOperation, EXPLAIN, shardedConsole } from '../proxy/shardConsole.ts';
import type { PgDogNode } from './PgDogNode.ts';

export async function pgdogConsole(ctx: SimContext, node: PgDogNode, sql: string): Promise<ConsoleResult> {
  const base = { node: node.id, query: sql, columns: [] as string[], rows: [] as unknown[][], rowCount: 0 };
  if (/^\s*show\s+pools\s*;?\s*$/i.test(sql)) return showPools(ctx, node, base);
  const router = node.shards;
  if (!router) {
    const upstream = node.upstreams()[0];
    const target = upstream ? ctx.node(upstream) : undefined;
    return target?.console ? { ...(await target.console(sql)), node: node.id, query: sql } : { ...base, error: { code: 'no_route', severity: 'ERROR', message: 'no database node behind this router' } };
  }
  const explain = EXPLAIN.exec(sql);
  if (!explain || node.settings.expanded_explain !== 'true') return shardedConsole(ctx, node.id, router, sql);
  const { op, id } = consoleOperation(sql.slice(explain[0].length));
  const route = router.explain(op, []);
  const shards = router.map.shards;
  const annotation = routingLines(route, shards);
  let plan: unknown[][] = [];
  let columns = ['QUERY PLAN'];
  if (route.route !== 'error') {
    // the plan of the first shard it goes to, on the member the read policy picks for it
    const r = router.shardRouter(route.shards[0])!;
    const endpoint = r.route({ id, op });
    r.release(id);
    const target = endpoint ? ctx.node(endpoint) : undefined;
    if (target?.console) {
      const res = await target.console(sql);
      if (res.error) return { ...res, node: node.id, query: sql };
      plan = res.rows;
      columns = res.columns;
    }
    const role = endpoint && r.roles().primary !== endpoint ? 'replica' : 'primary';
    annotation[1] = `Summary: shard=${route.shards.length === shards.length && shards.length > 1 ? 'all' : route.shards.map((s) => shards.indexOf(s)).join(',')} role=${role}`;
  }
  const rows = [...plan, [''], ...annotation.map((line) => [line])];
  return { ...base, columns, rows, rowCount: rows.length, command: 'EXPLAIN' };
}

/** PgDog's routing annotation of a route explain: the summary, then why each shard is in it. */
function routingLines(route: RouteExplain, shards: readonly string[]): string[] {
  const lines = ['PgDog Routing:', `Summary: ${route.route === 'error' ? 'refused' : 'shard=?'}`];
  if (route.route === 'error') {
    lines.push(`${route.error?.message ?? 'refused'}: ${route.reason}`);
    return lines;
  }
  for (const s of route.shards) {
    const keys = route.keys.filter((k) => k.shard === s);
    const why = keys.length
      ? keys
          .map((k) => `matched sharding key ${k.table ? `${k.table}.${k.column} ` : ''}using ${k.source === 'constant' ? 'constant' : `parameter ${k.source}`} ${k.key}: ${k.why}`)
          .join('; ')
      : route.reason;
    lines.push(`Shard ${shards.indexOf(s)} (${s}): ${why}`);
  }
  if (route.merge) lines.push(`Merge: ${route.merge === 'aggregates' ? 'aggregates combined' : 'rows merged under ORDER BY and LIMIT'} by PgDog`);
  return lines;
}

/** SHOW POOLS: one row per server pool, PgDog's columns. */
function showPools(ctx: SimContext, node: PgDogNode, base: ConsoleResult): ConsoleResult {
  const columns = [
    'id', 'database', 'user', 'addr', 'port', 'shard', 'role', 'cl_waiting', 'sv_idle', 'sv_active', 'sv_total', 'maxwait', 'maxwait_us',
    'pool_mode', 'paused', 'banned', 'errors', 're_synced', 'out_of_sync', 'online', 'replica_lag', 'schema_admin',
  ];
  const router = node.shards;
  const rows = node.poolList().map(({ upstream, pool }, i) => {
    const shard = router ? router.map.shards.findIndex((s) => router.shardRouter(s)!.roles().primary === upstream || router.shardRouter(s)!.roles().replicas.includes(upstream)) : 0;
    const primary = router ? router.shardRouter(router.map.shards[shard])?.roles().primary === upstream : i === 0;
    const up = ctx.node(upstream);
    const state = isSqlEndpoint(up) ? up.replicationState?.() : undefined;
    const open = pool?.open ?? 0;
    const busy = pool?.busy ?? 0;
    return [
      i + 1, 'postgres', 'postgres', upstream, 5432, shard, primary ? 'primary' : 'replica', pool?.waiting ?? 0, open - busy, busy, open, 0, 0,
      'transaction', 'f', 'f', 0, 0, 0, state?.up === false ? 'f' : 't', state && !primary ? Math.round(state.lagUs / 1000) : 0, 'f',
    ];
  });
  return { ...base, columns, rows, rowCount: rows.length, command: 'SHOW' };
}
