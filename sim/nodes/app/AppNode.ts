/**
 * An `app` node: `instances` application servers. A request picks an endpoint through the router,
 * takes a connection from its instance's pool for that endpoint, runs its statements one round trip
 * each (BEGIN and COMMIT too, for a transaction), and gives the connection back. A workload client may
 * instead hold its own connection until it disconnects, or open one per request (WorkloadRequest.connect).
 */
import { type SimError, simError } from '../../core/errors.ts';
import { type Link, oneWayUs, type Trace } from '../../net/Link.ts';
import { timeUs } from '../../scenario/settings.ts';
import type { RequestSink, WorkloadRequest } from '../../workload/Workload.ts';
import { ClientPool, type Grant } from '../proxy/ClientPool.ts';
import { DatabaseRouter } from '../proxy/DatabaseRouter.ts';
import { ProxyNode, type Route } from '../proxy/ProxyNode.ts';
import { type RouteExplain, ShardRouter } from '../proxy/ShardRouter.ts';
import { explainStatement, shardedConsole } from '../proxy/shardConsole.ts';
import { type TwoPhasePart, twoPhaseGid, twoPhases } from '../proxy/twoPhaseCommit.ts';
import type { ClientInfo, ConsoleResult, NodeSnapshot, NodeSpec, Reply, ReportBlock, SimContext, StatementCall } from '../types.ts';
import { type AppCacheFigures, CacheAside } from './CacheAside.ts';
import type { AppSettings } from './settings.ts';

type AppRequest = WorkloadRequest;

/** Ids of background loads count down from here: apart from the workload's (positive) and replication's (from -1). */
const BACKGROUND_IDS = -1_000_000_000;

/** A request's outcome at the app: its error, or its success (known later with `outcome`). */
interface Outcome {
  error?: SimError;
  outcome?: Promise<SimError | undefined>;
}

type SqlLink = Link<StatementCall, Reply>;

/** An app node's live figures: requests (not statements), its client pools' connections and waiters. */
export interface AppSnapshot extends NodeSnapshot {
  kind: 'app';
  /** Requests waiting for a pooled connection, all instances. */
  poolWaiting: number;
  /** Requests in flight. */
  inFlight: number;
  /** Its cache's figures, once a request used it. */
  cache?: AppCacheFigures;
}

export class AppNode extends ProxyNode<AppSettings, AppRequest, Outcome> implements RequestSink {
  readonly kind = 'app';
  readonly router: DatabaseRouter;
  /** Sharded scenarios where the app connects to the shards: keys to shards, and each shard's DatabaseRouter (ShardRouter.ts). */
  readonly shards: ShardRouter | undefined;
  /** Sharded scenarios only: SQL sent as the ShardRouter sends it (shardConsole.ts). */
  readonly console?: (sql: string) => Promise<ConsoleResult>;
  /** Sharded scenarios only: route explain (shardConsole.ts). */
  readonly explainRoute?: (sql: string, params?: readonly unknown[]) => RouteExplain;
  /**
   * What each shard of a fan-out runs, by request: a scatter's rewritten statement (avg as sum and count), or
   * its part of a two-phase commit.
   */
  private readonly scatterOps = new WeakMap<AppRequest, Map<string, AppRequest['op']>>();
  /** A request committed over several shards in two phases: each shard's part. */
  private readonly twoPhaseParts = new WeakMap<AppRequest, TwoPhasePart[]>();
  /** The cache-aside step before the router (operations that declare a cache). */
  private readonly cache: CacheAside;
  private pools: Map<string, ClientPool>[] = [];
  private inFlight = new Map<number, Trace>();
  private completed = 0;
  private failed = 0;
  /** connection_mode per_request: connections open now. */
  private perRequestOpen = 0;
  /** Background loads started (cache refreshes). */
  private backgroundLoads = 0;
  /** Workload clients' own connections (connect per_client), by client then endpoint. */
  private owned = new Map<number, Map<string, SqlLink>>();

