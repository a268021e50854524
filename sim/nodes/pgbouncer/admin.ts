/**
 * PgBouncer's admin console (the `pgbouncer` database): SHOW POOLS / STATS / CLIENTS / SERVERS /
 * DATABASES / CONFIG / LISTS / VERSION, PAUSE, RESUME, RECONNECT, KILL, KILL_CLIENT, RELOAD, DISABLE,
 * ENABLE, WAIT_CLOSE, SET key = value, with PgBouncer 1.2x's columns and errors. Anything else gets
 * `invalid command '...', use SHOW HELP;` as from PgBouncer. The console runs between events, at the
 * current virtual time; commands that block in PgBouncer (PAUSE, WAIT_CLOSE) return at once here and
 * SHOW POOLS shows their progress. As PgBouncer's admin.c: the commands parse here and change the pooler
 * through its own rules (pooler.ts); SHOW STATS is stats.ts's, as it is stats.c's.
 */
import { type SimError, simError } from '../../core/errors.ts';
import { VIRTUAL_EPOCH_MS } from '../../monitoring/activity.ts';
import { describeSettings } from '../../scenario/settings.ts';
import type { ConsoleResult } from '../types.ts';
import { POOL_USER, type PoolClient, type PoolDatabase, type PoolServer, SERVER_ADDR_BASE } from './pools.ts';
import { type Pooler, reasonError } from './pooler.ts';
import { LAB_ONLY_SETTINGS, pgbouncerSettings, poolMode, settingUs } from './settings.ts';
import { showStats } from './stats.ts';

export const PGBOUNCER_VERSION = 'PgBouncer 1.24.1';
const LISTEN_PORT = 6432;

const CLIENT_COLUMNS = [
  'type', 'user', 'database', 'state', 'addr', 'port', 'local_addr', 'local_port', 'connect_time', 'request_time', 'wait',
  'wait_us', 'close_needed', 'ptr', 'link', 'remote_pid', 'tls', 'application_name', 'prepared_statements', 'id',
];

const HELP = [
  'SHOW HELP|CONFIG|USERS|DATABASES|POOLS|CLIENTS|SERVERS|USERS|VERSION',
  'SHOW PEERS|PEER_POOLS',
  'SHOW FDS|SOCKETS|ACTIVE_SOCKETS|LISTS|MEM|STATE',
  'SHOW DNS_HOSTS|DNS_ZONES',
  'SHOW STATS|STATS_TOTALS|STATS_AVERAGES|TOTALS',
  'SET key = arg',
  'RELOAD',
  'PAUSE [<db>]',
  'RESUME [<db>]',
  'DISABLE <db>',
  'ENABLE <db>',
  'RECONNECT [<db>]',
  'KILL <db>',
  'KILL_CLIENT <client_id>',
  'SUSPEND',
  'SHUTDOWN',
  'SHUTDOWN WAIT_FOR_SERVERS|WAIT_FOR_CLIENTS',
  'WAIT_CLOSE [<db>]',
];

