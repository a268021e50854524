/**
 * The pooler's core, PgBouncer 1.2x's objects.c: accepting clients, finding a server for a client's
 * statement or queueing the client, activating waiting clients, launching new server connections,
 * releasing servers back to the pool and disconnecting clients and servers. The rules are PgBouncer's
 * own (src/objects.c, src/janitor.c, src/server.c), named as there. A statement's trip to its server
 * is statements.ts, housekeeping janitor.ts, the figures stats.ts; opening a server connection over an
 * edge is the node's (its routing hook and Links), handed in as `connectServer`.
 *
 * Invariants:
 * - One pool per (database, user). A pool has at most ONE server connection logging in at a time
 *   (launch_new_connection): a burst of clients grows the pool one connect after another.
 * - A pool opens servers up to pool_size; beyond it only when the oldest waiting client has waited
 *   reserve_pool_timeout (both > 0), up to pool_size + reserve_pool_size; never over max_db_connections.
 * - Waiting clients are served first-come first-served: a released server goes to the oldest waiter
 *   (reuse_on_release). Idle servers are reused last-in-first-out, or first-in-first-out with
 *   server_round_robin = 1.
 * - A client keeps its server: session mode until it disconnects, transaction mode until its transaction
 *   ends, statement mode until its statement ends (a transaction block there closes the client).
 * - In session mode a released server runs server_reset_query (state `tested`, one round trip to the
 *   database) before it is idle; in the other modes it is idle at once and its session state leaks.
 * - Housekeeping (the janitor) runs every 1/3 s of virtual time: idle servers past server_idle_timeout
 *   close (never below min_pool_size), servers past server_lifetime close (spread over pool_size),
 *   min_pool_size is kept only while the pool has clients, and the client timeouts fire. So timeouts
 *   fire up to 1/3 s late, as in PgBouncer.
 * - After a failed server login the pool waits server_login_retry before the next attempt; meanwhile a
 *   query that finds no server in a pool with none fails at once (check_fast_fail), and clients waiting
 *   on a pool with no usable server get the server's own error (kill_pool_logins).
 * - Every statement reply of a server closed meanwhile (timeout, KILL, crash) is ignored; its client
 *   already got PgBouncer's error.
 * - cl_* and sv_* counts are kept per state change, so the time averages of the report are exact.
 */
import { type CatalogueCode, type SimError, simError } from '../../core/errors.ts';
import type { Link } from '../../net/Link.ts';
import { timeUs } from '../../scenario/settings.ts';
import type { ClientInfo, Connection, NodeSpec, Reply, SimContext, StatementCall } from '../types.ts';
import { PoolerCore } from './cpu.ts';
import { parseDatabase } from './ini.ts';
import { type Pending, Pool, type PoolClient, type PoolDatabase, POOL_USER, type PoolServer, SERVER_ADDR_BASE, type ServerState } from './pools.ts';
import { newSession } from './sessionState.ts';
import { maxDbConnections, type PgBouncerSettings, poolSize, reservePoolSize, serverLifetimeUs, settingUs } from './settings.ts';
import { forward, resetOnRelease } from './statements.ts';
import { PoolerFigures } from './stats.ts';

export class Pooler {
  readonly pools: Pool[] = [];
  private readonly dbs = new Map<string, PoolDatabase>();
  private readonly clients = new Map<number, PoolClient>();
  private nextId = 1;
  private nextConn = 1;
  /** PAUSE / SUSPEND of the whole pooler (PAUSE db pauses one database). */
  pauseMode: 'none' | 'pause' = 'none';
  /** The error PgBouncer sent to a client it closed while the client was not waiting for anything: its next read gets it. */
  private readonly closedWith = new Map<number, SimError>();
  readonly figures = new PoolerFigures();
  /** The one core every relayed message takes its turn on (cpu.ts). */
  readonly core: PoolerCore;

  constructor(
    readonly ctx: SimContext,
    private readonly spec: NodeSpec<PgBouncerSettings>,
    /** Opens a server connection for the pool (newServer, then loggedIn or loginFailed). */
    private readonly connectServer: (pool: Pool) => void,
  ) {
    this.core = new PoolerCore(ctx, spec.id, () => timeUs(this.settings.cpu_per_message));
    this.loadDatabases();
  }

