/**
 * A `pgbouncer` node: PgBouncer 1.2x between app nodes and database nodes. For apps it is a SqlEndpoint
 * (a connect is a client connection, counted against max_client_conn); for database nodes it is a
 * client that opens server connections through their SqlEndpoint, over the edge's latency. The rules
 * below are PgBouncer's own (src/objects.c, src/janitor.c, src/server.c), named as there.
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
import type { ScheduledEvent } from '../../core/Scheduler.ts';
import { timeUs } from '../../scenario/settings.ts';
import type { Link } from '../../net/Link.ts';
import { ProxyNode, type Route } from '../proxy/ProxyNode.ts';
import type { ClientInfo, Connection, ConsoleResult, NodeSnapshot, NodeSpec, Reply, SimContext, SqlEndpoint, StatementCall } from '../types.ts';
import { adminCommand } from './admin.ts';
import { parseConnstr } from './ini.ts';
import {
  type BackendOperation,
  type BackendSession,
  backendOperation,
  clientMessage,
  describeSession,
  type LeakKind,
  newSession,
  resetSession,
} from './sessionState.ts';
import { type PgBouncerSettings, type PoolMode, pgbouncerSettings } from './settings.ts';

/** Full maintenance 3x per second (janitor.c). */
const JANITOR_US = 1e6 / 3;
/** The user every app logs in as (pg_stat_activity's usename on the database node). */
export const POOL_USER = 'postgres';
/** pg_stat_activity's client_addr of server connection n is 10.0.x.y of instance SERVER_ADDR_BASE + n. */
export const SERVER_ADDR_BASE = 4096;
/** Round-trip work of a tiny statement PgBouncer sends itself (SET application_name, DISCARD ALL). */
const TINY_STATEMENT_US = 25;

export type ClientState = 'active' | 'waiting' | 'waiting_login';
export type ServerState = 'login' | 'idle' | 'active' | 'used' | 'tested';

interface Pending {
  call: StatementCall;
  done: (r: Reply) => void;
}

export interface PoolClient {
  id: number;
  conn: Connection;
  info: ClientInfo;
  pool: Pool;
  state: ClientState;
  connectTime: number;
  requestTime: number;
  waitStart: number;
  server?: PoolServer;
  waitForWelcome: boolean;
  loginDone?: (r: { conn: Connection } | { error: SimError }) => void;
  /** A statement waiting for a server. */
  pending?: Pending;
  /** A statement at the server. */
  inFlight?: Pending;
  /** The operation of the transaction in progress as it runs on the backend (rewritten for session state). */
  backendOp?: BackendOperation;
  /** The client operation backendOp was made for. */
  backendOpFor?: StatementCall;
  xactStart: number;
  closed: boolean;
}

export interface PoolServer {
  id: number;
  pool: Pool;
  state: ServerState;
  /** The server connection over the edge to the database node, once logged in. */
  link?: Link<StatementCall, Reply>;
  info: ClientInfo;
  target: string;
  connectTime: number;
  requestTime: number;
  client?: PoolClient;
  /** Not inside a transaction and no statement outstanding (PgBouncer's `ready`). */
  ready: boolean;
  outstanding: boolean;
  /** The last ReadyForQuery said "in transaction". */
  idleTx: boolean;
  closeNeeded: boolean;
  closed: boolean;
  session: BackendSession;
  /** Clients whose session state this backend carries, with what they left. */
  leakedBy?: { client: number; kind: LeakKind; sql: string };
}

export interface PoolDatabase {
  name: string;
  /** The connection string from [databases], as written. */
  connstr: string;
  /** The database node's id, as written in host= (resolved at connect time). */
  host: string | undefined;
  port: number;
  dbname: string;
  poolSize: number | undefined;
  minPoolSize: number | undefined;
  reservePoolSize: number | undefined;
  poolMode: PoolMode | undefined;
  maxDbConnections: number | undefined;
  serverLifetime: number | undefined;
  paused: boolean;
  disabled: boolean;
  /** Server connections of this database, across its pools (max_db_connections counts these). */
  connectionCount: number;
}

export interface PoolStats {
  xact: number;
  query: number;
  assign: number;
  received: number;
  sent: number;
  xactTime: number;
  queryTime: number;
  waitTime: number;
}

