/**
 * PgBouncer's objects, as objects.c declares them (PgDatabase, PgPool, and PgSocket as a client or a
 * server): a [databases] entry, a (database, user) pool with its lists, a client connection and a
 * server connection, with the states SHOW CLIENTS / SHOW SERVERS name. Only their shape lives here; the
 * rules that move them from list to list are the pooler's (pooler.ts).
 */
import type { SimError } from '../../core/errors.ts';
import type { Link } from '../../net/Link.ts';
import type { ClientInfo, Connection, Reply, StatementCall } from '../types.ts';
import type { BackendOperation, BackendSession, LeakKind } from './sessionState.ts';
import type { PoolMode } from './settings.ts';
import { zeroStats } from './stats.ts';

/** The user every app logs in as (pg_stat_activity's usename on the database node). */
export const POOL_USER = 'postgres';
/** pg_stat_activity's client_addr of server connection n is 10.0.x.y of instance SERVER_ADDR_BASE + n. */
export const SERVER_ADDR_BASE = 4096;

export type ClientState = 'active' | 'waiting' | 'waiting_login';
export type ServerState = 'login' | 'idle' | 'active' | 'used' | 'tested';

/** A client's statement and where its reply goes. */
export interface Pending {
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
