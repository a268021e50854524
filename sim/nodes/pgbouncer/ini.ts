/**
 * pgbouncer.ini in and out: `[databases]` entries and the `[pgbouncer]` settings the node models.
 * Import is strict as PgBouncer is: an unknown key or an invalid value is an error naming the line,
 * and nothing changes. Real PgBouncer keys the simulator does not model (listen_port, auth_file ...)
 * are accepted with a warning and not kept. Export writes every modelled setting, so a file exported
 * and imported again gives the same settings. The running pooler reads its [databases] entries here too
 * (parseDatabase), as PgBouncer's loader.c does.
 */
import { describeSettings, timeUs } from '../../scenario/settings.ts';
import type { PoolDatabase } from './pools.ts';
import { LAB_ONLY_SETTINGS, type PgBouncerSettings, pgbouncerSettings } from './settings.ts';
import type { ConfigIssue } from '../types.ts';

/** Keys of a [databases] connection string PgBouncer knows. */
const CONNSTR_KEYS = new Set([
  'dbname', 'host', 'port', 'user', 'password', 'auth_user', 'auth_query', 'auth_dbname', 'pool_size', 'min_pool_size',
  'reserve_pool', 'reserve_pool_size', 'connect_query', 'pool_mode', 'load_balance_hosts', 'max_db_connections',
  'max_db_client_connections', 'server_lifetime', 'client_encoding', 'datestyle', 'timezone', 'application_name',
]);

/** Real [pgbouncer] keys the simulator accepts in a file but does not model. */
const UNMODELLED = new Set([
  'logfile', 'pidfile', 'listen_addr', 'listen_port', 'unix_socket_dir', 'unix_socket_mode', 'unix_socket_group',
  'user', 'auth_file', 'auth_hba_file', 'auth_type', 'auth_query', 'auth_user', 'auth_dbname', 'admin_users',
  'stats_users', 'ignore_startup_parameters', 'track_extra_parameters', 'application_name_add_host', 'log_connections',
  'log_disconnections', 'log_pooler_errors', 'log_stats', 'verbose', 'syslog', 'syslog_ident', 'syslog_facility',
  'server_check_query', 'server_check_delay', 'server_fast_close', 'max_prepared_statements', 'max_user_connections',
  'max_db_client_connections', 'max_user_client_connections', 'client_login_timeout', 'autodb_idle_timeout',
  'dns_max_ttl', 'dns_nxdomain_ttl', 'dns_zone_check_period', 'resolv_conf', 'pkt_buf', 'max_packet_size',
  'listen_backlog', 'sbuf_loopcnt', 'so_reuseport', 'tcp_defer_accept', 'tcp_socket_buffer', 'tcp_keepalive',
  'tcp_keepcnt', 'tcp_keepidle', 'tcp_keepintvl', 'tcp_user_timeout', 'client_tls_sslmode', 'client_tls_key_file',
  'client_tls_cert_file', 'client_tls_ca_file', 'client_tls_protocols', 'client_tls_ciphers', 'client_tls_ecdhcurve',
  'client_tls_dheparams', 'server_tls_sslmode', 'server_tls_ca_file', 'server_tls_key_file', 'server_tls_cert_file',
  'server_tls_protocols', 'server_tls_ciphers', 'suspend_timeout', 'cancel_wait_timeout', 'transaction_timeout',
  'query_wait_notify', 'disable_pqexec', 'conffile', 'service_name', 'job_name', 'peer_id', 'server_login_retry_limit',
]);


export type IniResult =
  | { ok: true; settings: PgBouncerSettings; warnings: ConfigIssue[] }
  | { ok: false; errors: ConfigIssue[]; warnings: ConfigIssue[] };

