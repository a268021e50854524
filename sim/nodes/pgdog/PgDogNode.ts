/**
 * A `pgdog` node: a shard router in the data path, between apps and shards, as PgDog (or Citus'
 * coordinator, Vitess' vtgate) sits there. For apps it is a SqlEndpoint; for the shards it is a client with
 * a pool of server connections per shard member (default_pool_size, checkout_timeout). Its routing hook is
 * the ShardRouter an app uses (sim/nodes/proxy/ShardRouter.ts: the same code, one copy):
 * - a statement with its key goes to its shard (the shard's primary, or a replica for a read outside a
 *   transaction, by load_balancing_strategy);
 * - a read without a key fans out to every shard and the replies are merged, the merge's modelled time after
 *   the slowest shard (sim/sharding/merge.ts), a real client's with their rows (serve/);
 * - a transaction binds the client to one shard's server connection from its first statement to COMMIT
 *   (PgDog answers BEGIN itself and sends it with the first statement, once the shard is known); a
 *   transaction that needs two shards is refused, naming both, unless `two_phase_commit` is on: then each
 *   statement goes to its shard's server connection (one per shard, BEGIN sent with its first statement) and
 *   the COMMIT is two-phase commit over them (sim/nodes/proxy/twoPhaseCommit.ts, as an app's router does);
 *   a single write over two shards is one too.
 * PgDog pools in transaction mode: a server connection goes back to its pool after each statement outside a
 * transaction, and at the end of a transaction.
 */
import { type SimError, simError } from '../../core/errors.ts';
import { type Link, oneWayUs } from '../../net/Link.ts';
import { timeUs } from '../../scenario/settings.ts';
import { mergeShardRows } from '../../sharding/merge.ts';
import type { KeySource, MergePlan } from '../../sharding/statement.ts';
import { ClientPool } from '../proxy/ClientPool.ts';
import { ProxyNode, type Route } from '../proxy/ProxyNode.ts';
import { type RouteExplain, ShardRouter } from '../proxy/ShardRouter.ts';
import { explainStatement } from '../proxy/shardConsole.ts';
import { type TwoPhasePart, twoPhaseGid, twoPhases } from '../proxy/twoPhaseCommit.ts';
import type { ClientInfo, Connection, ConsoleResult, NodeSnapshot, NodeSpec, Reply, ReportBlock, SimContext, SqlEndpoint, StatementCall } from '../types.ts';
import { pgdogConsole } from './console.ts';
import { type PgDogSettings, readRouting } from './settings.ts';

type SqlLink = Link<StatementCall, Reply>;

/** A client connection and the server connection its transaction holds. */
interface Client {
  conn: Connection;
  info: ClientInfo;
  inTransaction: boolean;
  server?: { link: SqlLink; pool: ClientPool };
  /** The request id the ShardRouter knows its transaction by. */
  request?: number;
  /** A transaction over several shards under two_phase_commit. */
  twoPhase?: TwoPhaseTransaction;
  /** The server connections its statement runs on now (a scatter's: one a shard), for a CancelRequest. */
  running: Set<SqlLink>;
}

type Server = { link: SqlLink; pool: ClientPool };

/** A transaction over several shards: each shard's part, its server connection once a statement went there. */
interface TwoPhaseTransaction {
  parts: TwoPhasePart[];
  servers: (Server | undefined)[];
  /** Statement k of the transaction: the parts it is in (those of the shards its keys are on), and its index in each. */
  places: [number, number][][];
  /** The workload client (read-your-writes). */
  session?: number;
}

/** What the routing hook routes: one statement of a client. */
interface Statement {
  client: Client;
  call: Extract<StatementCall, { kind: 'sql' }>;
  request: number;
  /** A single write over several shards under two_phase_commit: each shard's part. */
  parts?: TwoPhasePart[];
}

/** A pgdog node's live figures. */
export interface PgDogSnapshot extends NodeSnapshot {
  kind: 'pgdog';
  /** Client connections waiting for a server connection, all pools. */
  cl_waiting: number;
  /** Server connections open, all pools. */
  serverConnections: number;
  /** Statements sent to every shard (cross-shard reads). */
  crossShard: number;
}

export class PgDogNode extends ProxyNode<PgDogSettings, Statement, Reply> implements SqlEndpoint {
  readonly kind = 'pgdog';
  /** Keys to shards (undefined: the scenario is not sharded, and every statement goes to the first upstream). */
  readonly shards: ShardRouter | undefined;
  /** Route explain, when sharded (without a map every statement goes to the first upstream: nothing to explain). */
  readonly explainRoute?: (sql: string, params?: readonly unknown[]) => RouteExplain;
  private readonly clients = new Map<number, Client>();
  private readonly pools = new Map<string, ClientPool>();
  private nextConn = 1;
  private nextRequest = 1;
  private crossShard = 0;

