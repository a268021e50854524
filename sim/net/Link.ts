/**
 * The network between nodes: one `Edge` per scenario edge (its one-way latency, its jitter, and `extraUs`
 * for a congested link), and a `Link` per connection over an edge. Every hop of every request goes
 * through a Link: no node computes latency itself (`oneWayUs` is the one place).
 *
 * Invariants:
 * - A message over a link arrives `latency + extraUs + a jitter draw` after it is sent, never sooner than
 *   at once; each message (each direction of a round trip) draws its own. The draws come from the edge's
 *   own named random stream (`net:from->to`) in event order, so a run is the same from its seed, and an
 *   edge without jitter draws nothing (its figures are those of a run before jitter existed).
 * - A one-way stream (`send`) never delivers out of order (an arrival is never earlier than the previous
 *   one on that link): it is a TCP connection, which hands its bytes over in order whatever the packets did.
 * - A request keeps one `Trace` from the workload to the engine and back; each hop stamps the edge it is
 *   on (`a->b` from when it is sent until b answers, `b->a` while the answer travels back, `a` once it is
 *   back), so the canvas draws traffic on every edge of its path and on no other.
 * - A closed link delivers nothing more: a reply or a message still on the wire is dropped.
 * - Opening a connection is the TCP handshake and the startup packet (two one-way trips to the server),
 *   then the server's answer after authentication (three more), as the endpoints' models have always had it.
 * - Generic over the call and reply types, so a SQL endpoint, a pooler or a cache speak through the same Link.
 * - A followed request (`tracing` on when it began) also records its path as spans that tile its life
 *   with no gap: each stamp or `mark` ends the span before it. Spans never change what happens, and a
 *   request nobody follows has none (a stamp then costs one test).
 */
