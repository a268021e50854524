/**
 * A `pgbouncer` node: PgBouncer 1.2x between app nodes and database nodes. For apps it is a SqlEndpoint
 * (a connect is a client connection, counted against max_client_conn); for database nodes it is a
 * client that opens server connections through Links over its edges, to the database node its routing
 * hook picks. The node wires the parts, split as PgBouncer's C source is: the objects (pools.ts) and the
 * pooler's core with its invariants (pooler.ts: objects.c), a statement on its server and back
 * (statements.ts: client.c, server.c), housekeeping (janitor.ts: janitor.c), the figures (stats.ts:
 * stats.c), the admin console (admin.ts: admin.c) and pgbouncer.ini (ini.ts: loader.c).
 */
import { type SimError, simError } from '../../core/errors.ts';
import { ProxyNode, type Route } from '../proxy/ProxyNode.ts';
import type { ClientInfo, Connection, ConsoleResult, NodeSnapshot, NodeSpec, Reply, ReportBlock, SimContext, SqlEndpoint, StatementCall } from '../types.ts';
import { adminCommand } from './admin.ts';
import { startJanitor } from './janitor.ts';
import type { Pool, PoolDatabase } from './pools.ts';
import { Pooler } from './pooler.ts';
import { describeSession, type LeakKind } from './sessionState.ts';
import type { PgBouncerSettings } from './settings.ts';

/** A pgbouncer node's live figures: SHOW POOLS' columns summed over its pools, and its settings in force. */
export interface PgBouncerSnapshot extends NodeSnapshot {
  kind: 'pgbouncer';
  cl_active: number;
  cl_waiting: number;
  sv_active: number;
  sv_idle: number;
  sv_used: number;
  sv_tested: number;
  sv_login: number;
  /** The oldest waiting client's wait, seconds (SHOW POOLS maxwait). */
  maxwait: number;
  /** Work queued for its one core now, ms: the wait of a message that arrives now. */
  cpuBacklogMs: number;
  serverConnections: number;
  pool_mode: PgBouncerSettings['pool_mode'];
  maxClientConn: number;
  defaultPoolSize: number;
  paused: boolean;
  sessionLeaks: number;
  /** Server connections carrying session state a client left (transaction mode breaks session state). */
  leakedServers: { server: number; state: string[]; by: { client: number; kind: LeakKind; sql: string } }[];
}

export class PgBouncerNode extends ProxyNode<PgBouncerSettings, PoolDatabase, SimError | undefined> implements SqlEndpoint {
  readonly kind = 'pgbouncer';
  private readonly pooler: Pooler;
  private readonly stopJanitor: () => void;

  constructor(ctx: SimContext, spec: NodeSpec<PgBouncerSettings>) {
    super(ctx, spec);
    this.pooler = new Pooler(ctx, spec, (pool) => this.connectServer(pool));
    this.stopJanitor = startJanitor(ctx.scheduler, this.pooler);
  }

  /**
   * The routing hook: a database's server connections go to host= when it names a database node this
   * node has an edge to, else to the first one; with none, the login fails.
   */
  protected route(db: PoolDatabase): Route<SimError | undefined> {
    const targets = this.upstreams();
    const upstream = db.host && targets.includes(db.host) ? db.host : targets[0];
    if (upstream) return { kind: 'forward', upstream };
    return { kind: 'answer', reply: simError('no_route', { message: `could not connect to server: no database node behind database "${db.name}"` }) };
  }

  /** launch_new_connection's connect: a server connection over the edge the routing hook picks. */
  private connectServer(pool: Pool): void {
    const route = this.route(pool.db);
    const s = this.pooler.newServer(pool, route.kind === 'forward' ? route.upstream : '');
    this.dispatch(
      route,
      (upstream, failed) =>
        this.connectUpstream(
          upstream,
          s.info,
          (r) => {
            if ('error' in r) failed(r.error);
            else this.pooler.loggedIn(s, r.link);
            this.pooler.touch();
          },
          () => s.closed,
        ),
      (error) => error && this.pooler.loginFailed(s, error),
    );
  }

  // ---- the SqlEndpoint apps see ----

  connect(info: ClientInfo, done: (r: { conn: Connection } | { error: SimError }) => void): void {
    this.pooler.acceptClient(info, done);
  }