  constructor(ctx: SimContext, spec: NodeSpec<PgDogSettings>) {
    super(ctx, spec);
    const sharding = ctx.sharding;
    this.shards = sharding
      ? new ShardRouter(ctx, sharding, () => this.upstreams(), () => readRouting(this.settings), (s) => ctx.rng(`router:${spec.id}:${s}`), () =>
          this.settings.two_phase_commit === 'true' ? 'two_phase_commit' : undefined,
        )
      : undefined;
    const shards = this.shards;
    if (shards) this.explainRoute = (sql, params) => explainStatement(shards, sql, params);
  }

  private pool(upstream: string): ClientPool {
    let p = this.pools.get(upstream);
    if (!p) {
      const info: ClientInfo = { app: this.id, instance: 0, applicationName: 'PgDog' };
      p = new ClientPool(this.ctx.scheduler, this.settings.default_pool_size, timeUs(this.settings.checkout_timeout), (done) =>
        this.connectUpstream(upstream, info, done),
      );
      this.pools.set(upstream, p);
    }
    return p;
  }

  /** The routing hook: the client's bound server, else the ShardRouter's choice (a scatter fans out and merges). */
  protected route(s: Statement): Route<Reply> {
    if (s.client.server) return { kind: 'forward', upstream: s.client.server.link.to };
    if (!this.shards) {
      const upstream = this.upstreams()[0];
      return upstream ? { kind: 'forward', upstream } : { kind: 'answer', reply: { ok: false, error: simError('no_route') } };
    }
    const r = this.shards.route({ id: s.request, op: s.call.op, params: s.call.params, session: s.call.session });
    if (r.kind === 'error') return { kind: 'answer', reply: { ok: false, error: r.error } };
    if (r.kind === 'one') return { kind: 'forward', upstream: r.endpoint };
    if (r.kind === 'twopc') {
      const parts = r.endpoints.map((endpoint, i) => ({ endpoint, op: r.ops[i], params: s.call.params }));
      if (!s.client.inTransaction) {
        s.parts = parts;
        return { kind: 'fan-out', upstreams: r.endpoints, merge: mergeReplies };
      }
      // statement k of the transaction goes to its part's shard, as the part's statement i
      const places = s.call.op.statements.map((st) => r.ops.flatMap((o, j): [number, number][] => (o.statements.includes(st) ? [[j, o.statements.indexOf(st)]] : [])));
      s.client.twoPhase = { parts, servers: parts.map(() => undefined), places, session: s.call.session };
      return { kind: 'answer', reply: { ok: true } };
    }
    this.crossShard++;
    const asked = s.call;
    s.call = { ...s.call, op: r.op };
    // a real client's read (serve/) gets the shards' rows merged, as one PostgreSQL holding all the data returns them
    const merge = asked.op.maxRows ? (replies: Reply[]) => withMergedRows(replies, r.plan, ShardRouter.param(asked.op, asked.params)) : mergeReplies;
    return { kind: 'fan-out', upstreams: r.endpoints, merge, mergeUs: r.mergeUs };
  }

  // ---- the SqlEndpoint apps see ----

  connect(info: ClientInfo, done: (r: { conn: Connection } | { error: SimError }) => void): void {
    const conn: Connection = { id: this.nextConn++, endpoint: this.id, dead: false };
    this.clients.set(conn.id, { conn, info, inTransaction: false, running: new Set() });
    this.ctx.metrics.connections(this.id, 1);
    done({ conn });
  }

  execute(conn: Connection, call: StatementCall, done: (r: Reply) => void): void {
    const client = this.clients.get(conn.id);
    if (!client) {
      done({ ok: false, error: simError('no_route') });
      return;
    }
    const reply = (r: Reply) => {
      this.ctx.metrics.query(this.id, !r.ok);
      done(r);
    };
    if (call.kind === 'begin') {
      client.inTransaction = true;
      client.request = this.nextRequest++;
      reply({ ok: true });
      return;
    }
    if (call.kind !== 'sql') {
      this.endTransaction(client, call, reply);
      return;
    }
    const request = client.inTransaction ? client.request! : this.nextRequest++;
    const statement: Statement = { client, call, request };
    const route = client.twoPhase ? undefined : this.route(statement);
    if (!route || client.twoPhase) {
      this.twoPhaseStatement(client.twoPhase!, call, reply);
      return;
    }
    const parts = statement.parts;
    this.dispatch(
      route,
      (upstream, back) => this.runOn(client, upstream, statement, back),
      (r) => {
        if (!client.inTransaction) this.shards?.release(request);
        if (parts) this.commitTwoPhase(parts, r, call.session, reply);
        else reply(r);
      },
    );
  }