/** PgBouncer prints times as `2026-01-01 00:00:05 UTC`. */
function timestamp(us: number): string {
  return `${new Date(VIRTUAL_EPOCH_MS + Math.floor(us / 1000)).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A stable fake address of an internal object, as PgBouncer shows pointers. */
function ptr(id: number): string {
  return `0x${(0x55d1c0a00000 + id * 0x1d8).toString(16)}`;
}

function addr(instance: number): string {
  return `10.0.${instance >> 8}.${(instance & 255) + 1}`;
}

export async function adminCommand(pooler: Pooler, sql: string): Promise<ConsoleResult> {
  const query = sql;
  const base = { node: pooler.nodeId, query, columns: [] as string[], rows: [] as unknown[][], rowCount: 0 };
  const fail = (error: SimError): ConsoleResult => ({ ...base, error });
  const syntax = () => fail(simError('pgbouncer_admin', { message: `invalid command '${sql.trim()}', use SHOW HELP;` }));
  const rows = (columns: string[], data: unknown[][], command = 'SHOW'): ConsoleResult => ({ ...base, columns, rows: data, rowCount: data.length, command });
  const ok = (command: string): ConsoleResult => ({ ...base, command });
  const text = sql.trim();
  if (text.replace(/;\s*$/, '').includes(';')) return syntax();

  const set = /^set\s+(\w+)\s*(?:=|\bto\b)\s*('(?:[^']|'')*'|[^\s;']+)\s*;?\s*$/i.exec(text);
  if (set) {
    const value = set[2].startsWith("'") ? set[2].slice(1, -1).replace(/''/g, "'") : set[2];
    const err = setFromConsole(pooler, set[1].toLowerCase(), value);
    return err ? fail(err) : ok('SET');
  }
  const m = /^(\w+)(?:\s+("[^"]*"|[^\s;]+))?\s*;?\s*$/i.exec(text);
  if (!m) return syntax();
  const cmd = m[1].toLowerCase();
  const arg = m[2]?.replace(/^"(.*)"$/, '$1');
  const db = (name: string | undefined): PoolDatabase | undefined | null => {
    if (name === undefined) return undefined;
    return pooler.databases().find((d) => d.name === name) ?? null;
  };
  const noDb = (name: string) => fail(simError('pgbouncer_admin', { message: `no such database: ${name}` }));

  switch (cmd) {
    case 'show':
      return arg ? show(pooler, arg.toLowerCase(), rows, syntax) : syntax();
    case 'pause':
    case 'suspend': {
      if (cmd === 'suspend' && arg) return syntax();
      const d = db(arg);
      if (d === null) return noDb(arg!);
      if (!d && pooler.pauseMode !== 'none') return fail(simError('pgbouncer_admin', { message: 'already suspended/paused' }));
      if (d?.paused) return fail(simError('pgbouncer_admin', { message: `database ${d.name} is already paused` }));
      pause(pooler, d);
      return ok(cmd.toUpperCase());
    }
    case 'resume': {
      const d = db(arg);
      if (d === null) return noDb(arg!);
      if (d && !d.paused) return fail(simError('pgbouncer_admin', { message: `database ${d.name} is not paused` }));
      if (!d && pooler.pauseMode === 'none' && !pooler.databases().some((x) => x.paused)) {
        return fail(simError('pgbouncer_admin', { message: 'pooler is not paused/suspended' }));
      }
      resume(pooler, d);
      return ok('RESUME');
    }
    case 'reconnect': {
      const d = db(arg);
      if (d === null) return noDb(arg!);
      reconnect(pooler, d);
      return ok('RECONNECT');
    }
    case 'kill': {
      const d = db(arg);
      if (d === null) return noDb(arg!);
      kill(pooler, d);
      return ok('KILL');
    }
    case 'kill_client': {
      if (!arg || !/^\d+$/.test(arg)) return syntax();
      if (!killClient(pooler, Number(arg))) return fail(simError('pgbouncer_admin', { message: `client not found: ${arg}` }));
      return ok('KILL_CLIENT');
    }
    case 'disable':
    case 'enable': {
      if (!arg) return syntax();
      const d = db(arg);
      if (!d) return noDb(arg);
      d.disabled = cmd === 'disable';
      return ok(cmd.toUpperCase());
    }
    case 'reload':
      if (arg) return syntax();
      reload(pooler);
      return ok('RELOAD');
    case 'wait_close': {
      const d = db(arg);
      if (d === null) return noDb(arg!);
      return ok('WAIT_CLOSE');
    }
    case 'shutdown':
      return fail(simError('pgbouncer_admin', { message: 'SHUTDOWN is not available in the simulator: remove the node instead' }));
    default:
      return syntax();
  }
}

type Rows = (columns: string[], data: unknown[][], command?: string) => ConsoleResult;

function show(pooler: Pooler, what: string, rows: Rows, syntax: () => ConsoleResult): ConsoleResult {
  const now = pooler.now;
  const s = pooler.settings;
  switch (what) {
    case 'help':
      return rows(['help'], HELP.map((h) => [h]));
    case 'version':
      return rows(['version'], [[PGBOUNCER_VERSION]]);
    case 'pools': {
      const data: unknown[][] = [];
      const adminRow = ['pgbouncer', 'pgbouncer', 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 'statement', null];
      const pools = [...pooler.pools];
      let adminDone = false;
      for (const p of pools) {
        if (!adminDone && p.db.name > 'pgbouncer') {
          data.push(adminRow);
          adminDone = true;
        }
        const first = p.waiting[0];
        const wait = first ? now - first.waitStart : 0;
        data.push([
          p.db.name, p.user, p.active.size, p.waiting.length, 0, 0, p.byState.active, 0, 0, p.byState.idle, p.byState.used,
          p.byState.tested, p.byState.login, Math.floor(wait / 1e6), Math.floor(wait % 1e6), poolMode(s, p), null,
        ]);
      }
      if (!adminDone) data.push(adminRow);
      return rows(
        ['database', 'user', 'cl_active', 'cl_waiting', 'cl_active_cancel_req', 'cl_waiting_cancel_req', 'sv_active',
          'sv_active_cancel', 'sv_being_canceled', 'sv_idle', 'sv_used', 'sv_tested', 'sv_login', 'maxwait', 'maxwait_us',
          'pool_mode', 'load_balance_hosts'],
        data,
      );
    }
    case 'stats':
    case 'stats_totals':
    case 'stats_averages':
    case 'totals': {
      const t = showStats(pooler.pools, what);
      return rows(t.columns, t.rows);
    }
    case 'clients': {
      const data = pooler.clientList().map((c: PoolClient) => {
        const waiting = c.state !== 'active';
        const wait = waiting ? now - c.waitStart : 0;
        return [
          'C', POOL_USER, c.pool.db.name, waiting ? 'waiting' : 'active', addr(c.info.instance), 40000 + (c.id % 20000), '0.0.0.0',
          LISTEN_PORT, timestamp(c.connectTime), timestamp(c.requestTime), Math.floor(wait / 1e6), Math.floor(wait % 1e6), 0,
          ptr(c.id), c.server ? ptr(c.server.id) : null, 0, null, c.info.applicationName, 0, c.id,
        ];
      });
      return rows(CLIENT_COLUMNS, data);
    }
    case 'servers': {
      const data: unknown[][] = [];
      for (const p of pooler.pools) {
        for (const sv of p.servers as Set<PoolServer>) {
          data.push([
            'S', POOL_USER, p.db.name, sv.state === 'login' ? 'new' : sv.state, sv.target, p.db.port, addr(SERVER_ADDR_BASE + sv.id),
            50000 + (sv.id % 15000), timestamp(sv.connectTime), timestamp(sv.requestTime), 0, 0, sv.closeNeeded ? 1 : 0, ptr(sv.id),
            sv.client ? ptr(sv.client.id) : null, 0, null, sv.client?.info.applicationName ?? null, sv.session.prepared.size, sv.id,
          ]);
        }
      }
      return rows(CLIENT_COLUMNS, data);
    }
    case 'databases': {
      const clients = pooler.clientList();
      const data: unknown[][] = pooler.databases().map((d) => [
        d.name, d.host ?? null, d.port, d.dbname, null, d.poolSize ?? s.default_pool_size, d.minPoolSize ?? s.min_pool_size,
        d.reservePoolSize ?? s.reserve_pool_size, d.serverLifetime ?? Math.round(settingUs(s, 'server_lifetime') / 1e6), d.poolMode ?? null, null,
        d.maxDbConnections ?? s.max_db_connections, d.connectionCount, 0, clients.filter((c) => c.pool.db === d).length,
        d.paused || pooler.pauseMode !== 'none' ? 1 : 0, d.disabled ? 1 : 0,
      ]);
      data.push(['pgbouncer', null, LISTEN_PORT, 'pgbouncer', 'pgbouncer', 2, 0, 0, 0, 'statement', null, 0, 0, 0, 1, 0, 0]);
      data.sort((a, b) => String(a[0]).localeCompare(String(b[0])));
      return rows(
        ['name', 'host', 'port', 'database', 'force_user', 'pool_size', 'min_pool_size', 'reserve_pool_size', 'server_lifetime',
          'pool_mode', 'load_balance_hosts', 'max_connections', 'current_connections', 'max_client_connections',
          'current_client_connections', 'paused', 'disabled'],
        data,
      );
    }
    case 'config': {
      const docs = describeSettings(pgbouncerSettings).filter((d) => d.name !== 'databases' && !LAB_ONLY_SETTINGS.has(d.name));
      const value = (name: string, v: unknown) => {
        const doc = docs.find((d) => d.name === name)!;
        return doc.unit === 's' ? String(name in s ? settingUs(s, name as never) / 1e6 : v) : String(v);
      };
      const data = docs
        .map((d) => [d.name, value(d.name, (s as Record<string, unknown>)[d.name]), String(d.default ?? ''), 'yes'])
        .sort((a, b) => a[0].localeCompare(b[0]));
      return rows(['key', 'value', 'default', 'changeable'], data);
    }
    case 'lists': {
      const servers = pooler.pools.reduce((n, p) => n + p.servers.size, 0);
      const clients = pooler.clientList().length;
      return rows(['list', 'items'], [
        ['databases', pooler.databases().length + 1], ['users', 2], ['peers', 0], ['pools', pooler.pools.length + 1],
        ['peer_pools', 0], ['free_clients', 0], ['used_clients', clients + 1], ['login_clients', 0], ['free_servers', 0],
        ['used_servers', servers], ['dns_names', 0], ['dns_zones', 0], ['dns_queries', 0], ['dns_pending', 0],
      ]);
    }
    case 'state':
      return rows(['key', 'value'], [['active', pooler.pauseMode === 'none' ? 'yes' : 'no'], ['paused', pooler.pauseMode === 'pause' ? 'yes' : 'no'], ['suspended', 'no']]);
    default:
      return syntax();
  }
}

// ---- commands that change the pooler (admin.c's admin_cmd_*; KILL is janitor.c's kill_database) ----

/** PAUSE [db] / SUSPEND: no new server work; idle servers close as they are released (per_loop_pause). */
function pause(pooler: Pooler, db?: PoolDatabase): void {
  if (db) db.paused = true;
  else pooler.pauseMode = 'pause';
  for (const pool of pooler.pools) if (!db || pool.db === db) pooler.activate(pool);
  pooler.touch();
}

function resume(pooler: Pooler, db?: PoolDatabase): void {
  if (db) db.paused = false;
  else {
    pooler.pauseMode = 'none';
    for (const d of pooler.databases()) d.paused = false;
  }
  pooler.activateAll();
}

/** RECONNECT [db]: every server closes once it is no longer in use. */
function reconnect(pooler: Pooler, db?: PoolDatabase): void {
  for (const pool of pooler.pools) {
    if (db && pool.db !== db) continue;
    for (const s of [...pool.servers]) {
      s.closeNeeded = true;
      if (s.state === 'idle' || s.state === 'used') pooler.disconnectServer(s, 'database configuration changed');
    }
  }
  pooler.touch();
}

/** KILL [db]: the database is paused and its clients and servers close at once. */
function kill(pooler: Pooler, db?: PoolDatabase): void {
  for (const pool of [...pooler.pools]) {
    if (db && pool.db !== db) continue;
    pool.db.paused = true;
    pooler.closeAll(pool, 'database removed');
  }
  pooler.touch();
}

function killClient(pooler: Pooler, id: number): boolean {
  for (const c of pooler.clientList()) {
    if (c.id === id) {
      pooler.disconnectClient(c, reasonError('admin forced disconnect'));
      pooler.touch();
      return true;
    }
  }
  return false;
}

/** RELOAD: re-reads [databases]; changed servers close when released. */
function reload(pooler: Pooler): void {
  pooler.loadDatabases();
  pooler.activateAll();
}

/** SET key = value: validated like the scenario file, applied at once. */
function setFromConsole(pooler: Pooler, key: string, raw: string): SimError | undefined {
  const shape = pgbouncerSettings.shape as Record<string, { safeParse(v: unknown): { success: boolean; data?: unknown } }>;
  const field = shape[key];
  if (!field || key === 'databases' || LAB_ONLY_SETTINGS.has(key)) return simError('pgbouncer_admin', { message: 'SET failed', detail: `unknown parameter: ${key}` });
  let v: unknown = raw;
  const r1 = field.safeParse(/^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw);
  if (r1.success) v = r1.data;
  else {
    const r2 = field.safeParse(raw);
    if (!r2.success) return simError('pgbouncer_admin', { message: 'SET failed', detail: `invalid value for ${key}: ${raw}` });
    v = r2.data;
  }
  (pooler.settings as Record<string, unknown>)[key] = v;
  pooler.activateAll();
  return undefined;
}