  /** The node's id. */
  get nodeId(): string {
    return this.spec.id;
  }

  /** The node's settings as they are now (SET, RELOAD and setting changes apply at once). */
  get settings(): PgBouncerSettings {
    return this.spec.settings;
  }

  get now(): number {
    return this.ctx.scheduler.now;
  }

  /** Records the report's levels after a change: every event that changes a pool ends with it. */
  touch(): void {
    this.figures.record(this.pools, this.now);
  }

  // ---- configuration ----

  /** Reads [databases]; keeps the state of databases that stay, drops pools of those removed. */
  loadDatabases(): void {
    const entries = Object.entries(this.settings.databases);
    if (entries.length === 0) entries.push(['postgres', 'dbname=postgres']);
    const seen = new Set<string>();
    for (const [name, connstr] of entries) {
      const old = this.dbs.get(name);
      const db: PoolDatabase = {
        ...parseDatabase(name, connstr),
        paused: old?.paused ?? false,
        disabled: old?.disabled ?? false,
        connectionCount: old?.connectionCount ?? 0,
      };
      if (old) {
        if (old.host !== db.host || old.dbname !== db.dbname || old.port !== db.port) {
          for (const pool of this.pools) if (pool.db === old) for (const s of pool.servers) s.closeNeeded = true;
        }
        Object.assign(old, db);
      } else this.dbs.set(name, db);
      seen.add(name);
    }
    for (const [name, db] of this.dbs) {
      if (seen.has(name)) continue;
      this.dbs.delete(name);
      for (const pool of this.pools.filter((p) => p.db === db)) this.killPool(pool, 'database removed');
    }
  }

  databases(): PoolDatabase[] {
    return [...this.dbs.values()];
  }

  clientList(): PoolClient[] {
    return [...this.clients.values()];
  }

  private pool(db: PoolDatabase): Pool {
    let p = this.pools.find((x) => x.db === db && x.user === POOL_USER);
    if (!p) {
      p = new Pool(db, POOL_USER);
      this.pools.push(p);
      this.pools.sort((a, b) => (a.db.name < b.db.name ? -1 : a.db.name > b.db.name ? 1 : 0));
    }
    return p;
  }

  // ---- clients ----

  /** accept_client and finish_client_login, once the core has read the startup packet: a client of the first database, or its error. */
  acceptClient(info: ClientInfo, done: (r: { conn: Connection } | { error: SimError }) => void): void {
    this.core.handle(() => this.accept(info, done));
  }

  private accept(info: ClientInfo, done: (r: { conn: Connection } | { error: SimError }) => void): void {
    // accept_client, then the max_client_conn check counts the new client too.
    if (this.clients.size + 1 > this.settings.max_client_conn) {
      done({ error: simError('max_client_conn') });
      return;
    }
    const db = this.dbs.values().next().value as PoolDatabase;
    if (db.disabled) {
      done({ error: pgbError('pooler_connection_closed', `database "${db.name}" is disabled`) });
      return;
    }
    const pool = this.pool(db);
    const now = this.now;
    const conn: Connection = { id: this.nextConn++, endpoint: this.nodeId, dead: false };
    const c: PoolClient = {
      id: this.nextId++,
      conn,
      info,
      pool,
      state: 'active',
      connectTime: now,
      requestTime: now,
      waitStart: 0,
      waitForWelcome: false,
      xactStart: 0,
      closed: false,
    };
    this.clients.set(conn.id, c);
    this.ctx.metrics.connections(this.nodeId, +1);
    if (pool.welcomeReady) {
      pool.active.add(c);
      done({ conn });
    } else {
      // finish_client_login: no server parameters yet, the client waits for the first server login.
      c.waitForWelcome = true;
      c.loginDone = done;
      this.toWaiting(c);
      if (this.pauseMode === 'none' && !db.paused) this.launch(pool, true);
    }
    this.touch();
  }

  /** A client's statement, once the core has read it: to its server, or to one found for it (a closed client gets its error). */
  clientStatement(conn: Connection, call: StatementCall, done: (r: Reply) => void): void {
    this.core.handle(() => this.statement(conn, call, done));
  }