  /**
   * A statement of a transaction over several shards: on the server connection of each shard whose part it
   * is in (BEGIN with a shard's first), the replies merged.
   */
  private twoPhaseStatement(tx: TwoPhaseTransaction, call: Extract<StatementCall, { kind: 'sql' }>, done: (r: Reply) => void): void {
    const places = tx.places[call.index];
    const replies: Reply[] = [];
    let left = places.length;
    for (const [i, [j, index]] of places.entries()) {
      const part = tx.parts[j];
      const back = (r: Reply) => {
        replies[i] = r;
        if (--left === 0) done(mergeReplies(replies));
      };
      const run = (server: Server) => this.callUpstream(server.link, { ...call, op: part.op, index }, back);
      const bound = tx.servers[j];
      if (bound) {
        run(bound);
        continue;
      }
      const pool = this.pool(part.endpoint);
      pool.acquire((g) => {
        if ('error' in g) return back({ ok: false, error: g.error });
        const server = (tx.servers[j] = { link: g.link, pool });
        this.callUpstream(g.link, { kind: 'begin', trace: call.trace }, (b) => (b.ok ? run(server) : back(b)));
      });
    }
  }

  /**
   * The two phases after every shard's part replied (twoPhaseCommit.ts), each a round trip to the farthest
   * shard; the commit is a write on each shard (read-your-writes positions).
   */
  private commitTwoPhase(parts: TwoPhasePart[], r: Reply, session: number | undefined, done: (r: Reply) => void): void {
    const rttUs = Math.max(...parts.map((p) => 2 * oneWayUs(this.ctx.net.edge(this.id, p.endpoint))));
    const error = r.ok ? undefined : r.error;
    twoPhases(this.ctx, twoPhaseGid(this.id), parts, rttUs, error, r.ok && r.outcome ? [r.outcome] : [], (end) => {
      end.positions.forEach((at, i) => {
        if (at !== undefined) this.shards?.routerOf(parts[i].endpoint)?.wrote(session, at);
      });
      done(end.error ? { ok: false, error: end.error } : { ok: true });
    });
  }

  /** Runs a statement on a server connection of `upstream`: the client's bound one, or one from the pool. */
  private runOn(client: Client, upstream: string, s: Statement, done: (r: Reply) => void): void {
    const bound = client.server;
    const part = s.parts?.find((p) => p.endpoint === upstream);
    const call = part ? { ...s.call, op: part.op } : s.call;
    const wrote = (r: Reply) => {
      if (r.ok && r.position !== undefined) this.shards?.routerOf(upstream)?.wrote(call.session, r.position);
    };
    // the statement's run on a server connection, which a CancelRequest meanwhile reaches
    const run = (link: SqlLink, done: (r: Reply) => void) => {
      client.running.add(link);
      this.callUpstream(link, call, (r) => {
        client.running.delete(link);
        done(r);
      });
    };
    if (bound) {
      run(bound.link, (r) => {
        wrote(r);
        done(r);
      });
      return;
    }
    const pool = this.pool(upstream);
    pool.acquire((g) => {
      if ('error' in g) return done({ ok: false, error: g.error });
      if (!client.inTransaction) {
        return run(g.link, (r) => {
          pool.release(g.link);
          wrote(r);
          done(r);
        });
      }
      // the transaction's BEGIN goes with its first statement, now that its shard is known
      client.server = { link: g.link, pool };
      this.callUpstream(g.link, { kind: 'begin', trace: call.trace }, (b) => {
        if (!b.ok) return done(b);
        run(g.link, (r) => {
          wrote(r);
          done(r);
        });
      });
    });
  }

  /** COMMIT or ROLLBACK: on the transaction's server connection, which then goes back to its pool. */
  private endTransaction(client: Client, call: StatementCall, done: (r: Reply) => void): void {
    const server = client.server;
    const request = client.request;
    const tx = client.twoPhase;
    client.inTransaction = false;
    client.server = undefined;
    client.request = undefined;
    client.twoPhase = undefined;
    const finish = (r: Reply) => {
      if (request !== undefined) this.shards?.release(request);
      done(r);
    };
    if (tx) {
      this.endTwoPhase(tx, call, finish);
      return;
    }
    if (!server) {
      finish({ ok: true });
      return;
    }
    this.callUpstream(server.link, call, (r) => {
      server.pool.release(server.link);
      finish(r);
    });
  }