  constructor(ctx: SimContext, spec: NodeSpec<AppSettings>) {
    super(ctx, spec);
    this.router = new DatabaseRouter(ctx, () => this.upstreams(), () => this.spec.settings, ctx.rng(`router:${spec.id}`));
    for (let i = 0; i < spec.settings.instances; i++) this.pools.push(new Map());
    // sharded, and connected to the shards (not to a shard router, which routes for it)
    const sharding = ctx.sharding;
    this.shards = sharding && ctx.net.targets(spec.id).some((t) => sharding.map.shards.includes(t))
      ? new ShardRouter(ctx, sharding, () => this.upstreams(), () => this.spec.settings, (s) => ctx.rng(`router:${spec.id}:${s}`), (map) =>
          map.transaction_mode === 'TWOPC' ? 'transaction_mode TWOPC' : undefined,
        )
      : undefined;
    if (this.shards) {
      const shards = this.shards;
      this.console = (sql) => shardedConsole(ctx, this.id, shards, sql);
      this.explainRoute = (sql, params) => explainStatement(shards, sql, params);
    }
    this.cache = new CacheAside(ctx, spec.id, spec.settings, (i) => this.client(i));
  }

  get instances(): number {
    return this.spec.settings.instances;
  }

  private client(instance: number): ClientInfo {
    return { app: this.id, instance, applicationName: `${this.id}-${instance + 1}` };
  }

  private pool(instance: number, target: string): ClientPool {
    const pools = this.pools[instance];
    let p = pools.get(target);
    if (!p) {
      const s = this.spec.settings;
      const client = this.client(instance);
      p = new ClientPool(this.ctx.scheduler, s.pool_size, timeUs(s.pool_timeout, 's'), (done) => this.openConnection(target, client, done));
      pools.set(target, p);
    }
    return p;
  }

  private openConnection(target: string, client: ClientInfo, done: Grant): void {
    this.connectUpstream(target, client, done);
  }

  /**
   * The routing hook: the ShardRouter's choice when sharded (a scatter's replies merged: the first error in
   * shard order, else the success of all), else the DatabaseRouter's; no_route when the app is connected to
   * no database.
   */
  protected route(req: AppRequest): Route<Outcome> {
    // a scripted step names its endpoint, as app code that holds a connection to one node
    if (req.on !== undefined) {
      if (this.upstreams().includes(req.on)) return { kind: 'forward', upstream: req.on };
      return { kind: 'answer', reply: { error: simError('no_route', { message: `${this.id} has no edge to ${req.on}` }) } };
    }
    if (this.shards) {
      const s = this.shards.route(req);
      if (s.kind === 'error') return { kind: 'answer', reply: { error: s.error } };
      if (s.kind === 'one') return { kind: 'forward', upstream: s.endpoint };
      if (s.kind === 'twopc') {
        this.scatterOps.set(req, new Map(s.endpoints.map((e, i) => [e, s.ops[i]])));
        this.twoPhaseParts.set(req, s.endpoints.map((endpoint, i) => ({ endpoint, op: s.ops[i], params: req.params })));
        return { kind: 'fan-out', upstreams: s.endpoints, merge: mergeOutcomes };
      }
      if (s.op !== req.op) this.scatterOps.set(req, new Map(s.endpoints.map((e) => [e, s.op])));
      return { kind: 'fan-out', upstreams: s.endpoints, merge: mergeOutcomes, mergeUs: s.mergeUs };
    }
    const target = this.router.route(req);
    return target ? { kind: 'forward', upstream: target } : { kind: 'answer', reply: { error: simError('no_route') } };
  }

  /**
   * A two-phase commit's phases after every shard ran its part (twoPhaseCommit.ts), each a round trip to the
   * farthest shard; its commit is a write on each shard (read-your-writes positions).
   */
  private commitTwoPhase(req: AppRequest, parts: TwoPhasePart[], o: Outcome, then: (o: Outcome) => void): void {
    const rttUs = Math.max(...parts.map((p) => 2 * oneWayUs(this.ctx.net.edge(this.id, p.endpoint))));
    twoPhases(this.ctx, twoPhaseGid(this.id), parts, rttUs, o.error, o.outcome ? [o.outcome] : [], (r) => {
      r.positions.forEach((at, i) => {
        if (at !== undefined) this.shards?.routerOf(parts[i].endpoint)?.wrote(req.session, at);
      });
      then(r.error ? { error: r.error } : {});
    });
  }

