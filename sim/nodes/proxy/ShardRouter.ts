/**
 * The shard router of the data path, one copy for every place it runs: in an app (the seed's
 * application-level `ShardRouter`, beside its DatabaseRouter) and in a shard-router proxy node (`pgdog`,
 * between apps and shards). It finds the shard key in each statement of a request
 * (sim/sharding/statement.ts, once per operation), maps each key to its shard with the scenario's shard map
 * (`shardLocator`, the function that split the data at load), and leaves the choice among a shard's primary
 * and replicas to a DatabaseRouter of that shard (the read policy of the node it runs in).
 *
 * - Keys on one shard: that shard. Statements on tables the map does not distribute read any shard's copy
 *   (they are whole on every shard: reference tables); writing them would touch every shard.
 * - A read-only single statement with no key, or keys on several shards: every shard it needs, and the
 *   rows merged (sim/sharding/merge.ts) when the merge is correct; refused (scatter_not_mergeable) when not.
 * - A transaction, or a write, that needs two shards: refused (cross_shard_transaction), naming both; in a
 *   router that commits in two phases (an app's under the map's `transaction_mode: TWOPC`, a pgdog node's
 *   with `two_phase_commit`), each shard runs its part (the statements whose keys are on it) and the parts
 *   commit atomically with two-phase commit (twoPhaseCommit.ts).
 *
 * `explain` says the same decision without taking it (no figures counted, no replica picked): the key
 * found, its hash or range, the shard chosen and why (route explain, in a console and in the app).
 */
import { type SimError, simError } from '../../core/errors.ts';
import type { Rng } from '../../core/rng.ts';
import type { ShardFigures } from '../../sharding/figures.ts';
import { keyLiteral, parseKey } from '../../sharding/keys.ts';
import { mergeCostUs } from '../../sharding/merge.ts';
import { type ShardMap, shardLocator, shardMembers, shardNodes } from '../../sharding/shardMap.ts';
import { analyseStatement, type KeySource, type MergePlan, routeFacts, type StatementShape } from '../../sharding/statement.ts';
import { isReadOnlySql, type PreparedOperation } from '../../workload/operations.ts';
import { isSqlEndpoint, type SimContext } from '../types.ts';
import { DatabaseRouter, type ReadRouting } from './DatabaseRouter.ts';

interface Request {
  id: number;
  op: PreparedOperation;
  params: readonly unknown[];
  session?: number;
}

export type ShardRoute =
  /** One shard; `endpoint` is its primary or a replica, as the read policy chose. */
  | { kind: 'one'; shard: string; endpoint: string }
  /**
   * Several shards; `op` is what each runs (avg asked as sum and count), `plan` how their rows merge,
   * `mergeUs` the merge's modelled time after the slowest shard (mergeCostUs).
   */
  | { kind: 'scatter'; shards: string[]; endpoints: string[]; op: PreparedOperation; plan: MergePlan; mergeUs: number }
  /**
   * A two-phase commit over several shards: shard i runs `ops[i]`, the statements of the request whose keys are
   * on it (a statement on no distributed table: the first shard's part), then the two phases follow.
   */
  | { kind: 'twopc'; shards: string[]; endpoints: string[]; ops: PreparedOperation[] }
  | { kind: 'error'; error: SimError };

/** One key a statement fixes, and where it goes. */
export interface KeyExplain {
  /** The statement of the request (0-based). */
  statement: number;
  /** Where the value comes from: `$n` or a constant. */
  source: string;
  /** The distributed table and column it was found on (routeFacts of the statement's parse tree). */
  table?: string;
  column?: string;
  /** The key as a SQL literal of the key type. */
  key: string;
  shard: string | null;
  /** Its hash or range and the rule that picked the shard (shardLocator's why). */
  why: string;
}

/** Route explain: what the router does with a request and why, without doing it. */
export interface RouteExplain {
  route: 'one' | 'scatter' | 'twopc' | 'error';
  /** The shards it goes to, in the map's order. */
  shards: string[];
  /** Why these shards: the key found, or why there is none. */
  reason: string;
  keys: KeyExplain[];
  /** How a scatter's rows merge (`rows` under ORDER BY/LIMIT, or `aggregates`). */
  merge?: MergePlan['kind'];
  error?: SimError;
}

type Decision =
  | { kind: 'one' | 'scatter'; shards: string[]; plan?: MergePlan; explain: RouteExplain }
  /** `parts[i]`: the statements (indexes) shard i runs. */
  | { kind: 'twopc'; shards: string[]; parts: number[][]; explain: RouteExplain }
  | { kind: 'error'; error: SimError; count?: 'crossShard' | 'unmergeable'; explain: RouteExplain };