  private statement(conn: Connection, call: StatementCall, done: (r: Reply) => void): void {
    const c = this.clients.get(conn.id);
    if (!c || c.closed) {
      const error = this.closedWith.get(conn.id) ?? simError('pooler_connection_closed', { message: 'client connection is closed' });
      this.closedWith.delete(conn.id);
      done({ ok: false, error });
      return;
    }
    c.requestTime = this.now;
    if (c.server) forward(this, c, { call, done });
    else this.findServer(c, { call, done });
    this.touch();
  }

  /** The client closed its connection. */
  clientClose(conn: Connection): void {
    this.closedWith.delete(conn.id);
    const c = this.clients.get(conn.id);
    if (!c) return;
    this.disconnectClient(c, undefined);
    this.touch();
  }

  // ---- linking clients and servers ----

  /** find_server: link an idle server, or queue the client. */
  private findServer(c: PoolClient, p: Pending): void {
    const pool = c.pool;
    let s: PoolServer | undefined;
    if (this.pauseMode === 'none' && !pool.db.paused) {
      while ((s = pool.idle[0])) {
        if (s.closeNeeded) this.disconnectServer(s, 'obsolete connection');
        else break;
      }
      if (!s && !this.checkFastFail(c, p)) return;
    }
    if (s) {
      this.link(c, s);
      forward(this, c, p);
      return;
    }
    c.pending = p;
    this.toWaiting(c);
    // a followed request waits here for a server connection (cl_waiting)
    this.ctx.net.mark(p.call.trace, this.nodeId, 'queue');
    this.activate(pool);
  }

  private toWaiting(c: PoolClient): void {
    c.pool.active.delete(c);
    c.state = c.waitForWelcome ? 'waiting_login' : 'waiting';
    c.waitStart = this.now;
    c.pool.waiting.push(c);
  }

  /** check_fast_fail: no working server and the last login failed: fail now rather than queue. */
  private checkFastFail(c: PoolClient, p: Pending): boolean {
    const pool = c.pool;
    if (!pool.lastLoginFailed) return true;
    if (pool.servers.size - pool.byState.login > 0) return true;
    const cached = pool.lastFailedError?.message ?? 'unknown';
    const error = simError('server_login_retry', { message: `server login has been failing, cached error: ${cached} (server_login_retry)` });
    p.done({ ok: false, error });
    this.disconnectClient(c, undefined);
    this.launch(pool, true);
    return false;
  }

  private link(c: PoolClient, s: PoolServer, waited = 0): void {
    const pool = c.pool;
    this.setServerState(s, 'active');
    const i = pool.idle.indexOf(s);
    if (i >= 0) pool.idle.splice(i, 1);
    c.server = s;
    s.client = c;
    pool.stats.assign++;
    this.figures.recordWait(waited);
  }

  /** activate_client: a waiting client gets going (its statement finds a server, or its login ends). */
  private activateClient(c: PoolClient): void {
    const pool = c.pool;
    const i = pool.waiting.indexOf(c);
    if (i >= 0) pool.waiting.splice(i, 1);
    const waited = this.now - c.waitStart;
    c.state = 'active';
    pool.active.add(c);
    if (c.waitForWelcome) {
      c.waitForWelcome = false;
      const done = c.loginDone!;
      c.loginDone = undefined;
      done({ conn: c.conn });
      return;
    }
    const p = c.pending!;
    c.pending = undefined;
    let s: PoolServer | undefined;
    while ((s = pool.idle[0])) {
      if (s.closeNeeded) this.disconnectServer(s, 'obsolete connection');
      else break;
    }
    if (!s) {
      // no server after all: back to the head of the queue
      c.pending = p;
      pool.active.delete(c);
      c.state = 'waiting';
      pool.waiting.unshift(c);
      return;
    }
    pool.stats.waitTime += waited;
    this.link(c, s, waited);
    forward(this, c, p);
  }

  /** per_loop_activate: serve waiting clients from idle servers, or ask for one more server. */
  activate(pool: Pool): void {
    if (this.pauseMode !== 'none' || pool.db.paused) {
      for (const s of [...pool.idle]) this.disconnectServer(s, 'pause mode');
      return;
    }
    let tested = pool.byState.tested;
    for (const c of [...pool.waiting]) {
      if (c.closed || c.state === 'active') continue;
      if (pool.idle.length > 0) {
        if (c.waitForWelcome && !pool.welcomeReady) {
          this.launch(pool, true);
          continue;
        }
        this.activateClient(c);
      } else if (tested > 0) {
        tested--;
      } else {
        this.launch(pool, true);
        break;
      }
    }
  }