  /** Starts a request; `done` gets its error, if any, when the reply is back at the app. */
  submit(req: AppRequest, done: (error?: SimError) => void): void {
    const trace: Trace = { id: req.id, op: req.op.name, at: this.id };
    if (!this.cache.covers(req.op)) {
      this.toDatabase(req, trace, (o) => this.end(req, trace, done, o));
      return;
    }
    const end = (o: Outcome) => this.end(req, trace, done, o);
    this.inFlight.set(req.id, trace);
    this.ctx.net.begin(trace);
    // a background load (a cache refresh) is a copy of the request under an id of its own, apart from the workload's and replication's
    const background = (then: (o: Outcome) => void) => {
      const bg = { ...req, id: BACKGROUND_IDS - this.backgroundLoads++ };
      const t: Trace = { id: bg.id, op: req.op.name, at: this.id };
      this.toDatabase(bg, t, (o) => {
        this.inFlight.delete(bg.id);
        this.ctx.net.end(t);
        this.router.release(bg.id);
        this.shards?.release(bg.id);
        then(o);
      });
    };
    // a cache hit is the proxy base's `answer`: the reply leaves the app without a database hop
    this.cache.serve(req, trace, (then) => this.toDatabase(req, trace, then), background, (o) => this.dispatch({ kind: 'answer', reply: o }, () => {}, end));
  }

  /** Runs a request on the database: the router's choice, over a pooled or per-request connection. */
  private toDatabase(req: AppRequest, trace: Trace, then: (o: Outcome) => void): void {
    const route = this.route(req);
    const parts = this.twoPhaseParts.get(req);
    this.dispatch(
      route,
      (target, reply) => {
        this.inFlight.set(req.id, trace);
        this.ctx.net.begin(trace);
        const op = this.scatterOps.get(req)?.get(target);
        const run = op ? { ...req, op } : req;
        if (run.connect === 'per_client' && run.session !== undefined) this.ownConnection(run, run.session, trace, target, reply);
        else if (run.connect === 'per_transaction' || this.spec.settings.connection_mode === 'per_request') this.perRequest(run, trace, target, reply);
        else this.pooled(run, trace, target, reply);
      },
      parts ? (o) => this.commitTwoPhase(req, parts, o, then) : then,
    );
  }

  private pooled(r: AppRequest, trace: Trace, target: string, done: (o: Outcome) => void): void {
    const pool = this.pool(r.instance % this.pools.length, target);
    this.ctx.net.mark(trace, this.id, 'pool wait');
    pool.acquire((g) => {
      if ('error' in g) return done({ error: g.error });
      this.roundTrips(r, g.link, this.calls(r, trace), 0, (error, outcome) => {
        pool.release(g.link);
        done({ error, outcome });
      });
    });
  }

  private calls(r: AppRequest, trace: Trace): StatementCall[] {
    const calls: StatementCall[] = r.op.statements.map((_, index) => ({ kind: 'sql', op: r.op, index, params: r.params, session: r.session, trace }));
    if (r.op.transaction) {
      calls.unshift({ kind: 'begin', trace });
      calls.push({ kind: 'commit', trace });
    }
    return calls;
  }

  /** connection_mode per_request: connect, run the request, disconnect (the Terminate reaches the endpoint after the latency). */
  private perRequest(r: AppRequest, trace: Trace, target: string, done: (o: Outcome) => void): void {
    const instance = r.instance % this.pools.length;
    this.perRequestOpen++;
    trace.at = `${this.id}->${target}`;
    this.ctx.net.mark(trace, trace.at, 'network');
    this.openConnection(target, this.client(instance), (g) => {
      if ('error' in g) {
        this.perRequestOpen--;
        return done({ error: g.error });
      }
      this.roundTrips(r, g.link, this.calls(r, trace), 0, (error, outcome) => {
        this.perRequestOpen--;
        g.link.close(true);
        done({ error, outcome });
      });
    });
  }

  /** connect per_client: the client's connection to this endpoint, opened on its first request there and kept. */
  private ownConnection(r: AppRequest, session: number, trace: Trace, target: string, done: (o: Outcome) => void): void {
    let links = this.owned.get(session);
    if (!links) this.owned.set(session, (links = new Map()));
    const run = (link: SqlLink) =>
      this.roundTrips(r, link, this.calls(r, trace), 0, (error, outcome) => {
        if (link.dead) {
          link.close();
          links.delete(target);
        }
        done({ error, outcome });
      });
    const held = links.get(target);
    if (held && !held.dead) {
      run(held);
      return;
    }
    held?.close();
    links.delete(target);
    trace.at = `${this.id}->${target}`;
    this.ctx.net.mark(trace, trace.at, 'network');
    this.openConnection(target, this.client(r.instance % this.pools.length), (g) => {
      if ('error' in g) return done({ error: g.error });
      links.set(target, g.link);
      run(g.link);
    });
  }