/** Parses a libpq-style `key=value key='quoted value'` string, as PgBouncer reads a [databases] entry. */
export function parseConnstr(s: string): { ok: true; params: Map<string, string> } | { ok: false; error: string } {
  const params = new Map<string, string>();
  let i = 0;
  const n = s.length;
  const ws = () => {
    while (i < n && /\s/.test(s[i])) i++;
  };
  for (;;) {
    ws();
    if (i >= n) break;
    const k0 = i;
    while (i < n && /[A-Za-z0-9_]/.test(s[i])) i++;
    const key = s.slice(k0, i).toLowerCase();
    ws();
    if (!key || s[i] !== '=') return { ok: false, error: `syntax error in connection string` };
    i++;
    ws();
    let value = '';
    if (s[i] === "'") {
      i++;
      let closed = false;
      while (i < n) {
        if (s[i] === '\\' && i + 1 < n) {
          value += s[i + 1];
          i += 2;
        } else if (s[i] === "'") {
          if (s[i + 1] === "'") {
            value += "'";
            i += 2;
          } else {
            i++;
            closed = true;
            break;
          }
        } else value += s[i++];
      }
      if (!closed) return { ok: false, error: 'unterminated quoted string in connection string' };
    } else {
      while (i < n && !/\s/.test(s[i])) value += s[i++];
    }
    if (!CONNSTR_KEYS.has(key)) return { ok: false, error: `unrecognized connection parameter: ${key}` };
    params.set(key, value);
  }
  return { ok: true, params };
}

/** What a pool takes from a [databases] entry (loader.c's parse_database); an unreadable string gives the defaults. */
export function parseDatabase(name: string, connstr: string): Omit<PoolDatabase, 'paused' | 'disabled' | 'connectionCount'> {
  const parsed = parseConnstr(connstr);
  const p = parsed.ok ? parsed.params : new Map<string, string>();
  const int = (k: string) => (p.has(k) && /^\d+$/.test(p.get(k)!) ? Number(p.get(k)) : undefined);
  const mode = p.get('pool_mode');
  return {
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
  };
}