  /** per_loop_activate over every pool, then the levels (after a setting or the pause state changed). */
  activateAll(): void {
    for (const pool of this.pools) this.activate(pool);
    this.touch();
  }

  // ---- server connections ----

  /** launch_new_connection: at most one login at a time; pool_size, the reserve pool, max_db_connections. */
  launch(pool: Pool, _evictIfNeeded: boolean): void {
    if (pool.byState.login > 0) return;
    const now = this.now;
    const settings = this.settings;
    if (pool.lastConnectFailed && now - pool.lastConnectTime < settingUs(settings, 'server_login_retry')) return;
    const count = pool.servers.size;
    const size = poolSize(settings, pool);
    if (count >= size && pool.welcomeReady) {
      const first = pool.waiting[0];
      const reserve = reservePoolSize(settings, pool);
      const timeout = settingUs(settings, 'reserve_pool_timeout');
      if (!(timeout > 0 && reserve > 0 && first && now - first.requestTime >= timeout && count < size + reserve)) return;
      this.ctx.emit({ type: 'setting-applied', node: this.nodeId, message: `${this.nodeId}: taking connection from reserve_pool (${pool.db.name})` });
    }
    const max = maxDbConnections(settings, pool.db);
    if (max > 0 && pool.db.connectionCount >= max) return;
    this.connectServer(pool);
  }

  /** A new server connection of the pool to `target`, logging in. */
  newServer(pool: Pool, target: string): PoolServer {
    const now = this.now;
    const id = this.nextId++;
    const s: PoolServer = {
      id,
      pool,
      state: 'login',
      // a distinct instance gives each server connection its own client_addr in pg_stat_activity
      info: { app: this.nodeId, instance: SERVER_ADDR_BASE + id, applicationName: '' },
      target,
      connectTime: now,
      requestTime: now,
      ready: false,
      outstanding: false,
      idleTx: false,
      closeNeeded: false,
      closed: false,
      session: newSession(),
    };
    pool.servers.add(s);
    pool.byState.login++;
    pool.lastConnectTime = now;
    pool.db.connectionCount++;
    return s;
  }

  loggedIn(s: PoolServer, link: Link<StatementCall, Reply>): void {
    const pool = s.pool;
    s.link = link;
    s.ready = true;
    s.requestTime = this.now;
    pool.lastConnectFailed = false;
    pool.lastLoginFailed = false;
    pool.welcomeReady = true;
    this.toIdle(s, true);
  }

  loginFailed(s: PoolServer, error: SimError): void {
    const pool = s.pool;
    pool.lastConnectFailed = true;
    pool.lastLoginFailed = true;
    pool.lastFailedError = error;
    this.disconnectServer(s, error.message);
    // kill_pool_logins: with no usable server, every waiting client gets the server's own error.
    if (pool.connectedCount !== 0 && pool.welcomeReady) return;
    for (const c of [...pool.waiting]) this.disconnectClient(c, error);
  }

  /** change_server_state, with the pool's per-state counts. */
  setServerState(s: PoolServer, state: ServerState): void {
    s.pool.byState[s.state]--;
    s.state = state;
    s.pool.byState[state]++;
  }

  /** release_server: back to the pool (after the reset query in session mode). */
  releaseServer(s: PoolServer): void {
    const c = s.client;
    if (c) {
      c.server = undefined;
      c.backendOp = undefined;
      c.backendOpFor = undefined;
      s.client = undefined;
    }
    if (!resetOnRelease(this, s)) this.toIdle(s, false);
  }

  /** The server is idle, unless its lifetime is over or it must close; the oldest waiting client gets it. */
  toIdle(s: PoolServer, fromLogin: boolean): void {
    const pool = s.pool;
    if (!fromLogin && this.lifeOver(s)) {
      this.disconnectServer(s, 'server lifetime over');
      pool.lastLifetimeDisconnect = this.now;
      this.activate(pool);
      return;
    }
    if (s.closeNeeded) {
      this.disconnectServer(s, 'close_needed');
      this.activate(pool);
      return;
    }
    this.setServerState(s, 'idle');
    if (this.settings.server_round_robin === 1) pool.idle.push(s);
    else pool.idle.unshift(s);
    // reuse_on_release, then per_loop_activate: the oldest waiting client gets it at once
    this.activate(pool);
  }