export class ShardRouter {
  private locator: { map: ShardMap; locate: ReturnType<typeof shardLocator> } | undefined;
  private readonly routers = new Map<string, DatabaseRouter>();
  private readonly shapes = new Map<PreparedOperation, StatementShape[]>();
  private readonly scatterOps = new Map<PreparedOperation, PreparedOperation>();
  /** The part of an operation each shard of a two-phase commit runs, by operation and statement indexes. */
  private readonly partOps = new Map<PreparedOperation, Map<string, PreparedOperation>>();

  constructor(
    ctx: SimContext,
    /** The run's shard map (a reshard replaces it) and figures. */
    private readonly sharding: { readonly map: ShardMap; readonly figures: ShardFigures },
    upstreams: () => string[],
    settings: () => ReadRouting,
    rng: (shard: string) => Rng,
    /**
     * Whether this router commits a transaction over several shards in two phases now, under `map`: the name
     * of what enables it (`transaction_mode TWOPC` in an app's, `two_phase_commit` in a pgdog node's), or
     * undefined (refused: cross_shard_transaction).
     */
    private readonly twoPhaseCommit: (map: ShardMap) => string | undefined = () => undefined,
  ) {
    const replicasOf = (id: string) => ctx.net.targets(id).filter((t) => isSqlEndpoint(ctx.node(t)));
    const all = shardNodes(sharding.map);
    for (const shard of all) {
      const members = () => {
        const owner = shardMembers(all, replicasOf);
        return upstreams().filter((u) => owner.get(u) === shard);
      };
      this.routers.set(shard, new DatabaseRouter(ctx, members, settings, rng(shard)));
    }
  }

  /** The shard map in force. */
  get map(): ShardMap {
    return this.sharding.map;
  }

  private get figures(): ShardFigures {
    return this.sharding.figures;
  }

  /** The map's routing function, rebuilt when a reshard replaced the map. */
  private get locate(): ReturnType<typeof shardLocator> {
    if (this.locator?.map !== this.map) this.locator = { map: this.map, locate: shardLocator(this.map) };
    return this.locator.locate;
  }

