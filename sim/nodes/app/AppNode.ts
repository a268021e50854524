/**
 * An `app` node: `instances` application servers. A request picks an endpoint through the router,
 * takes a connection from its instance's pool for that endpoint, runs its statements one round trip
 * each (BEGIN and COMMIT too, for a transaction), and gives the connection back.
 */
import { type SimError, simError } from '../../core/errors.ts';
import type { PreparedOperation } from '../../workload/operations.ts';
import {
  type ClientInfo,
  type Connection,
  isSqlEndpoint,
  type NodeModel,
  type NodeSnapshot,
  type NodeSpec,
  type Reply,
  type SimContext,
  type SqlEndpoint,
  type StatementCall,
} from '../types.ts';
import { ClientPool, type Grant } from './ClientPool.ts';
import { DatabaseRouter } from './DatabaseRouter.ts';
import type { AppSettings } from './settings.ts';
import { timeUs } from '../../scenario/settings.ts';

export interface AppRequest {
  id: number;
  op: PreparedOperation;
  params: readonly unknown[];
  instance: number;
  /** The closed-loop client that sent it (a user), if any. */
  session?: number;
  startUs: number;
  /** Where the request is now, for the canvas' animation. */
  at: string;
}

export class AppNode implements NodeModel {
  readonly kind = 'app';
  readonly router: DatabaseRouter;
  private pools: Map<string, ClientPool>[] = [];
  private inFlight = new Map<number, AppRequest>();
  private completed = 0;
  private failed = 0;
  /** connection_mode per_request: connections open now. */
  private perRequestOpen = 0;

  constructor(
    private readonly ctx: SimContext,
    readonly spec: NodeSpec<AppSettings>,
  ) {
    this.router = new DatabaseRouter(
      ctx,
      () => ctx.targets(this.id).filter((t) => isSqlEndpoint(ctx.node(t))),
      () => this.spec.settings,
      ctx.rng(`router:${spec.id}`),
    );
    for (let i = 0; i < spec.settings.instances; i++) this.pools.push(new Map());
  }

  get id(): string {
    return this.spec.id;
  }

  get instances(): number {
    return this.spec.settings.instances;
  }

  private pool(instance: number, target: string): ClientPool {
    const pools = this.pools[instance];
    let p = pools.get(target);
    if (!p) {
      const s = this.spec.settings;
      const client: ClientInfo = { app: this.id, instance, applicationName: `${this.id}-${instance + 1}` };
      p = new ClientPool(
        this.ctx.scheduler,
        s.pool_size,
        timeUs(s.pool_timeout, 's'),
        (done) => this.openConnection(target, client, done),
        (conn) => this.endpoint(target)?.disconnect(conn),
      );
      pools.set(target, p);
    }
    return p;
  }

  private endpoint(id: string): SqlEndpoint | undefined {
    const n = this.ctx.node(id);
    return isSqlEndpoint(n) ? n : undefined;
  }

  private latency(target: string): number {
    return this.ctx.latencyUs(this.id, target) ?? 0;
  }

  /** TCP handshake, then the startup packet reaches the server; the reply comes after authentication (one more round trip). */
  private openConnection(target: string, client: ClientInfo, done: Grant): void {
    const l = this.latency(target);
    this.ctx.scheduler.after(l * 2, async () => {
      const ep = this.endpoint(target);
      if (!ep) return done({ error: simError('no_route') });
      await ep.connect(client, (r) => {
        this.ctx.scheduler.after(l * 3, () => done(r));
      });
    });
  }

  /** Starts a request; `done` gets its error, if any, when the reply is back at the app. */
  submit(req: Omit<AppRequest, 'at'>, done: (error?: SimError) => void): void {
    const target = this.router.route(req);
    const r: AppRequest = { ...req, at: this.id };
    if (!target) {
      this.end(r, done, simError('no_route'));
      return;
    }
    this.inFlight.set(r.id, r);
    if (this.spec.settings.connection_mode === 'per_request') {
      this.perRequest(r, target, done);
      return;
    }
    const pool = this.pool(req.instance % this.pools.length, target);
    pool.acquire((g) => {
      if ('error' in g) return this.end(r, done, g.error);
      this.roundTrips(r, target, g.conn, this.calls(r), 0, (error, outcome) => {
        pool.release(g.conn);
        this.end(r, done, error, outcome);
      });
    });
  }

