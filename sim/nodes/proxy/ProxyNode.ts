/**
 * The proxy base: a node that serves clients and calls upstream nodes through Links (sim/net/), with one
 * routing hook. The hook answers, for each request: forward it to one upstream, fan it out to several and
 * merge their replies, or answer it here. The app (its DatabaseRouter or ShardRouter), PgBouncer and the
 * `pgdog` shard router are policies on it. The routers an app and a shard router share live here too
 * (DatabaseRouter, ShardRouter, ClientPool, the sharded console).
 *
 * Invariants:
 * - Upstreams are the nodes this node has edges to that serve SQL, in the scenario's order.
 * - A fan-out's merge sees the replies in the order of its upstreams, whatever order they came back in,
 *   so a merged result is deterministic.
 * - Every upstream hop goes through a Link: the latency and the request's trace are the Link's business.
 */
import type { SimError } from '../../core/errors.ts';
import type { Link } from '../../net/Link.ts';
import { type ClientInfo, isSqlEndpoint, type NodeModel, type NodeSpec, type Reply, type SimContext, type StatementCall } from '../types.ts';

/** What the routing hook decides for one request. */
export type Route<R> =
  | { kind: 'forward'; upstream: string }
  /** `mergeUs`: the modelled time of the merge itself, after the slowest reply (sim/sharding/merge.ts). */
  | { kind: 'fan-out'; upstreams: readonly string[]; merge: (replies: R[]) => R; mergeUs?: number }
  | { kind: 'answer'; reply: R };

export abstract class ProxyNode<S, Req, R> implements NodeModel {
  abstract readonly kind: string;

  constructor(
    protected readonly ctx: SimContext,
    readonly spec: NodeSpec<S>,
  ) {}

  get id(): string {
    return this.spec.id;
  }

  get settings(): S {
    return this.spec.settings;
  }

  /** The SQL-serving nodes this node has edges to, in the scenario's order. */
  upstreams(): string[] {
    return this.ctx.net.targets(this.id).filter((t) => isSqlEndpoint(this.ctx.node(t)));
  }

  /** The routing hook: where a request goes. */
  protected abstract route(request: Req): Route<R>;

  /**
   * Carries a request as `route` says: `runOn(upstream, done)` runs it on one upstream (through the
   * policy's own connections); a fan-out merges every upstream's reply, in upstream order, `mergeUs` after
   * the last one is back (so its time is the slowest upstream plus the merge).
   */
  protected dispatch(route: Route<R>, runOn: (upstream: string, done: (r: R) => void) => void, done: (r: R) => void): void {
    switch (route.kind) {
      case 'answer':
        done(route.reply);
        return;
      case 'forward':
        runOn(route.upstream, done);
        return;
      case 'fan-out': {
        const replies: R[] = new Array(route.upstreams.length);
        let left = route.upstreams.length;
        if (left === 0) throw new Error(`${this.id}: a fan-out needs at least one upstream`);
        route.upstreams.forEach((u, i) => {
          runOn(u, (r) => {
            replies[i] = r;
            if (--left > 0) return;
            if (route.mergeUs) this.ctx.scheduler.after(route.mergeUs, () => done(route.merge(replies)));
            else done(route.merge(replies));
          });
        });
      }
    }
  }

  /** Opens a connection to an upstream over its edge (see Network.connect). */
  protected connectUpstream(
    upstream: string,
    client: ClientInfo,
    done: (r: { link: Link<StatementCall, Reply> } | { error: SimError }) => void,
    abandoned?: () => boolean,
  ): void {
    this.ctx.net.connect<StatementCall, Reply>(this.id, upstream, client, done, abandoned);
  }

  /** Runs one statement on an upstream connection, carrying the request's trace. */
  protected callUpstream(link: Link<StatementCall, Reply>, call: StatementCall, done: (r: Reply) => void): void {
    link.call(call, call.trace, done);
  }

  /**
   * A client's CancelRequest sent on to the server behind `link`, as a pooler does: a connection of its own
   * to that server (one round trip) carries it (one way), so it arrives three one-way trips later and cancels
   * what runs on that server connection then (the statement, or what followed it there, as in PgBouncer).
   */
  protected forwardCancel(link: Link<StatementCall, Reply>): void {
    const conn = link.conn;
    if (!conn) return;
    this.ctx.scheduler.after(3 * link.latencyUs, () => {
      const n = this.ctx.node(link.to);
      if (isSqlEndpoint(n)) n.cancel?.(conn);
    });
  }

  abstract applySetting(name: string, value: unknown): Promise<'applied' | 'restart-required'>;
  abstract snapshot(): ReturnType<NodeModel['snapshot']>;
  async close(): Promise<void> {}
}