  /** A workload client leaves: its own connections close, the Terminate reaching each endpoint after the latency. */
  disconnect(session: number): void {
    for (const link of this.owned.get(session)?.values() ?? []) link.close(true);
    this.owned.delete(session);
  }

  private roundTrips(r: AppRequest, link: SqlLink, calls: StatementCall[], i: number, done: (e?: SimError, outcome?: Promise<SimError | undefined>) => void): void {
    this.callUpstream(link, calls[i], (reply: Reply) => {
      if (!reply.ok) {
        const inTx = r.op.transaction && i > 0 && !link.dead;
        if (inTx && reply.error.severity === 'ERROR') {
          // The driver rolls the transaction back before it hands the connection back.
          return this.roundTrips(r, link, [{ kind: 'rollback', trace: calls[i].trace }], 0, () => done(reply.error));
        }
        if (reply.error.severity !== 'ERROR') link.conn!.dead = true;
        return done(reply.error);
      }
      if (i + 1 < calls.length) {
        const next = () => this.roundTrips(r, link, calls, i + 1, done);
        // a scripted client holding its transaction open: idle in transaction until the COMMIT
        if (r.op.holdUs && calls[i + 1].kind === 'commit') this.ctx.scheduler.after(r.op.holdUs, next);
        else next();
        return;
      }
      if (reply.position !== undefined) (this.shards?.routerOf(link.conn!.endpoint) ?? this.router).wrote(r.session, reply.position);
      done(undefined, reply.outcome);
    });
  }

  /** Ends a request. With `outcome` its success is known later; the figures keep this moment's time. */
  private end(r: AppRequest, trace: Trace, done: (error?: SimError) => void, o: Outcome): void {
    this.inFlight.delete(r.id);
    this.ctx.net.end(trace);
    this.router.release(r.id);
    this.shards?.release(r.id);
    const at = this.ctx.scheduler.now;
    if (o.outcome) this.ctx.metrics.defer(o.outcome, (e) => this.record(r, at, e));
    else this.record(r, at, o.error);
    done(o.error);
  }

  /** A request ended at `at` (its figures keep that time), with its error if any. */
  private record(r: AppRequest, at: number, e: SimError | undefined): void {
    if (e) this.failed++;
    else this.completed++;
    this.ctx.metrics.requestDone(at - r.startUs, e?.code, at);
  }

  /**
   * read_policy and max_replica_lag_ms are read per request and pool_timeout is pushed to the open pools:
   * they apply now. The others shape the processes and pools built at the start: they wait for a restart
   * and change nothing now.
   */
  async applySetting(name: string, value: unknown): Promise<'applied' | 'restart-required'> {
    if (name !== 'read_policy' && name !== 'max_replica_lag_ms' && name !== 'pool_timeout') return 'restart-required';
    (this.spec.settings as Record<string, unknown>)[name] = value;
    if (name === 'pool_timeout') for (const pools of this.pools) for (const p of pools.values()) p.timeoutUs = timeUs(value as string, 's');
    return 'applied';
  }

  snapshot(): AppSnapshot {
    let open = this.perRequestOpen;
    for (const links of this.owned.values()) open += links.size;
    let waiting = 0;
    for (const pools of this.pools) {
      for (const p of pools.values()) {
        open += p.open;
        waiting += p.waiting;
      }
    }
    const last = this.ctx.metrics.seconds.at(-2);
    return {
      id: this.id,
      kind: this.kind,
      status: 'up',
      queries: this.completed + this.failed,
      errors: this.failed,
      queriesPerSecond: last ? last.completed + last.failed : 0,
      cpuUtilization: 0,
      connections: open,
      poolWaiting: waiting,
      inFlight: this.inFlight.size,
      ...(this.cache.used ? { cache: this.cache.figures() } : {}),
    };
  }

  report(): ReportBlock {
    return { completed: this.completed, failed: this.failed, ...(this.cache.used ? { cache: this.cache.report() } : {}) };
  }
}

/** A scatter's outcome: the first error in shard order, else the success of every shard. */
function mergeOutcomes(outcomes: Outcome[]): Outcome {
  const failed = outcomes.find((o) => o.error);
  if (failed) return failed;
  const later = outcomes.filter((o) => o.outcome).map((o) => o.outcome!);
  return later.length === 0 ? {} : { outcome: Promise.all(later).then((errors) => errors.find((e) => e)) };
}