  private calls(r: AppRequest): StatementCall[] {
    const calls: StatementCall[] = r.op.statements.map((_, index) => ({ kind: 'sql', op: r.op, index, params: r.params, session: r.session }));
    if (r.op.transaction) {
      calls.unshift({ kind: 'begin' });
      calls.push({ kind: 'commit' });
    }
    return calls;
  }

  /** connection_mode per_request: connect, run the request, disconnect (the Terminate reaches the endpoint after the latency). */
  private perRequest(r: AppRequest, target: string, done: (error?: SimError) => void): void {
    const instance = r.instance % this.pools.length;
    const client: ClientInfo = { app: this.id, instance, applicationName: `${this.id}-${instance + 1}` };
    this.perRequestOpen++;
    r.at = `${this.id}->${target}`;
    this.openConnection(target, client, (g) => {
      if ('error' in g) {
        this.perRequestOpen--;
        return this.end(r, done, g.error);
      }
      this.roundTrips(r, target, g.conn, this.calls(r), 0, (error, outcome) => {
        this.perRequestOpen--;
        this.ctx.scheduler.after(this.latency(target), () => this.endpoint(target)?.disconnect(g.conn));
        this.end(r, done, error, outcome);
      });
    });
  }

  private roundTrips(
    r: AppRequest,
    target: string,
    conn: Connection,
    calls: StatementCall[],
    i: number,
    done: (e?: SimError, outcome?: Promise<SimError | undefined>) => void,
  ): void {
    const l = this.latency(target);
    r.at = `${this.id}->${target}`;
    this.ctx.scheduler.after(l, async () => {
      r.at = target;
      const ep = this.endpoint(target);
      if (!ep) return done(simError('no_route'));
      await ep.execute(conn, calls[i], (reply: Reply) => {
        r.at = `${target}->${this.id}`;
        this.ctx.scheduler.after(l, () => {
          r.at = this.id;
          if (!reply.ok) {
            const inTx = r.op.transaction && i > 0 && !conn.dead;
            if (inTx && reply.error.severity === 'ERROR') {
              // The driver rolls the transaction back before it hands the connection back.
              return this.roundTrips(r, target, conn, [{ kind: 'rollback' }], 0, () => done(reply.error));
            }
            if (reply.error.severity !== 'ERROR') conn.dead = true;
            return done(reply.error);
          }
          if (i + 1 < calls.length) return this.roundTrips(r, target, conn, calls, i + 1, done);
          if (reply.position !== undefined) this.router.wrote(r.session, reply.position);
          done(undefined, reply.outcome);
        });
      });
    });
  }

  /** Ends a request. With `outcome` its success is known later; the figures keep this moment's time. */
  private end(r: AppRequest, done: (error?: SimError) => void, error?: SimError, outcome?: Promise<SimError | undefined>): void {
    this.inFlight.delete(r.id);
    this.router.release(r.id);
    const at = this.ctx.scheduler.now;
    const record = (e: SimError | undefined) => {
      if (e) this.failed++;
      else this.completed++;
      this.ctx.metrics.requestDone(at - r.startUs, e?.code, at);
    };
    if (outcome) this.ctx.metrics.defer(outcome, record);
    else record(error);
    done(error);
  }

  /** A sample of requests in flight (for the canvas' animation). */
  sampleInFlight(max: number): { id: number; op: string; at: string }[] {
    const out: { id: number; op: string; at: string }[] = [];
    for (const r of this.inFlight.values()) {
      if (out.length >= max) break;
      out.push({ id: r.id, op: r.op.name, at: r.at });
    }
    return out;
  }

  async applySetting(name: string, value: unknown): Promise<'applied' | 'restart-required'> {
    (this.spec.settings as Record<string, unknown>)[name] = value;
    if (name === 'pool_timeout') {
      for (const pools of this.pools) for (const p of pools.values()) p.timeoutUs = timeUs(value as string, 's');
      return 'applied';
    }
    return 'restart-required';
  }

  snapshot(): NodeSnapshot {
    let open = this.perRequestOpen;
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
    };
  }

  report(): Record<string, unknown> {
    return { completed: this.completed, failed: this.failed };
  }

  async close(): Promise<void> {}
}