  /** The DatabaseRouter of a shard. */
  shardRouter(shard: string): DatabaseRouter | undefined {
    return this.routers.get(shard);
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

  /**
   * Route explain for a request: the decision `route` would take, taking none of it, with the parser's facts
   * (the table and column each key was found on; why a statement has none).
   */
  explain(op: PreparedOperation, params: readonly unknown[]): RouteExplain {
    const e = this.decide(op, params).explain;
    const facts = op.statements.map((st) => routeFacts(st.sql, this.map));
    const keys = e.keys.map((k) => {
      const f = facts[k.statement].keys.find((x) => ('param' in x.source ? `$${x.source.param}` : 'constant') === k.source);
      return f ? { ...k, table: f.table, column: f.column } : k;
    });
    const why = facts.find((f) => f.tables.length > 0 && f.why)?.why;
    return { ...e, keys, ...(why && e.keys.length === 0 ? { reason: `${e.reason} (${why})` } : {}) };
  }

  /** The shards a request needs, and why. */
  private decide(op: PreparedOperation, params: readonly unknown[]): Decision {
    const shapes = this.shapesOf(op);
    const all = this.map.shards;
    const keys: KeyExplain[] = [];
    const needed: string[] = [];
    /** The shards each statement's keys are on (none: no distributed table, or no key). */
    const statementShards: string[][] = shapes.map(() => []);
    let keyless: StatementShape | undefined;
    const refuse = (shards: readonly string[], reason: string, error: SimError, count?: 'crossShard' | 'unmergeable'): Decision => ({
      kind: 'error',
      error,
      ...(count ? { count } : {}),
      explain: { route: 'error', shards: [...shards], reason, keys, error },
    });
    for (const [i, shape] of shapes.entries()) {
      const st = op.statements[i];
      if (!shape.distributed) {
        if (op.writes && shape.command !== 'select') {
          const why = 'writes a table that is whole on every shard';
          return refuse(all, `statement ${i + 1} ${why}`, this.crossShardError(all, why), 'crossShard');
        }
        continue;
      }
      if (shape.keys.length === 0) keyless = shape;
      for (const k of shape.keys) {
        const raw = 'param' in k ? params[st.paramIndexes[k.param - 1]] : k.literal;
        const source = 'param' in k ? `$${k.param}` : 'constant';
        const parsed = parseKey(this.map.key_type, raw);
        if (!parsed.ok) return refuse([], `statement ${i + 1}: the key ${String(raw)} is not a ${this.map.key_type}`, parsed.error);
        const { shard, why } = this.locate(parsed.key);
        keys.push({ statement: i, source, key: keyLiteral(this.map.key_type, parsed.key), shard, why });
        if (shard === null) return refuse([], why, simError('no_shard_for_key', { detail: `key ${String(raw)}` }));
        if (!needed.includes(shard)) needed.push(shard);
        if (!statementShards[i].includes(shard)) statementShards[i].push(shard);
      }
    }
    const shards = keyless ? [...all] : needed.length > 0 ? all.filter((s) => needed.includes(s)) : [all[0]];
    const reason = keyless
      ? `statement ${shapes.indexOf(keyless) + 1} has no sharding key: every shard`
      : needed.length === 0
        ? 'no distributed table: any shard holds these tables whole'
        : `matched the sharding key (${keys.map((k) => `${k.source} = ${k.key}`).join(', ')})`;
    if (shards.length === 1) return { kind: 'one', shards, explain: { route: 'one', shards, reason, keys } };
    const twoPhase = this.twoPhaseCommit(this.map);
    if ((op.transaction || op.writes || shapes.length > 1) && !keyless && twoPhase) {
      const parts = shards.map((s, j) => statementShards.flatMap((on, i) => (on.includes(s) || (on.length === 0 && j === 0) ? [i] : [])));
      return { kind: 'twopc', shards, parts, explain: { route: 'twopc', shards, reason: `${reason}; two-phase commit (${twoPhase})`, keys } };
    }
    if (op.transaction || op.writes || shapes.length > 1) {
      const why = keyless ? 'has a statement without a shard key' : 'has keys on several shards';
      return refuse(shards, `${reason}; a transaction runs on one shard`, this.crossShardError(shards, why), 'crossShard');
    }
    const merge = shapes[0].merge;
    if (!merge || 'refused' in merge) {
      const detail = merge && 'refused' in merge ? merge.refused : 'not a SELECT';
      return refuse(shards, `${reason}; ${detail}`, simError('scatter_not_mergeable', { detail }), 'unmergeable');
    }
    return { kind: 'scatter', shards, plan: merge, explain: { route: 'scatter', shards, reason, keys, merge: merge.kind } };
  }

  /** The shards a request needs and where each of its shards' statements goes (counted in the run's figures). */
  route(req: Request): ShardRoute {
    const d = this.decide(req.op, req.params);
    if (d.kind === 'error') {
      if (d.count) this.figures[d.count]++;
      return { kind: 'error', error: d.error };
    }
    const endpoints: string[] = [];
    for (const s of d.shards) {
      const e = this.routers.get(s)!.route(req);
      if (!e) return { kind: 'error', error: simError('no_route') };
      endpoints.push(e);
    }
    this.figures.routed(d.shards, d.kind === 'twopc');
    if (d.kind === 'twopc') return { kind: 'twopc', shards: d.shards, endpoints, ops: d.parts.map((p) => this.partOp(req.op, p)) };
    if (d.kind === 'one') return { kind: 'one', shard: d.shards[0], endpoint: endpoints[0] };
    const plan = d.plan!;
    const limit = plan.kind === 'rows' && plan.limit ? Number(ShardRouter.param(req.op, req.params)(plan.limit)) : undefined;
    return { kind: 'scatter', shards: d.shards, endpoints, op: this.scatterOp(req.op, plan), plan, mergeUs: mergeCostUs(plan, d.shards.length, limit) };
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

  /**
   * A shard's part of a two-phase commit: the statements `indexes` of `op` (the same objects, so a part's
   * statement is its own statement), marked `twoPhase` (its node rolls it back: twoPhaseCommit.ts commits it).
   */
  private partOp(op: PreparedOperation, indexes: number[]): PreparedOperation {
    let parts = this.partOps.get(op);
    if (!parts) this.partOps.set(op, (parts = new Map()));
    const key = indexes.join();
    let part = parts.get(key);
    if (!part) {
      const statements = indexes.map((i) => op.statements[i]);
      const readOnly = statements.every((st) => isReadOnlySql(st.sql));
      parts.set(key, (part = { ...op, statements, readOnly, writes: !readOnly, twoPhase: true }));
    }
    return part;
  }

  private crossShardError(shards: readonly string[], why: string): SimError {
    return simError('cross_shard_transaction', {
      message: `transaction touches more than one shard: ${shards[0]} and ${shards[1]}`,
      detail: `The request ${why}; a transaction runs on one shard.`,
    });
  }
}