  execute(conn: Connection, call: StatementCall, done: (r: Reply) => void): void {
    this.pooler.clientStatement(conn, call, done);
  }

  disconnect(conn: Connection): void {
    this.pooler.clientClose(conn);
  }

  /**
   * A CancelRequest (accept_cancel_request): a client linked to a server has its cancel sent on to that
   * server (`forwardCancel`); for one with no server, idle or waiting in the queue, PgBouncer drops it
   * ("cancel request for idle client"): a waiting client's statement stays queued and runs.
   */
  cancel(conn: Connection): void {
    const link = this.pooler.clientList().find((c) => c.conn.id === conn.id)?.server?.link;
    if (link) this.forwardCancel(link);
  }

  // ---- the node model ----

  async applySetting(name: string, value: unknown): Promise<'applied' | 'restart-required'> {
    (this.spec.settings as Record<string, unknown>)[name] = value;
    if (name === 'databases') this.pooler.loadDatabases();
    this.pooler.activateAll();
    return 'applied';
  }

  /** [databases] entries whose host= was `from` name `to`: reloaded, the servers to `from` close and reconnect to `to`. */
  repointSettings(from: string, to: string): { databases: Record<string, string> } {
    const host = new RegExp(`(^|\\s)host\\s*=\\s*'?${from.replace(/[^\w-]/g, '\\$&')}'?(?=\\s|$)`);
    return { databases: Object.fromEntries(Object.entries(this.spec.settings.databases).map(([name, c]) => [name, c.replace(host, `$1host=${to}`)])) };
  }

  async console(sql: string): Promise<ConsoleResult> {
    return adminCommand(this.pooler, sql);
  }

  snapshot(): PgBouncerSnapshot {
    const pooler = this.pooler;
    const now = pooler.now;
    let maxwait = 0;
    const sum = { cl_active: 0, cl_waiting: 0, sv_active: 0, sv_idle: 0, sv_used: 0, sv_tested: 0, sv_login: 0 };
    for (const p of pooler.pools) {
      sum.cl_active += p.active.size;
      sum.cl_waiting += p.waiting.length;
      sum.sv_active += p.byState.active;
      sum.sv_idle += p.byState.idle;
      sum.sv_used += p.byState.used;
      sum.sv_tested += p.byState.tested;
      sum.sv_login += p.byState.login;
      if (p.waiting[0]) maxwait = Math.max(maxwait, now - p.waiting[0].waitStart);
    }
    const last = this.ctx.metrics.seconds.at(-2)?.nodes.get(this.id);
    return {
      id: this.id,
      kind: this.kind,
      status: pooler.pauseMode === 'pause' ? 'down' : 'up',
      queries: pooler.figures.queries,
      errors: pooler.figures.errors,
      queriesPerSecond: last?.queries ?? 0,
      // its one core, over the last whole second
      cpuUtilization: last ? last.busyUs / 1e6 : 0,
      connections: pooler.clientList().length,
      cpuBacklogMs: pooler.core.backlogUs / 1000,
      ...sum,
      maxwait: maxwait / 1e6,
      serverConnections: sum.sv_active + sum.sv_idle + sum.sv_used + sum.sv_tested + sum.sv_login,
      pool_mode: this.settings.pool_mode,
      maxClientConn: this.settings.max_client_conn,
      defaultPoolSize: this.settings.default_pool_size,
      paused: pooler.pauseMode === 'pause',
      sessionLeaks: pooler.figures.sessionLeaks,
      leakedServers: pooler.pools.flatMap((p) =>
        [...p.servers].filter((s) => s.leakedBy).map((s) => ({ server: s.id, state: describeSession(s.session), by: s.leakedBy! })),
      ),
    };
  }

  report(): ReportBlock {
    const core = this.pooler.core;
    const ms = (us: number) => Math.round(us) / 1000;
    return {
      ...this.pooler.figures.report(this.pooler.now),
      cpu: { messages: core.messages, avgWaitMs: ms(core.messages ? core.waitSumUs / core.messages : 0), maxWaitMs: ms(core.waitMaxUs) },
    };
  }

  async close(): Promise<void> {
    this.stopJanitor();
  }
}