function quoteConnValue(v: string): string {
  return /^[^\s'\\]+$/.test(v) ? v : `'${v.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** Reads a pgbouncer.ini text. */
export function parsePgbouncerIni(text: string): IniResult {
  const errors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const raw: Record<string, unknown> = {};
  const databases: Record<string, string> = {};
  const docs = new Map(describeSettings(pgbouncerSettings).map((d) => [d.name, d]));
  let section = '';
  text.split(/\r?\n/).forEach((full, idx) => {
    const line = idx + 1;
    const lab = /^[;#]\s*lab:\s*(.*)$/.exec(full.trim());
    const l = lab ? lab[1] : full.trim();
    if (l === '' || (!lab && (l.startsWith(';') || l.startsWith('#')))) return;
    if (l.startsWith('%include')) {
      errors.push({ line, message: `%include is not supported here: import the included file's content instead` });
      return;
    }
    const sec = /^\[([^\]]+)\]$/.exec(l);
    if (sec) {
      section = sec[1].trim().toLowerCase();
      if (!['databases', 'pgbouncer', 'users', 'peers'].includes(section)) {
        errors.push({ line, message: `unknown section: [${sec[1]}]` });
      } else if (section === 'users' || section === 'peers') {
        warnings.push({ line, message: `[${section}] is not modelled; its entries are ignored` });
      }
      return;
    }
    const kv = /^([^=]+?)\s*=\s*(.*)$/.exec(l);
    if (!kv) {
      errors.push({ line, message: `syntax error in configuration (pgbouncer.ini:${line}): expected key = value` });
      return;
    }
    const key = kv[1].trim();
    const value = kv[2].trim();
    if (section === 'databases') {
      const c = parseConnstr(value);
      if (!c.ok) errors.push({ line, message: `${c.error} (pgbouncer.ini:${line}, database ${key})` });
      // a JavaScript object cannot hold this name as an entry: refused rather than silently lost
      else if (key === '__proto__') errors.push({ line, message: `database name ${key} is not supported here (pgbouncer.ini:${line})` });
      else databases[key] = value;
      return;
    }
    if (section === 'users' || section === 'peers') return;
    if (section !== 'pgbouncer') {
      errors.push({ line, message: `key ${key} outside of a section (pgbouncer.ini:${line})` });
      return;
    }
    const k = key.toLowerCase();
    if (lab && !LAB_ONLY_SETTINGS.has(k)) {
      errors.push({ line, message: `;lab: lines carry the simulator's own settings (${[...LAB_ONLY_SETTINGS].join(', ')}); ${k} is not one (pgbouncer.ini:${line})` });
      return;
    }
    if (!lab && LAB_ONLY_SETTINGS.has(k)) {
      warnings.push({ line, message: `${k} is the simulator's, not PgBouncer's: write it as ";lab: ${k} = ..."; ignored` });
      return;
    }
    if (k === 'databases') {
      errors.push({ line, message: `unknown parameter: pgbouncer/${key}` });
      return;
    }
    const doc = docs.get(k);
    if (!doc) {
      if (UNMODELLED.has(k)) warnings.push({ line, message: `${k} is a PgBouncer setting the simulator does not model; ignored` });
      else errors.push({ line, message: `unknown parameter: pgbouncer/${key} (pgbouncer.ini:${line})` });
      return;
    }
    const unquoted = /^'.*'$|^".*"$/.test(value) ? value.slice(1, -1) : value;
    let v: unknown = unquoted;
    if (doc.type === 'integer' || doc.unit === 's') {
      if (!/^-?\d+(\.\d+)?$/.test(unquoted)) {
        errors.push({ line, message: `invalid value "${value}" for parameter ${k} in configuration (pgbouncer.ini:${line})` });
        return;
      }
      v = Number(unquoted);
    }
    const check = (pgbouncerSettings.shape as Record<string, { safeParse(x: unknown): { success: boolean } }>)[k].safeParse(v);
    if (!check.success) {
      errors.push({ line, message: `invalid value "${value}" for parameter ${k} in configuration (pgbouncer.ini:${line})` });
      return;
    }
    raw[k] = v;
  });
  if (errors.length > 0) return { ok: false, errors, warnings };
  const parsed = pgbouncerSettings.safeParse({ ...raw, databases });
  if (!parsed.success) {
    return { ok: false, errors: parsed.error.issues.map((i) => ({ line: 0, message: `${i.path.join('.')}: ${i.message}` })), warnings };
  }
  return { ok: true, settings: parsed.data, warnings };
}

/** Writes the node's settings as a pgbouncer.ini. */
export function formatPgbouncerIni(settings: PgBouncerSettings, nodeId?: string): string {
  const out: string[] = [`; pgbouncer.ini${nodeId ? ` of node ${nodeId}` : ''}, exported by PG Scaling Lab`, '', '[databases]'];
  for (const [name, connstr] of Object.entries(settings.databases)) out.push(`${name} = ${connstr}`);
  out.push('', '[pgbouncer]');
  const docs = describeSettings(pgbouncerSettings).filter((d) => d.name !== 'databases');
  for (const d of docs.filter((d) => !LAB_ONLY_SETTINGS.has(d.name))) {
    const v = (settings as Record<string, unknown>)[d.name];
    out.push(`${d.name} = ${d.unit === 's' ? String(timeUs(v as number | string, 's') / 1e6) : String(v)}`);
  }
  out.push('', "; the simulator's own settings (comments to PgBouncer)");
  for (const d of docs.filter((d) => LAB_ONLY_SETTINGS.has(d.name))) out.push(`;lab: ${d.name} = ${String((settings as Record<string, unknown>)[d.name])}`);
  return `${out.join('\n')}\n`;
}

/** A connection string from its parameters, for SHOW DATABASES and export. */
export function formatConnstr(params: Map<string, string>): string {
  return [...params].map(([k, v]) => `${k}=${quoteConnValue(v)}`).join(' ');
}
