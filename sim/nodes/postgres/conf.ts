/**
 * postgresql.conf in and out for a postgres node. The syntax is PostgreSQL's (guc-file.l): `name = value`
 * (the `=` is optional), names case-insensitive, a value unquoted (a number with an optional unit such as
 * `128MB` or `500ms`, or a word) or in single quotes (`''` or `\'` for a quote), `#` to the end of the line
 * is a comment, and the last line for a name wins. Units are PostgreSQL's (B kB MB GB TB, us ms s min h d).
 *
 * What the simulator has that postgresql.conf does not (the server's hardware: cores, ram, disks; the
 * failover delay) is written as `#lab: name = value` lines: comments to a real server, read back by the
 * import, so a file exported and imported again gives the same settings.
 *
 * A bad value of a modelled setting is an error naming the line, with the schema's message, and nothing
 * changes. An unknown name is a warning naming the line, not an error, although a real server refuses to
 * start on one ("unrecognized configuration parameter"): a file from a real server carries parameters of
 * other versions and extensions that the simulator has no list of, and refusing the file for them would
 * stop a student from importing it at all; the warning says a real server would refuse it. Real PostgreSQL
 * parameters the simulator does not model, and extension parameters (a dotted name, which PostgreSQL
 * accepts as a placeholder), are warnings that they are ignored.
 */
import type { z } from 'zod';
import { describeSettings } from '../../scenario/settings.ts';
import type { ConfigIssue } from '../types.ts';
import { type PostgresSettings, postgresSettings } from './settings.ts';

/** Settings of the simulated server that are not PostgreSQL parameters: written as `#lab:` lines. */
// application_name: a replica's primary_conninfo application_name= (a postgresql.conf application_name is a session default)
export const LAB_ONLY_SETTINGS = ['instance', 'cores', 'ram', 'disk_latency', 'disk_throughput', 'auto_failover_after', 'application_name'] as const;
const LAB_ONLY = new Set<string>(LAB_ONLY_SETTINGS);

/** Real PostgreSQL parameters often found in a postgresql.conf (and in PGTune's output) that the simulator does not model. */
const UNMODELLED = new Set([
  'listen_addresses', 'port', 'unix_socket_directories', 'ssl', 'password_encryption', 'data_directory', 'hba_file',
  'maintenance_work_mem', 'autovacuum_work_mem', 'temp_buffers', 'huge_pages', 'dynamic_shared_memory_type',
  'wal_buffers', 'wal_level', 'fsync', 'full_page_writes', 'wal_compression',
  'checkpoint_completion_target', 'min_wal_size', 'archive_mode', 'archive_command', 'max_wal_senders',
  'max_replication_slots', 'wal_keep_size', 'hot_standby', 'hot_standby_feedback', 'primary_conninfo', 'random_page_cost',
  'seq_page_cost', 'effective_io_concurrency', 'default_statistics_target', 'max_worker_processes',
  'max_parallel_workers_per_gather', 'max_parallel_workers', 'max_parallel_maintenance_workers', 'jit',
  'log_destination', 'logging_collector', 'log_directory', 'log_filename', 'log_min_duration_statement', 'log_line_prefix',
  'log_timezone', 'log_checkpoints', 'log_connections', 'log_disconnections', 'log_lock_waits', 'log_temp_files',
  'shared_preload_libraries', 'statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout', 'datestyle',
  'timezone', 'lc_messages', 'lc_monetary', 'lc_numeric', 'lc_time', 'default_text_search_config', 'track_io_timing',
  'track_activity_query_size',
]);

const LAB_LINE = /^#\s*lab:\s*(.*)$/;

type Parsed = { ok: true; settings: Partial<PostgresSettings>; warnings: ConfigIssue[] } | { ok: false; errors: ConfigIssue[]; warnings: ConfigIssue[] };

/** A value as postgresql.conf writes it: bare when PostgreSQL's lexer reads it as one token, else quoted. */
function confValue(v: unknown): string {
  const s = String(v);
  return /^-?\d+(\.\d+)?[A-Za-z]*$|^[A-Za-z_][A-Za-z0-9_.:/-]*$/.test(s) ? s : `'${s.replace(/'/g, "''")}'`;
}