const zeroStats = (): PoolStats => ({ xact: 0, query: 0, assign: 0, received: 0, sent: 0, xactTime: 0, queryTime: 0, waitTime: 0 });

/** A level over virtual time: its time-weighted mean and its maximum. */
class Level {
  private area = 0;
  private since = 0;
  max = 0;
  constructor(public value = 0) {}
  set(v: number, now: number): void {
    this.area += this.value * (now - this.since);
    this.since = now;
    this.value = v;
    if (v > this.max) this.max = v;
  }
  mean(now: number): number {
    const area = this.area + this.value * (now - this.since);
    return now > 0 ? area / now : this.value;
  }
}

export class Pool {
  readonly active = new Set<PoolClient>();
  readonly waiting: PoolClient[] = [];
  readonly servers = new Set<PoolServer>();
  /** Head (index 0) is the next one find_server takes. */
  readonly idle: PoolServer[] = [];
  readonly byState: Record<ServerState, number> = { login: 0, idle: 0, active: 0, used: 0, tested: 0 };
  welcomeReady = false;
  lastConnectFailed = false;
  lastLoginFailed = false;
  lastConnectTime = 0;
  lastFailedError: SimError | undefined;
  lastLifetimeDisconnect = 0;
  readonly stats = zeroStats();
  /** Totals at the start of the current stats_period, and the averages of the last one. */
  periodStart = zeroStats();
  averages = zeroStats();
  constructor(
    readonly db: PoolDatabase,
    readonly user: string,
  ) {}
  get clientCount(): number {
    return this.active.size + this.waiting.length;
  }
  /** pool_connected_server_count: every server but those logging in. */
  get connectedCount(): number {
    return this.servers.size - this.byState.login;
  }
}

export class PgBouncerNode extends ProxyNode<PgBouncerSettings, PoolDatabase, SimError | undefined> implements SqlEndpoint {
  readonly kind = 'pgbouncer';
  private readonly dbs = new Map<string, PoolDatabase>();
  readonly pools: Pool[] = [];
  private readonly clients = new Map<number, PoolClient>();
  private nextId = 1;
  private nextConn = 1;
  /** PAUSE / SUSPEND of the whole pooler (PAUSE db pauses one database). */
  pauseMode: 'none' | 'pause' = 'none';
  private janitorTick = 0;
  private janitorEvent: ScheduledEvent | undefined;
  private statsPeriodStart = 0;
  private queries = 0;
  private errors = 0;
  readonly leaks: { at: number; server: number; client: number; kind: LeakKind; sql: string }[] = [];
  private leakCount = 0;
  /** Connections PgBouncer closed, by reason (client: and server: prefixes), for the report. */
  private readonly closes = new Map<string, number>();
  /** The error PgBouncer sent to a client it closed while the client was not waiting for anything: its next read gets it. */
  private readonly closedWith = new Map<number, SimError>();
  // levels for the report
  private readonly clActive = new Level();
  private readonly clWaiting = new Level();
  private readonly svActive = new Level();
  private readonly svIdle = new Level();
  private readonly svTotal = new Level();
  private waitCount = 0;
  private waitSumUs = 0;
  private waitMaxUs = 0;

  constructor(ctx: SimContext, spec: NodeSpec<PgBouncerSettings>) {
    super(ctx, spec);
    this.loadDatabases();
    this.scheduleJanitor();
  }

  private get now(): number {
    return this.ctx.scheduler.now;
  }

  // ---- configuration ----