  /**
   * A transaction over several shards ends: COMMIT or ROLLBACK on each shard's server connection (its part
   * was rolled back there), then a COMMIT's two phases over the parts that ran.
   */
  private endTwoPhase(tx: TwoPhaseTransaction, call: StatementCall, done: (r: Reply) => void): void {
    const ran = tx.parts.flatMap((p, j) => (tx.servers[j] ? [{ part: p, server: tx.servers[j]! }] : []));
    const replies: Reply[] = [];
    let left = ran.length;
    if (left === 0) {
      done({ ok: true });
      return;
    }
    for (const [i, { server }] of ran.entries()) {
      this.callUpstream(server.link, call, (r) => {
        server.pool.release(server.link);
        replies[i] = r;
        if (--left > 0) return;
        const reply = mergeReplies(replies);
        if (call.kind !== 'commit') return done(reply);
        this.commitTwoPhase(ran.map((x) => x.part), reply, tx.session, done);
      });
    }
  }

  /** A CancelRequest: sent on to every server connection the client's statement runs on (each shard of a scatter). */
  cancel(conn: Connection): void {
    for (const link of this.clients.get(conn.id)?.running ?? []) this.forwardCancel(link);
  }

  disconnect(conn: Connection): void {
    const client = this.clients.get(conn.id);
    if (!client) return;
    this.clients.delete(conn.id);
    this.ctx.metrics.connections(this.id, -1);
    // a client gone mid-transaction: its server connection is rolled back before it is reused
    if (client.server || client.twoPhase) this.endTransaction(client, { kind: 'rollback' }, () => {});
  }

  // ---- the node model ----

  /** Pool sizes apply to pools opened from now on; the others are read per statement. */
  async applySetting(name: string, value: unknown): Promise<'applied' | 'restart-required'> {
    if (name === 'default_pool_size') return 'restart-required';
    (this.spec.settings as Record<string, unknown>)[name] = value;
    if (name === 'checkout_timeout') for (const p of this.pools.values()) p.timeoutUs = timeUs(value as string);
    return 'applied';
  }

  async console(sql: string): Promise<ConsoleResult> {
    return pgdogConsole(this.ctx, this, sql);
  }

  /** Each pool: its upstream and its figures (SHOW POOLS). */
  poolList(): { upstream: string; pool: ClientPool | undefined }[] {
    return this.upstreams().map((upstream) => ({ upstream, pool: this.pools.get(upstream) }));
  }

  snapshot(): PgDogSnapshot {
    let waiting = 0;
    let open = 0;
    for (const p of this.pools.values()) {
      waiting += p.waiting;
      open += p.open;
    }
    const totals = this.ctx.metrics.nodes.get(this.id);
    const last = this.ctx.metrics.seconds.at(-2)?.nodes.get(this.id);
    return {
      id: this.id,
      kind: this.kind,
      status: 'up',
      queries: totals?.queries ?? 0,
      errors: totals?.errors ?? 0,
      queriesPerSecond: last?.queries ?? 0,
      cpuUtilization: 0,
      connections: this.clients.size,
      cl_waiting: waiting,
      serverConnections: open,
      crossShard: this.crossShard,
    };
  }

  report(): ReportBlock {
    return { crossShard: this.crossShard };
  }
}

/** A fan-out's reply: the first error in shard order, else the success of every shard. */
function mergeReplies(replies: Reply[]): Reply {
  const failed = replies.find((r) => !r.ok);
  if (failed) return failed;
  const later = replies.flatMap((r) => (r.ok && r.outcome ? [r.outcome] : []));
  return later.length === 0 ? { ok: true } : { ok: true, outcome: Promise.all(later).then((errors) => errors.find((e) => e)) };
}

/** A fan-out's reply with its rows: every shard's merged (sim/sharding/merge.ts), or the error saying why they cannot be. */
function withMergedRows(replies: Reply[], plan: MergePlan, param: (k: KeySource) => unknown): Reply {
  const reply = mergeReplies(replies);
  if (!reply.ok) return reply;
  const merged = Promise.all(replies.map((r) => (r.ok ? r.result : undefined))).then((results) =>
    mergeShardRows(
      plan,
      results.map((x) => ({ columns: x?.columns ?? [], types: x?.types, rows: x?.rows ?? [] })),
      param,
    ),
  );
  return {
    ...reply,
    outcome: Promise.all([reply.outcome, merged]).then(([error, m]) => error ?? (m.ok ? undefined : simError('scatter_not_mergeable', { detail: m.refused }))),
    result: merged.then((m) => (m.ok ? { command: 'SELECT', rowCount: m.rows.length, columns: m.columns, types: m.types, rows: m.rows } : undefined)),
  };
}