import { type SimError, simError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import type { Scheduler } from '../core/Scheduler.ts';

/** A client-side connection to an endpoint (a backend, a pooler's client slot, a cache connection). */
export interface Connection {
  readonly id: number;
  readonly endpoint: string;
  dead: boolean;
}

/** Who connects: the app node and instance (pg_stat_activity's client_addr) and its application_name. */
export interface ClientInfo {
  app: string;
  instance: number;
  applicationName: string;
}

export type ConnectResult = { conn: Connection } | { error: SimError };

/** Where one request is, from the workload to the engine and back: every hop stamps `at`. */
export interface Trace {
  readonly id: number;
  readonly op: string;
  at: string;
  /** Its path so far, when it is followed (see `Network.tracing`). */
  spans?: Span[];
  /** A followed request's replica applies (see `ReplicaApply`), filled in by the standbys as they replay. */
  applies?: ReplicaApply[];
}

/**
 * The replica-apply hop of a followed request, which can end after the request did (asynchronous
 * replication): a write's commit until a standby applied it, or, for a stale read, the write it missed
 * until the replica that served it applied that write (`missed`). `appliedUs` is unset until then.
 */
export interface ReplicaApply {
  standby: string;
  /** The write's commit on the primary (unset while it has not committed). */
  committedUs?: number;
  appliedUs?: number;
  missed?: true;
}

/**
 * One stretch of a followed request's path: on the wire of an edge (`place` is `a->b`, phase `network`) or
 * at a node: `serve` (what the node does: the app's code, the engine's statement), `pool wait` (for a
 * connection of the app's pool), `queue` (a pooler's client waiting for a server connection).
 */
export interface Span {
  place: string;
  phase: 'network' | 'serve' | 'pool wait' | 'queue';
  startUs: number;
  endUs: number;
}

/** A followed request's path, start to end (`endUs` is now while it is in flight). */
export interface FollowedRequest {
  id: number;
  op: string;
  startUs: number;
  endUs: number;
  done: boolean;
  spans: Span[];
  /** Its replica applies, the list the standbys fill in (so a finished request's keeps growing). */
  applies: ReplicaApply[];
}

/** How many finished followed requests are kept (the slowest is searched among them). */
const KEEP_FOLLOWED = 500;

/** What a node offers over a link: connect, run a call on a connection, disconnect. */
export interface Endpoint<C = unknown, R = unknown> {
  /** Called when the connection request arrives; `done` is called in virtual time. */
  connect(client: ClientInfo, done: (r: ConnectResult) => void): void | Promise<void>;
  /** Runs one call on the connection as it arrives; `done` when the reply leaves the endpoint. */
  execute(conn: Connection, call: C, done: (r: R) => void): void | Promise<void>;
  disconnect(conn: Connection): void;
}

/**
 * The shapes of an edge's jitter, with netem's names (`tc qdisc ... netem delay 10ms 2ms distribution
 * normal`). As netem's `tabledist`, every shape has mean 0 and standard deviation 1 before it is scaled by
 * the jitter: `uniform` (netem's default) spreads the delay evenly over latency ± jitter; `normal` is
 * Gaussian with the jitter as its standard deviation; `pareto` is iproute2's table (netem/pareto.c: shape
 * 3, shifted to mean 0), a long tail of late messages; `paretonormal` is iproute2's mix of the two, a
 * quarter normal and three quarters pareto.
 */
export const JITTER_DISTRIBUTIONS = ['uniform', 'normal', 'pareto', 'paretonormal'] as const;
export type JitterDistribution = (typeof JITTER_DISTRIBUTIONS)[number];

/** An edge as a scenario gives it: its one-way latency and, optionally, its jitter. */
export interface EdgeOptions {
  from: string;
  to: string;
  latencyUs: number;
  /** netem's JITTER: the spread of each message's delay (0: none). */
  jitterUs?: number;
  distribution?: JitterDistribution;
}

export interface Edge {
  readonly from: string;
  readonly to: string;
  /** One-way latency, microseconds. */
  readonly latencyUs: number;
  /** Added one-way delay now (a lag spike's congested link). */
  extraUs: number;
  /** The jitter's scale, microseconds (0: every message takes exactly the latency). */
  readonly jitterUs: number;
  readonly distribution: JitterDistribution;
  /** The edge's own random stream for its jitter (absent without jitter). */
  readonly rng?: Rng;
}

/**
 * Pareto of shape 3 from 1 (mean 1.5, standard deviation √3/2), shifted and scaled to mean 0, deviation 1.
 * Its tail stops where iproute2's table does (quantile steps of 1/4096: at most 16 before the shift).
 */
function pareto(rng: Rng): number {
  return (Math.max(1 - rng.next(), 1 / 4096) ** (-1 / 3) - 1.5) / (Math.sqrt(3) / 2);
}

/** A standard normal variate (Box-Muller). */
function normal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

/** One draw of a jitter shape: mean 0, standard deviation 1 (uniform: over [-1, 1), as netem's). */
function jitterDraw(rng: Rng, d: JitterDistribution): number {
  switch (d) {
    case 'uniform':
      return 2 * rng.next() - 1;
    case 'normal':
      return normal(rng);
    case 'pareto':
      return pareto(rng);
    case 'paretonormal':
      return 0.25 * normal(rng) + 0.75 * pareto(rng);
  }
}

/**
 * One message's one-way delay over an edge now, microseconds: its latency plus any added delay plus one
 * draw of its jitter, never below 0 (netem sends a message whose draw is negative at once); 0 without an edge.
 */
export function oneWayUs(edge: Edge | undefined): number {
  if (!edge) return 0;
  const base = edge.latencyUs + edge.extraUs;
  if (!edge.rng || edge.jitterUs === 0) return base;
  return Math.max(0, Math.round(base + edge.jitterUs * jitterDraw(edge.rng, edge.distribution)));
}

export class Network {
  private readonly edges = new Map<string, Edge>();
  private readonly out = new Map<string, string[]>();
  /** Requests in flight anywhere, by id (the canvas samples them). */
  readonly traces = new Map<number, Trace>();
  /** Requests that begin while this is on are followed: they record their spans. Off, nothing is recorded. */
  tracing = false;
  /** The last followed requests that finished, oldest first. */
  private readonly finished: FollowedRequest[] = [];

  constructor(
    readonly scheduler: Scheduler,
    edges: readonly EdgeOptions[],
    private readonly resolve: (id: string) => Endpoint<unknown, unknown> | undefined,
    /** The run's seed: each jittered edge draws from its own stream of it. */
    seed = 0,
  ) {
    for (const e of edges) {
      const jitterUs = e.jitterUs ?? 0;
      const key = `${e.from}->${e.to}`;
      this.edges.set(key, {
        from: e.from,
        to: e.to,
        latencyUs: e.latencyUs,
        extraUs: 0,
        jitterUs,
        distribution: e.distribution ?? 'uniform',
        ...(jitterUs > 0 ? { rng: new Rng(seed, `net:${key}`) } : {}),
      });
      this.out.set(e.from, [...(this.out.get(e.from) ?? []), e.to]);
    }
  }

  edge(from: string, to: string): Edge | undefined {
    return this.edges.get(`${from}->${to}`);
  }

  /** The edge from -> `old` goes to `to` now, with its latency, in its place in `from`'s list (a VIP moved). */
  repoint(from: string, old: string, to: string): void {
    const e = this.edges.get(`${from}->${old}`);
    if (!e) return;
    this.edges.delete(`${from}->${old}`);
    this.edges.set(`${from}->${to}`, { ...e, to, extraUs: 0 });
    this.out.set(from, (this.out.get(from) ?? []).map((t) => (t === old ? to : t)));
  }

  /** Ids of the nodes `from` has edges to, in the scenario's order. */
  targets(from: string): string[] {
    return this.out.get(from) ?? [];
  }

  /** The endpoint a node offers, if it is one. */
  endpoint<C, R>(id: string): Endpoint<C, R> | undefined {
    return this.resolve(id) as Endpoint<C, R> | undefined;
  }

  /** A request starts: it is drawn until `end`. */
  begin(trace: Trace): void {
    this.traces.set(trace.id, trace);
    const now = this.scheduler.now;
    if (this.tracing && !trace.spans) {
      trace.spans = [{ place: trace.at, phase: 'serve', startUs: now, endUs: now }];
      trace.applies = [];
    }
  }

  end(trace: Trace): void {
    this.traces.delete(trace.id);
    if (!trace.spans) return;
    this.finished.push(this.followed(trace, true));
    if (this.finished.length > KEEP_FOLLOWED) this.finished.shift();
  }

  /** A followed request is at `place` from `now` (default: now), doing `phase` there: the span before it ends then. */
  mark(trace: Trace | undefined, place: string, phase: Span['phase'], now = this.scheduler.now): void {
    const spans = trace?.spans;
    if (!spans) return;
    const last = spans[spans.length - 1];
    if (last.place === place && last.phase === phase) return;
    last.endUs = now;
    // a stretch of no time is no stop on the path
    if (last.startUs === now && spans.length > 1) spans.pop();
    spans.push({ place, phase, startUs: now, endUs: now });
  }

  /**
   * A followed request: in flight or among the last finished, by id; or the slowest finished one; or the
   * finished one (of operation `op`) a node served at a virtual time (a stale read a replica served).
   */
  findFollowed(which: number | 'slowest' | { node: string; atUs: number; op?: string }): FollowedRequest | undefined {
    if (typeof which === 'number') {
      const t = this.traces.get(which);
      if (t?.spans) return this.followed(t, false);
      return this.finished.find((f) => f.id === which);
    }
    if (which === 'slowest') return this.finished.reduce<FollowedRequest | undefined>((a, f) => (!a || f.endUs - f.startUs > a.endUs - a.startUs ? f : a), undefined);
    const { node, atUs, op } = which;
    return this.finished.find((f) => (op === undefined || f.op === op) && f.spans.some((s) => s.place === node && s.phase === 'serve' && s.startUs <= atUs && atUs <= s.endUs));
  }

  private followed(t: Trace, done: boolean): FollowedRequest {
    const spans = t.spans!.map((s) => ({ ...s }));
    const last = spans[spans.length - 1];
    last.endUs = this.scheduler.now;
    return { id: t.id, op: t.op, startUs: spans[0].startUs, endUs: last.endUs, done, spans, applies: t.applies ?? [] };
  }

  /**
   * A sample of the requests in flight for the canvas: at most `perPlace` at each place (a node or a
   * direction of an edge), so every busy edge is drawn whatever the others carry.
   */
  sample(perPlace: number): Trace[] {
    const count = new Map<string, number>();
    const out: Trace[] = [];
    for (const t of this.traces.values()) {
      const n = count.get(t.at) ?? 0;
      if (n >= perPlace) continue;
      count.set(t.at, n + 1);
      out.push(t);
    }
    return out;
  }

  /**
   * A link from -> to over their edge; `via` names the edge whose latency it has when there is no direct
   * one (a standby following a promoted primary keeps its original link).
   */
  link<C, R>(from: string, to: string, via: Edge | undefined = this.edge(from, to)): Link<C, R> {
    return new Link<C, R>(this, from, to, via);
  }

  /**
   * Opens a connection from -> to. `abandoned` is asked when the startup packet arrives (true: it is
   * dropped) and when the answer comes back (true: the new connection is closed again).
   */
  connect<C, R>(from: string, to: string, client: ClientInfo, done: (r: { link: Link<C, R> } | { error: SimError }) => void, abandoned?: () => boolean): void {
    const link = this.link<C, R>(from, to);
    const l = link.latencyUs;
    this.scheduler.after(l * 2, async () => {
      if (abandoned?.()) return;
      const ep = this.endpoint<C, R>(to);
      if (!ep) return done({ error: simError('no_route') });
      await ep.connect(client, (r) => {
        this.scheduler.after(l * 3, () => {
          if ('error' in r) {
            if (!abandoned?.()) done(r);
            return;
          }
          if (abandoned?.()) {
            ep.disconnect(r.conn);
            return;
          }
          link.conn = r.conn;
          done({ link });
        });
      });
    });
  }
}

/** One connection over one edge. */
export class Link<C = unknown, R = unknown> {
  /** The endpoint's connection, once open (undefined for a one-way stream). */
  conn: Connection | undefined;
  closed = false;
  private lastArrivalUs = 0;

  constructor(
    private readonly net: Network,
    readonly from: string,
    readonly to: string,
    readonly edge: Edge | undefined,
  ) {}

  /** The connection is unusable: closed here, or broken at the endpoint (a FATAL error, a crash). */
  get dead(): boolean {
    return this.closed || !!this.conn?.dead;
  }

  /** One message's one-way delay now, microseconds (each read is a fresh draw of the edge's jitter). */
  get latencyUs(): number {
    return oneWayUs(this.edge);
  }

  /** The request is at `at` now (the canvas draws it there); its span there starts `delayUs` later. */
  private stamp(trace: Trace | undefined, at: string, delayUs = 0): void {
    if (!trace) return;
    trace.at = at;
    this.net.mark(trace, at, at.includes('->') ? 'network' : 'serve', this.net.scheduler.now + delayUs);
  }

  /**
   * A round trip: after the latency (plus `delayUs` spent first at this end), `atServer` runs at the far
   * end and answers through `respond`; the reply is back `latencyUs` later (its own draw), when `done` runs.
   */
  roundTrip(trace: Trace | undefined, atServer: (respond: (r: R) => void) => void | Promise<void>, done: (r: R) => void, delayUs = 0): void {
    this.stamp(trace, `${this.from}->${this.to}`, delayUs);
    this.net.scheduler.after(delayUs + this.latencyUs, async () => {
      if (this.closed) return;
      this.net.mark(trace, this.to, 'serve');
      await atServer((r) => {
        this.stamp(trace, `${this.to}->${this.from}`);
        this.net.scheduler.after(this.latencyUs, () => {
          if (this.closed) return;
          this.stamp(trace, this.from);
          done(r);
        });
      });
    });
  }

  /** Runs one call on the far end's endpoint over this connection. */
  call(call: C, trace: Trace | undefined, done: (r: R) => void): void {
    this.roundTrip(
      trace,
      async (respond) => {
        const ep = this.net.endpoint<C, R>(this.to);
        if (ep && this.conn) await ep.execute(this.conn, call, respond);
      },
      done,
    );
  }

  /** A one-way message: delivered in order, `latencyUs` later (or after the previous one). */
  send(deliver: () => void, trace?: Trace): void {
    const arrival = Math.max(this.net.scheduler.now + this.latencyUs, this.lastArrivalUs);
    this.lastArrivalUs = arrival;
    this.stamp(trace, `${this.from}->${this.to}`);
    this.net.scheduler.at(arrival, () => {
      if (this.closed) return;
      this.stamp(trace, this.to);
      deliver();
    });
  }

  /** Closes the connection: now, or with `afterLatency` when the Terminate message reaches the endpoint. */
  close(afterLatency = false): void {
    if (this.closed) return;
    this.closed = true;
    const conn = this.conn;
    if (!conn) return;
    const ep = this.net.endpoint<C, R>(this.to);
    if (afterLatency) this.net.scheduler.after(this.latencyUs, () => ep?.disconnect(conn));
    else ep?.disconnect(conn);
  }
}
