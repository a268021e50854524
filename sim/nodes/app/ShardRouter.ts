/**
 * The seed's application-level shard router, beside the DatabaseRouter: it finds the shard key in each
 * statement of a request (sim/sharding/statement.ts, once per operation), maps each key to its shard with the
 * scenario's shard map (`shardLocator`, the function that split the data at load), and leaves the choice
 * among a shard's primary and replicas to a DatabaseRouter of that shard (the app's read_policy).
 *
 * - Keys on one shard: that shard. Statements on tables the map does not distribute read any shard's copy
 *   (they are whole on every shard: reference tables); writing them would touch every shard.
 * - A read-only single statement with no key, or keys on several shards: every shard it needs, and the
 *   rows merged (sim/sharding/merge.ts) when the merge is correct; refused (scatter_not_mergeable) when not.
 * - A transaction, or a write, that needs two shards: refused (cross_shard_transaction), naming both.
 */
import { type SimError, simError } from '../../core/errors.ts';
import type { Rng } from '../../core/rng.ts';
import type { ShardFigures } from '../../sharding/figures.ts';
import { parseKey } from '../../sharding/keys.ts';
import { type ShardMap, shardLocator, shardMembers } from '../../sharding/shardMap.ts';
import { analyseStatement, type KeySource, type MergePlan, type StatementShape } from '../../sharding/statement.ts';
import type { PreparedOperation } from '../../workload/operations.ts';
import { isSqlEndpoint, type SimContext } from '../types.ts';
import { DatabaseRouter } from './DatabaseRouter.ts';
import type { AppSettings } from './settings.ts';

interface Request {
  id: number;
  op: PreparedOperation;
  params: readonly unknown[];
  session?: number;
}

export type ShardRoute =
  /** One shard; `endpoint` is its primary or a replica, as the read policy chose. */
  | { kind: 'one'; shard: string; endpoint: string }
  /** Several shards; `op` is what each runs (avg asked as sum and count), `plan` how their rows merge. */
  | { kind: 'scatter'; shards: string[]; endpoints: string[]; op: PreparedOperation; plan: MergePlan }
  | { kind: 'error'; error: SimError };

export class ShardRouter {
  private readonly locate: ReturnType<typeof shardLocator>;
  private readonly routers = new Map<string, DatabaseRouter>();
  private readonly shapes = new Map<PreparedOperation, StatementShape[]>();
  private readonly scatterOps = new Map<PreparedOperation, PreparedOperation>();

  constructor(
    ctx: SimContext,
    readonly map: ShardMap,
    private readonly figures: ShardFigures,
    upstreams: () => string[],
    settings: () => AppSettings,
    rng: (shard: string) => Rng,
  ) {
    this.locate = shardLocator(map);
    const replicasOf = (id: string) => ctx.net.targets(id).filter((t) => isSqlEndpoint(ctx.node(t)));
    for (const shard of map.shards) {
      const members = () => {
        const owner = shardMembers(map.shards, replicasOf);
        return upstreams().filter((u) => owner.get(u) === shard);
      };
      this.routers.set(shard, new DatabaseRouter(ctx, members, settings, rng(shard)));
    }
  }

  /** The DatabaseRouter of the shard `endpoint` serves (read-your-writes positions are per primary). */
  routerOf(endpoint: string): DatabaseRouter | undefined {
    for (const r of this.routers.values()) if (r.roles().primary === endpoint || r.roles().replicas.includes(endpoint)) return r;
    return undefined;
  }

  release(requestId: number): void {
    for (const r of this.routers.values()) r.release(requestId);
  }

  private shapesOf(op: PreparedOperation): StatementShape[] {
    let s = this.shapes.get(op);
    if (!s) this.shapes.set(op, (s = op.statements.map((st) => analyseStatement(st.sql, this.map))));
    return s;
  }

  /** The shards a request needs and where each of its shards' statements goes. */
  route(req: Request): ShardRoute {
    const { op } = req;
    const shapes = this.shapesOf(op);
    const needed: string[] = [];
    const all = this.map.shards;
    let keyless: StatementShape | undefined;
    for (const [i, shape] of shapes.entries()) {
      const st = op.statements[i];
      if (!shape.distributed) {
        if (op.writes && shape.command !== 'select') return this.crossShard(all, 'writes a table that is whole on every shard');
        continue;
      }
      if (shape.keys.length === 0) keyless = shape;
      for (const k of shape.keys) {
        const raw = 'param' in k ? req.params[st.paramIndexes[k.param - 1]] : k.literal;
        const parsed = parseKey(this.map.key_type, raw);
        if (!parsed.ok) return { kind: 'error', error: parsed.error };
        const { shard } = this.locate(parsed.key);
        if (shard === null) return { kind: 'error', error: simError('no_shard_for_key', { detail: `key ${String(raw)}` }) };
        if (!needed.includes(shard)) needed.push(shard);
      }
    }
    const shards = keyless ? [...all] : needed.length > 0 ? all.filter((s) => needed.includes(s)) : [all[0]];
    if (shards.length === 1) {
      const endpoint = this.routers.get(shards[0])!.route(req);
      if (!endpoint) return { kind: 'error', error: simError('no_route') };
      this.figures.routed(shards);
      return { kind: 'one', shard: shards[0], endpoint };
    }
    if (op.transaction || op.writes || shapes.length > 1) {
      return this.crossShard(shards, keyless ? 'has a statement without a shard key' : 'has keys on several shards');
    }
    const merge = shapes[0].merge;
    if (!merge || 'refused' in merge) {
      this.figures.unmergeable++;
      return { kind: 'error', error: simError('scatter_not_mergeable', { detail: merge && 'refused' in merge ? merge.refused : 'not a SELECT' }) };
    }
    const endpoints: string[] = [];
    for (const s of shards) {
      const e = this.routers.get(s)!.route(req);
      if (!e) return { kind: 'error', error: simError('no_route') };
      endpoints.push(e);
    }
    this.figures.routed(shards);
    return { kind: 'scatter', shards, endpoints, op: this.scatterOp(op, merge), plan: merge };
  }

  /** The value of a merge's LIMIT for these parameters. */
  static param(op: PreparedOperation, params: readonly unknown[]): (k: KeySource) => unknown {
    return (k) => ('param' in k ? params[op.statements[0].paramIndexes[k.param - 1]] : k.literal);
  }

  private scatterOp(op: PreparedOperation, plan: MergePlan): PreparedOperation {
    if (plan.kind !== 'aggregates' || plan.shardSql === op.statements[0].sql) return op;
    let s = this.scatterOps.get(op);
    if (!s) this.scatterOps.set(op, (s = { ...op, statements: [{ ...op.statements[0], sql: plan.shardSql }] }));
    return s;
  }

  private crossShard(shards: readonly string[], why: string): ShardRoute {
    this.figures.crossShard++;
    return {
      kind: 'error',
      error: simError('cross_shard_transaction', {
        message: `transaction touches more than one shard: ${shards[0]} and ${shards[1]}`,
        detail: `The request ${why}; a transaction runs on one shard.`,
      }),
    };
  }
}