  /** life_over: past server_lifetime, and lifetime closes spread at server_lifetime / pool_size apart. */
  lifeOver(s: PoolServer): boolean {
    const now = this.now;
    const lifetime = serverLifetimeUs(this.settings, s.pool);
    if (now - s.connectTime < lifetime) return false;
    const size = poolSize(this.settings, s.pool);
    const gap = size > 0 ? lifetime / size : 0;
    return now - s.pool.lastLifetimeDisconnect >= gap;
  }

  // ---- closing ----

  /** disconnect_server: closes a server; a linked client gets `reason` as PgBouncer's error. */
  disconnectServer(s: PoolServer, reason: string, clientError?: SimError): void {
    if (s.closed) return;
    s.closed = true;
    this.figures.countClose(`server: ${reason}`);
    const pool = s.pool;
    const c = s.client;
    if (c) {
      c.server = undefined;
      c.backendOp = undefined;
      s.client = undefined;
      this.disconnectClient(c, clientError ?? reasonError(reason));
    }
    pool.byState[s.state]--;
    pool.servers.delete(s);
    const i = pool.idle.indexOf(s);
    if (i >= 0) pool.idle.splice(i, 1);
    pool.db.connectionCount--;
    // The Terminate message reaches the database after the link's latency.
    s.link?.close(true);
  }

  /** disconnect_client: closes a client; with `error`, what it was waiting for fails with it. */
  disconnectClient(c: PoolClient, error: SimError | undefined): void {
    if (c.closed) return;
    c.closed = true;
    c.conn.dead = true;
    this.figures.countClose(error ? `client: ${error.message}` : 'client: client close request');
    const pool = c.pool;
    const s = c.server;
    if (s) {
      c.server = undefined;
      s.client = undefined;
      if (!s.ready) this.disconnectServer(s, 'client disconnect while server was not ready');
      else if (s.outstanding) this.disconnectServer(s, 'client disconnected with query in progress');
      else this.releaseServer(s);
    }
    const i = pool.waiting.indexOf(c);
    if (i >= 0) pool.waiting.splice(i, 1);
    pool.active.delete(c);
    this.clients.delete(c.conn.id);
    this.ctx.metrics.connections(this.nodeId, -1);
    const e = error ?? simError('pooler_connection_closed', { message: 'client connection closed' });
    const login = c.loginDone;
    const pending = c.pending;
    const inFlight = c.inFlight;
    c.loginDone = c.pending = c.inFlight = undefined;
    if (error && !login && !pending && !inFlight) this.closedWith.set(c.conn.id, error);
    login?.({ error: e });
    pending?.done({ ok: false, error: e });
    inFlight?.done({ ok: false, error: e });
  }

  /** Closes every client and server of the pool, with `reason`. */
  closeAll(pool: Pool, reason: string): void {
    for (const c of [...pool.active, ...pool.waiting]) this.disconnectClient(c, reasonError(reason));
    for (const s of [...pool.servers]) this.disconnectServer(s, reason);
  }

  /** kill_pool: the pool closes everything and goes. */
  private killPool(pool: Pool, reason: string): void {
    this.closeAll(pool, reason);
    const i = this.pools.indexOf(pool);
    if (i >= 0) this.pools.splice(i, 1);
  }
}

/** PgBouncer's error for a disconnect reason, with the catalogue's code where it has one. */
export function reasonError(reason: string): SimError {
  const codes: Record<string, CatalogueCode> = {
    'query timeout': 'query_timeout',
    'idle transaction timeout': 'idle_transaction_timeout',
    'transaction blocks not allowed in statement pooling mode': 'statement_pooling_transaction',
  };
  const code = codes[reason];
  return code ? simError(code, { message: reason }) : pgbError('pooler_connection_closed', reason);
}

function pgbError(code: CatalogueCode, message: string): SimError {
  return simError(code, { message });
}