/** Splits `name [=] value [# comment]`; an error message when the line is not one. */
function splitLine(l: string): { name: string; value: string; quoted: boolean } | string {
  const m = /^([A-Za-z_][A-Za-z0-9_$.-]*)\s*(=\s*|\s+)(.*)$/.exec(l);
  if (!m) return `syntax error near token "${l.split(/\s/)[0]}"`;
  const rest = m[3];
  let value = '';
  let i = 0;
  const quoted = rest.startsWith("'");
  if (quoted) {
    i = 1;
    let closed = false;
    while (i < rest.length) {
      const c = rest[i];
      if (c === '\\' && i + 1 < rest.length) {
        value += rest[i + 1];
        i += 2;
      } else if (c === "'" && rest[i + 1] === "'") {
        value += "'";
        i += 2;
      } else if (c === "'") {
        i++;
        closed = true;
        break;
      } else value += rest[i++];
    }
    if (!closed) return 'unterminated quoted string';
  } else {
    while (i < rest.length && !/[\s#]/.test(rest[i])) value += rest[i++];
    if (value === '') return `syntax error: ${m[1]} has no value`;
  }
  const tail = rest.slice(i).trim();
  if (tail !== '' && !tail.startsWith('#')) return `syntax error near token "${tail.split(/\s/)[0]}"`;
  return { name: m[1].toLowerCase(), value, quoted };
}

/** Reads a postgresql.conf text into a postgres node's settings. */
export function parsePostgresqlConf(text: string): Parsed {
  const errors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const docs = new Map(describeSettings(postgresSettings).map((d) => [d.name, d]));
  const shape = postgresSettings.shape as Record<string, z.ZodType>;
  const raw: Record<string, unknown> = {};
  const lineOf = new Map<string, number>();
  text.split(/\r?\n/).forEach((full, idx) => {
    const line = idx + 1;
    const where = `(postgresql.conf line ${line})`;
    let l = full.trim();
    const lab = LAB_LINE.exec(l);
    if (lab) l = lab[1];
    else if (l === '' || l.startsWith('#')) return;
    const kv = splitLine(l);
    if (typeof kv === 'string') {
      errors.push({ line, message: `${kv} ${where}` });
      return;
    }
    const { name, value, quoted } = kv;
    if (['include', 'include_if_exists', 'include_dir'].includes(name)) {
      errors.push({ line, message: `${name} is not supported here: import the included file's content instead ${where}` });
      return;
    }
    const doc = docs.get(name);
    if (!doc || LAB_ONLY.has(name) !== !!lab) {
      if (lab) errors.push({ line, message: `#lab: lines carry the simulator's own settings (${[...LAB_ONLY].join(', ')}); ${name} is not one ${where}` });
      else if (LAB_ONLY.has(name)) warnings.push({ line, message: `${name} is the simulator's, not PostgreSQL's: write it as "#lab: ${name} = ..."; ignored` });
      else if (UNMODELLED.has(name) || name.includes('.')) warnings.push({ line, message: `${name} is a PostgreSQL parameter the simulator does not model; ignored` });
      else warnings.push({ line, message: `unrecognized configuration parameter "${name}" ${where}: a real server would refuse to start; ignored` });
      return;
    }
    const v = !quoted && doc.type !== 'enum' && doc.type !== 'string' && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
    const check = shape[name].safeParse(v);
    if (!check.success) {
      errors.push({ line, message: `invalid value for parameter "${name}": "${value}" ${where}: ${check.error.issues[0].message}` });
      return;
    }
    raw[name] = v;
    lineOf.set(name, line);
  });
  if (errors.length > 0) return { ok: false, errors, warnings };
  const all = postgresSettings.safeParse(raw);
  if (!all.success) {
    return {
      ok: false,
      errors: all.error.issues.map((i) => ({ line: lineOf.get(String(i.path[0])) ?? 0, message: `${i.path.join('.')}: ${i.message}` })),
      warnings,
    };
  }
  return { ok: true, settings: raw as Partial<PostgresSettings>, warnings };
}

/** Writes a postgres node's settings as a postgresql.conf: PostgreSQL's parameters, then the simulator's as `#lab:` lines. */
export function formatPostgresqlConf(settings: PostgresSettings, nodeId?: string): string {
  // an omitted optional setting (a replica's application_name) has no line
  const docs = describeSettings(postgresSettings).filter((d) => (settings as Record<string, unknown>)[d.name] !== undefined);
  const line = (name: string) => `${name} = ${confValue((settings as Record<string, unknown>)[name])}`;
  return `${[
    `# postgresql.conf${nodeId ? ` of node ${nodeId}` : ''}, exported by PG Scaling Lab`,
    '',
    ...docs.filter((d) => !LAB_ONLY.has(d.name)).map((d) => line(d.name)),
    '',
    '# The simulated server (comments to PostgreSQL, read back by the simulator):',
    ...docs.filter((d) => LAB_ONLY.has(d.name)).map((d) => `#lab: ${line(d.name)}`),
  ].join('\n')}\n`;
}