  /** Reads [databases]; keeps the state of databases that stay, drops pools of those removed. */
  private loadDatabases(): void {
    const entries = Object.entries(this.settings.databases);
    if (entries.length === 0) entries.push(['postgres', 'dbname=postgres']);
    const seen = new Set<string>();
    for (const [name, connstr] of entries) {
      const parsed = parseConnstr(connstr);
      const p = parsed.ok ? parsed.params : new Map<string, string>();
      const int = (k: string) => (p.has(k) && /^\d+$/.test(p.get(k)!) ? Number(p.get(k)) : undefined);
      const mode = p.get('pool_mode');
      const old = this.dbs.get(name);
      const db: PoolDatabase = {
        name,
        connstr,
        host: p.get('host'),
        port: int('port') ?? 5432,
        dbname: p.get('dbname') ?? name,
        poolSize: int('pool_size'),
        minPoolSize: int('min_pool_size'),
        reservePoolSize: int('reserve_pool_size') ?? int('reserve_pool'),
        poolMode: mode === 'session' || mode === 'transaction' || mode === 'statement' ? mode : undefined,
        maxDbConnections: int('max_db_connections'),
        serverLifetime: int('server_lifetime'),
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

  poolMode(pool: Pool): PoolMode {
    return pool.db.poolMode ?? this.settings.pool_mode;
  }
  poolSize(pool: Pool): number {
    return pool.db.poolSize ?? this.settings.default_pool_size;
  }
  minPoolSize(pool: Pool): number {
    return pool.db.minPoolSize ?? this.settings.min_pool_size;
  }
  reservePoolSize(pool: Pool): number {
    return pool.db.reservePoolSize ?? this.settings.reserve_pool_size;
  }
  maxDbConnections(db: PoolDatabase): number {
    return db.maxDbConnections ?? this.settings.max_db_connections;
  }
  serverLifetimeUs(pool: Pool): number {
    return pool.db.serverLifetime !== undefined ? pool.db.serverLifetime * 1e6 : this.sec('server_lifetime');
  }

  /** A time setting in microseconds. */
  sec(name: keyof PgBouncerSettings): number {
    return timeUs(this.settings[name] as number | string, 's');
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

  // ---- clients: the SqlEndpoint apps see ----

  connect(info: ClientInfo, done: (r: { conn: Connection } | { error: SimError }) => void): void {
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
    const conn: Connection = { id: this.nextConn++, endpoint: this.id, dead: false };
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
    this.ctx.metrics.connections(this.id, +1);
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

  execute(conn: Connection, call: StatementCall, done: (r: Reply) => void): void {
    const c = this.clients.get(conn.id);
    if (!c || c.closed) {
      const error = this.closedWith.get(conn.id) ?? simError('pooler_connection_closed', { message: 'client connection is closed' });
      this.closedWith.delete(conn.id);
      done({ ok: false, error });
      return;
    }
    c.requestTime = this.now;
    if (c.server) this.forward(c, { call, done });
    else this.findServer(c, { call, done });
    this.touch();
  }

  disconnect(conn: Connection): void {
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
      this.forward(c, p);
      return;
    }
    c.pending = p;
    this.toWaiting(c);
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
    this.recordWait(waited);
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
    this.forward(c, p);
  }

  private recordWait(us: number): void {
    this.waitCount++;
    this.waitSumUs += us;
    if (us > this.waitMaxUs) this.waitMaxUs = us;
  }

  /** per_loop_activate: serve waiting clients from idle servers, or ask for one more server. */
  private activate(pool: Pool): void {
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

  /** launch_new_connection: at most one login at a time; pool_size, the reserve pool, max_db_connections. */
  private launch(pool: Pool, _evictIfNeeded: boolean): void {
    if (pool.byState.login > 0) return;
    const now = this.now;
    if (pool.lastConnectFailed && now - pool.lastConnectTime < this.sec('server_login_retry')) return;
    const count = pool.servers.size;
    const size = this.poolSize(pool);
    if (count >= size && pool.welcomeReady) {
      const first = pool.waiting[0];
      const reserve = this.reservePoolSize(pool);
      const timeout = this.sec('reserve_pool_timeout');
      if (!(timeout > 0 && reserve > 0 && first && now - first.requestTime >= timeout && count < size + reserve)) return;
      this.ctx.emit({ type: 'setting-applied', node: this.id, message: `${this.id}: taking connection from reserve_pool (${pool.db.name})` });
    }
    const max = this.maxDbConnections(pool.db);
    if (max > 0 && pool.db.connectionCount >= max) return;
    this.openServer(pool);
  }

  private openServer(pool: Pool): void {
    const now = this.now;
    const route = this.route(pool.db);
    const target = route.kind === 'forward' ? route.upstream : undefined;
    const id = this.nextId++;
    const s: PoolServer = {
      id,
      pool,
      state: 'login',
      // a distinct instance gives each server connection its own client_addr in pg_stat_activity
      info: { app: this.id, instance: SERVER_ADDR_BASE + id, applicationName: '' },
      target: target ?? '',
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
    this.dispatch(
      route,
      (upstream, failed) =>
        this.connectUpstream(
          upstream,
          s.info,
          (r) => {
            if ('error' in r) failed(r.error);
            else this.loggedIn(s, r.link);
            this.touch();
          },
          () => s.closed,
        ),
      (error) => error && this.loginFailed(s, error),
    );
  }

  private loggedIn(s: PoolServer, link: Link<StatementCall, Reply>): void {
    const pool = s.pool;
    s.link = link;
    s.ready = true;
    s.requestTime = this.now;
    pool.lastConnectFailed = false;
    pool.lastLoginFailed = false;
    pool.welcomeReady = true;
    this.toIdle(s, true);
  }

  private loginFailed(s: PoolServer, error: SimError): void {
    const pool = s.pool;
    pool.lastConnectFailed = true;
    pool.lastLoginFailed = true;
    pool.lastFailedError = error;
    this.disconnectServer(s, error.message);
    // kill_pool_logins: with no usable server, every waiting client gets the server's own error.
    if (pool.connectedCount !== 0 && pool.welcomeReady) return;
    for (const c of [...pool.waiting]) this.disconnectClient(c, error);
  }

  private setServerState(s: PoolServer, state: ServerState): void {
    s.pool.byState[s.state]--;
    s.state = state;
    s.pool.byState[state]++;
  }

  /** release_server: back to the pool (after the reset query in session mode). */
  private releaseServer(s: PoolServer): void {
    const pool = s.pool;
    const c = s.client;
    if (c) {
      c.server = undefined;
      c.backendOp = undefined;
      c.backendOpFor = undefined;
      s.client = undefined;
    }
    const reset = this.settings.server_reset_query.trim();
    if (reset && (this.settings.server_reset_query_always === 1 || this.poolMode(pool) === 'session')) {
      this.setServerState(s, 'tested');
      s.requestTime = this.now;
      // One round trip: DISCARD ALL drops what the client left on the backend.
      const rtt = 2 * s.link!.latencyUs + TINY_STATEMENT_US;
      this.ctx.scheduler.after(rtt, () => {
        if (s.closed) return;
        resetSession(s.session);
        s.leakedBy = undefined;
        s.requestTime = this.now;
        this.toIdle(s, false);
        this.touch();
      });
      return;
    }
    this.toIdle(s, false);
  }

  private toIdle(s: PoolServer, fromLogin: boolean): void {
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
  private lifeOver(s: PoolServer): boolean {
    const now = this.now;
    const lifetime = this.serverLifetimeUs(s.pool);
    if (now - s.connectTime < lifetime) return false;
    const size = this.poolSize(s.pool);
    const gap = size > 0 ? lifetime / size : 0;
    return now - s.pool.lastLifetimeDisconnect >= gap;
  }

  // ---- statements ----

  /** Sends a client's statement to its server and its reply back; releases the server per pool_mode. */
  private forward(c: PoolClient, p: Pending): void {
    const s = c.server!;
    const pool = c.pool;
    const { call } = p;
    const now = this.now;
    // varcache_apply: a server last used with another application_name gets SET application_name first.
    let setVars = 0;
    if (s.info.applicationName !== c.info.applicationName) {
      setVars = 2 * s.link!.latencyUs + TINY_STATEMENT_US;
      s.info.applicationName = c.info.applicationName;
    }
    s.ready = false;
    s.outstanding = true;
    s.requestTime = now;
    c.inFlight = p;
    if (call.kind === 'begin' || (call.kind === 'sql' && !call.op.transaction)) c.xactStart = now;
    let calls: StatementCall[];
    let mainIndex = 0;
    let wrapped = false;
    if (call.kind === 'sql') {
      if (call.index === 0 || c.backendOpFor?.kind !== 'sql' || c.backendOpFor.op !== call.op) {
        c.backendOp = backendOperation(call.op, s.id, s.session);
        c.backendOpFor = call;
      }
      const bo = c.backendOp;
      const sql = call.op.statements[call.index].sql;
      pool.stats.received += sql.length + 5 + call.params.reduce<number>((n, v) => n + String(v ?? '').length + 4, 0);
      if (!bo) calls = [call];
      else {
        calls = [];
        if (call.index === 0) {
          if (bo.wrapped) calls.push({ kind: 'begin' });
          for (let i = 0; i < bo.prefix; i++) calls.push({ kind: 'sql', op: bo.op, index: i, params: call.params });
        }
        mainIndex = calls.length;
        calls.push({ kind: 'sql', op: bo.op, index: call.index + bo.prefix, params: call.params });
        wrapped = bo.wrapped;
      }
    } else {
      calls = [call];
      pool.stats.received += call.kind.length + 5;
    }
    const queryStart = now + setVars + s.link!.latencyUs;
    s.link!.roundTrip(
      call.trace,
      (respond) => this.runChain(s, calls, 0, mainIndex, wrapped, undefined, respond),
      (reply) => {
        this.serverReplied(c, s, p, reply, queryStart);
        this.touch();
      },
      setVars,
    );
  }

  /**
   * Runs the backend calls one after another on the server; the reply is the main call's. Each call
   * is made from an event of its own whose handler awaits it (the scheduler's rule for engine calls).
   */
  private async runChain(
    s: PoolServer,
    calls: StatementCall[],
    i: number,
    mainIndex: number,
    wrapped: boolean,
    main: Reply | undefined,
    done: (r: Reply) => void,
  ): Promise<void> {
    const ep = this.ctx.net.endpoint<StatementCall, Reply>(s.target);
    const conn = s.link?.conn;
    if (!ep || !conn) {
      done({ ok: false, error: simError('crash_shutdown') });
      return;
    }
    const next = (j: number, m: Reply | undefined) => {
      this.ctx.scheduler.after(0, () => (s.closed ? undefined : this.runChain(s, calls, j, mainIndex, wrapped, m, done)));
    };
    if (i >= calls.length) {
      if (!wrapped) {
        done(main!);
        return;
      }
      // close the transaction that scoped the backend's settings
      const end: StatementCall = { kind: main!.ok ? 'commit' : 'rollback' };
      await ep.execute(conn, end, (r) => done(main!.ok && !r.ok ? r : main!));
      return;
    }
    await ep.execute(conn, calls[i], (r) => {
      if (s.closed) return;
      if (i === mainIndex) next(i + 1, r);
      else if (!r.ok) next(calls.length, r);
      else next(i + 1, main);
    });
  }

  private serverReplied(c: PoolClient, s: PoolServer, p: Pending, reply: Reply, queryStart: number): void {
    const pool = s.pool;
    const now = this.now;
    const { call } = p;
    s.outstanding = false;
    s.requestTime = now;
    pool.stats.query++;
    pool.stats.queryTime += now - queryStart;
    pool.stats.sent += 64;
    this.queries++;
    if (!reply.ok) this.errors++;
    this.ctx.metrics.query(this.id, !reply.ok);
    if (!reply.ok && reply.error.severity !== 'ERROR') {
      // The backend is gone (crash, FATAL): PgBouncer closes the server and the client (c.inFlight gets the error).
      this.disconnectServer(s, 'server conn crashed?', reply.error);
      return;
    }
    const inTx = call.kind === 'sql' ? call.op.transaction : call.kind === 'begin';
    if (call.kind === 'sql' && c.backendOp && reply.ok) {
      const bo = c.backendOp;
      bo.effects[call.index]?.(s.session);
      const leak = bo.leaks[call.index];
      if (leak) this.noteLeak(c, s, leak, call.op.statements[call.index].sql);
    }
    if (!inTx && c.xactStart > 0) {
      pool.stats.xact++;
      pool.stats.xactTime += now - c.xactStart;
      c.xactStart = 0;
    }
    s.idleTx = inTx;
    s.ready = !inTx;
    const mode = this.poolMode(pool);
    if (mode === 'statement' && inTx) {
      // server.c: ReadyForQuery 'T' in statement mode closes the server; the client gets the error.
      this.disconnectServer(s, 'transaction blocks not allowed in statement pooling mode');
      return;
    }
    c.inFlight = undefined;
    const out: Reply = reply.ok ? reply : { ok: false, error: { ...reply.error, message: clientMessage(reply.error.message) } };
    if ((mode === 'transaction' && !inTx) || mode === 'statement') this.releaseServer(s);
    p.done(out);
  }

  private noteLeak(c: PoolClient, s: PoolServer, kind: LeakKind, sql: string): void {
    const mode = this.poolMode(s.pool);
    if (mode === 'session' && this.settings.server_reset_query.trim()) return;
    this.leakCount++;
    s.leakedBy = { client: c.id, kind, sql };
    if (this.leaks.length < 100) this.leaks.push({ at: this.now, server: s.id, client: c.id, kind, sql });
    if (this.leakCount <= 20 || this.leakCount % 1000 === 0) {
      this.ctx.emit({
        type: 'console',
        node: this.id,
        message: `${this.id}: session state leak in ${mode} mode: client C-${c.id} left "${sql}" (${kind}) on server S-${s.id}; the next client on S-${s.id} inherits it`,
      });
    }
  }

  // ---- closing ----

  /** disconnect_server: closes a server; a linked client gets `reason` as PgBouncer's error. */
  disconnectServer(s: PoolServer, reason: string, clientError?: SimError): void {
    if (s.closed) return;
    s.closed = true;
    this.countClose(`server: ${reason}`);
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
    this.countClose(error ? `client: ${error.message}` : 'client: client close request');
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
    this.ctx.metrics.connections(this.id, -1);
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

  private countClose(reason: string): void {
    this.closes.set(reason, (this.closes.get(reason) ?? 0) + 1);
  }

  private killPool(pool: Pool, reason: string): void {
    for (const c of [...pool.active, ...pool.waiting]) this.disconnectClient(c, reasonError(reason));
    for (const s of [...pool.servers]) this.disconnectServer(s, reason);
    const i = this.pools.indexOf(pool);
    if (i >= 0) this.pools.splice(i, 1);
  }

  // ---- housekeeping ----

  private scheduleJanitor(): void {
    this.janitorTick++;
    this.janitorEvent = this.ctx.scheduler.at(Math.round(this.janitorTick * JANITOR_US), () => {
      this.janitor();
      this.scheduleJanitor();
    });
  }

  /** do_full_maint: pool_server_maint, pool_client_maint, then per_loop_activate; stats_period. */
  private janitor(): void {
    const now = this.now;
    for (const pool of [...this.pools]) {
      this.serverMaint(pool, now);
      this.clientMaint(pool, now);
      this.activate(pool);
    }
    const period = this.sec('stats_period');
    if (now - this.statsPeriodStart >= period) {
      for (const pool of this.pools) {
        const d = (k: keyof PoolStats) => pool.stats[k] - pool.periodStart[k];
        const secs = (now - this.statsPeriodStart) / 1e6;
        pool.averages = {
          xact: Math.round(d('xact') / secs),
          query: Math.round(d('query') / secs),
          assign: Math.round(d('assign') / secs),
          received: Math.round(d('received') / secs),
          sent: Math.round(d('sent') / secs),
          xactTime: d('xact') ? Math.round(d('xactTime') / d('xact')) : 0,
          queryTime: d('query') ? Math.round(d('queryTime') / d('query')) : 0,
          waitTime: d('assign') ? Math.round(d('waitTime') / d('assign')) : 0,
        };
        pool.periodStart = { ...pool.stats };
      }
      this.statsPeriodStart = now;
    }
    this.touch();
  }

  private serverMaint(pool: Pool, now: number): void {
    const idleTimeout = this.sec('server_idle_timeout');
    const minPool = this.minPoolSize(pool);
    for (const s of [...pool.servers]) {
      if (s.closed || s.state === 'active' || s.state === 'login' || s.state === 'tested') continue;
      const age = now - s.connectTime;
      const idle = now - s.requestTime;
      if (s.closeNeeded) this.disconnectServer(s, 'database configuration changed');
      else if (idleTimeout > 0 && idle > idleTimeout && (minPool === 0 || pool.connectedCount > minPool)) {
        this.disconnectServer(s, 'server idle timeout');
      } else if (age >= this.serverLifetimeUs(pool)) {
        if (this.lifeOver(s)) {
          this.disconnectServer(s, 'server lifetime over');
          pool.lastLifetimeDisconnect = now;
        }
      } else if (this.pauseMode === 'pause') this.disconnectServer(s, 'pause mode');
    }
    const qt = this.sec('query_timeout');
    const itt = this.sec('idle_transaction_timeout');
    if (qt > 0 || itt > 0) {
      for (const s of [...pool.servers]) {
        if (s.closed || s.state !== 'active' || s.ready || !s.client) continue;
        if (qt > 0 && now - s.client.requestTime > qt) this.disconnectServer(s, 'query timeout');
        else if (itt > 0 && s.idleTx && !s.outstanding && now - s.requestTime > itt) this.disconnectServer(s, 'idle transaction timeout');
      }
    }
    const sct = this.sec('server_connect_timeout');
    if (sct > 0) {
      for (const s of [...pool.servers]) {
        if (s.state === 'login' && now - s.connectTime > sct) {
          this.loginFailed(s, simError('pooler_connection_closed', { message: 'connect timeout' }));
        }
      }
    }
    // check_pool_size: too many servers (pool_size lowered), then min_pool_size while there are clients.
    const size = this.poolSize(pool);
    let many = pool.connectedCount - (size + this.reservePoolSize(pool));
    while (many > 0) {
      const s = [...pool.servers].find((x) => x.state === 'used') ?? pool.idle[0];
      if (!s) break;
      this.disconnectServer(s, 'too many servers in the pool');
      many--;
    }
    const cur = pool.connectedCount;
    if (cur < minPool && cur < size && this.pauseMode === 'none' && !pool.db.paused && pool.clientCount > 0) {
      this.launch(pool, false);
    }
  }

  private clientMaint(pool: Pool, now: number): void {
    const cit = this.sec('client_idle_timeout');
    if (cit > 0) {
      for (const c of [...pool.active]) {
        if (!c.server && now - c.requestTime > cit) this.disconnectClient(c, simError('client_idle_timeout'));
      }
    }
    const qt = this.sec('query_timeout');
    const qwt = this.sec('query_wait_timeout');
    if (qt > 0 || qwt > 0) {
      for (const c of [...pool.waiting]) {
        const age = now - (c.waitForWelcome ? c.connectTime : c.requestTime);
        if (qt > 0 && age > qt) this.disconnectClient(c, simError('query_timeout'));
        else if (qwt > 0 && age > qwt) this.disconnectClient(c, simError('query_wait_timeout'));
      }
    }
  }

  // ---- admin operations (the console's PAUSE, RESUME, RECONNECT, KILL, RELOAD, SET) ----

  pause(db?: PoolDatabase): void {
    if (db) db.paused = true;
    else this.pauseMode = 'pause';
    for (const pool of this.pools) if (!db || pool.db === db) this.activate(pool);
    this.touch();
  }

  resume(db?: PoolDatabase): void {
    if (db) db.paused = false;
    else {
      this.pauseMode = 'none';
      for (const d of this.dbs.values()) d.paused = false;
    }
    for (const pool of this.pools) this.activate(pool);
    this.touch();
  }

  reconnect(db?: PoolDatabase): void {
    for (const pool of this.pools) {
      if (db && pool.db !== db) continue;
      for (const s of [...pool.servers]) {
        s.closeNeeded = true;
        if (s.state === 'idle' || s.state === 'used') this.disconnectServer(s, 'database configuration changed');
      }
    }
    this.touch();
  }

  kill(db?: PoolDatabase): void {
    for (const pool of [...this.pools]) {
      if (db && pool.db !== db) continue;
      pool.db.paused = true;
      for (const c of [...pool.active, ...pool.waiting]) this.disconnectClient(c, reasonError('database removed'));
      for (const s of [...pool.servers]) this.disconnectServer(s, 'database removed');
    }
    this.touch();
  }

  killClient(id: number): boolean {
    for (const c of this.clients.values()) {
      if (c.id === id) {
        this.disconnectClient(c, reasonError('admin forced disconnect'));
        this.touch();
        return true;
      }
    }
    return false;
  }

  /** RELOAD: re-reads [databases]; changed servers close when released. */
  reload(): void {
    this.loadDatabases();
    for (const pool of this.pools) this.activate(pool);
    this.touch();
  }

  clientList(): PoolClient[] {
    return [...this.clients.values()];
  }

  /** Virtual time now, for the console. */
  get time(): number {
    return this.now;
  }

  // ---- the node model ----

  async applySetting(name: string, value: unknown): Promise<'applied' | 'restart-required'> {
    (this.spec.settings as Record<string, unknown>)[name] = value;
    if (name === 'databases') this.loadDatabases();
    for (const pool of this.pools) this.activate(pool);
    this.touch();
    return 'applied';
  }

  /** SET key = value from the admin console: validated like the scenario file. */
  setFromConsole(key: string, raw: string): SimError | undefined {
    const shape = pgbouncerSettings.shape as Record<string, { safeParse(v: unknown): { success: boolean; data?: unknown } }>;
    const field = shape[key];
    if (!field || key === 'databases') return simError('pgbouncer_admin', { message: 'SET failed', detail: `unknown parameter: ${key}` });
    let v: unknown = raw;
    const r1 = field.safeParse(/^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw);
    if (r1.success) v = r1.data;
    else {
      const r2 = field.safeParse(raw);
      if (!r2.success) return simError('pgbouncer_admin', { message: 'SET failed', detail: `invalid value for ${key}: ${raw}` });
      v = r2.data;
    }
    (this.spec.settings as Record<string, unknown>)[key] = v;
    for (const pool of this.pools) this.activate(pool);
    this.touch();
    return undefined;
  }

  async console(sql: string): Promise<ConsoleResult> {
    return adminCommand(this, sql);
  }

  /** Records the levels of the report after every change (called at the end of each event). */
  private touch(): void {
    let clA = 0;
    let clW = 0;
    let svA = 0;
    let svI = 0;
    let sv = 0;
    for (const p of this.pools) {
      clA += p.active.size;
      clW += p.waiting.length;
      svA += p.byState.active;
      svI += p.byState.idle;
      sv += p.servers.size;
    }
    const now = this.now;
    if (clA !== this.clActive.value) this.clActive.set(clA, now);
    if (clW !== this.clWaiting.value) this.clWaiting.set(clW, now);
    if (svA !== this.svActive.value) this.svActive.set(svA, now);
    if (svI !== this.svIdle.value) this.svIdle.set(svI, now);
    if (sv !== this.svTotal.value) this.svTotal.set(sv, now);
  }

  snapshot(): NodeSnapshot {
    const now = this.now;
    let maxwait = 0;
    const sum = { cl_active: 0, cl_waiting: 0, sv_active: 0, sv_idle: 0, sv_used: 0, sv_tested: 0, sv_login: 0 };
    for (const p of this.pools) {
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
      status: this.pauseMode === 'pause' ? 'down' : 'up',
      queries: this.queries,
      errors: this.errors,
      queriesPerSecond: last?.queries ?? 0,
      cpuUtilization: 0,
      connections: this.clients.size,
      ...sum,
      maxwait: maxwait / 1e6,
      serverConnections: sum.sv_active + sum.sv_idle + sum.sv_used + sum.sv_tested + sum.sv_login,
      pool_mode: this.settings.pool_mode,
      maxClientConn: this.settings.max_client_conn,
      defaultPoolSize: this.settings.default_pool_size,
      paused: this.pauseMode === 'pause',
      sessionLeaks: this.leakCount,
      leakedServers: this.pools.flatMap((p) =>
        [...p.servers].filter((s) => s.leakedBy).map((s) => ({ server: s.id, state: describeSession(s.session), by: s.leakedBy! })),
      ),
    };
  }

  report(): Record<string, unknown> {
    const now = this.now;
    const r3 = (x: number) => Math.round(x * 1000) / 1000;
    return {
      pool: {
        clActiveAvg: r3(this.clActive.mean(now)),
        clWaitingAvg: r3(this.clWaiting.mean(now)),
        clWaitingMax: this.clWaiting.max,
        svActiveAvg: r3(this.svActive.mean(now)),
        svIdleAvg: r3(this.svIdle.mean(now)),
        serverConnectionsMax: this.svTotal.max,
        avgWaitMs: r3(this.waitCount ? this.waitSumUs / this.waitCount / 1000 : 0),
        maxWaitMs: r3(this.waitMaxUs / 1000),
      },
      serverAssignments: this.waitCount,
      sessionLeaks: this.leakCount,
      closedConnections: Object.fromEntries([...this.closes].sort(([a], [b]) => a.localeCompare(b))),
    };
  }

  async close(): Promise<void> {
    this.ctx.scheduler.cancel(this.janitorEvent);
  }
}

/** PgBouncer's error for a disconnect reason, with the catalogue's code where it has one. */
function reasonError(reason: string): SimError {
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
