/**
 * pg_stat_activity as the model has it. PGlite has one standalone backend; the node's connections,
 * states, queries and their virtual start times live in the model, so before a console statement the
 * node sets the rows of sim_catalog.pg_stat_activity (which shadows pg_catalog's, with the same columns)
 * from here.
 * Timestamps are on the virtual clock, the same clock the shadowed now() reads.
 */

/** Virtual time 0 is this instant. */
export const VIRTUAL_EPOCH_MS = Date.UTC(2026, 0, 1, 0, 0, 0);

/** The last second `virtualTimestamp` formatted, and its text to the second: consecutive times share it. */
let formatted = { second: Number.NaN, text: '' };

/** A virtual time (microseconds) as a timestamptz literal with microseconds. */
export function virtualTimestamp(us: number): string {
  const second = Math.floor(us / 1e6);
  const micros = Math.floor(us - second * 1e6);
  if (formatted.second !== second) formatted = { second, text: new Date(VIRTUAL_EPOCH_MS + second * 1000).toISOString().slice(0, 20) }; // 2026-01-01T00:00:05.
  return `${formatted.text}${String(1e6 + micros).slice(1)}+00`;
}

export interface ActivityRow {
  pid: number;
  datname: string | null;
  usename: string | null;
  applicationName: string;
  clientAddr: string | null;
  clientPort: number | null;
  backendStart: number;
  xactStart: number | null;
  queryStart: number | null;
  stateChange: number | null;
  waitEventType: string | null;
  waitEvent: string | null;
  state: string | null;
  query: string;
  backendType: string;
}

/** Those of `aux` a standby runs: no walwriter, autovacuum or logical replication launcher (it runs startup and walreceiver). */
export function onStandby(aux: readonly ActivityRow[]): ActivityRow[] {
  const primaryOnly = new Set(['walwriter', 'autovacuum launcher', 'logical replication launcher']);
  return aux.filter((a) => !primaryOnly.has(a.backendType));
}

/** PostgreSQL 18's auxiliary processes, as pg_stat_activity lists them (io_method = worker, 3 io workers). */
export function auxiliaryProcesses(bootUs: number, firstPid: number): ActivityRow[] {
  const aux: [string, string, string | null][] = [
    ['io worker', 'IoWorkerMain', null],
    ['io worker', 'IoWorkerMain', null],
    ['io worker', 'IoWorkerMain', null],
    ['checkpointer', 'CheckpointerMain', null],
    ['background writer', 'BgwriterHibernate', null],
    ['walwriter', 'WalWriterMain', null],
    ['autovacuum launcher', 'AutovacuumMain', null],
    ['logical replication launcher', 'LogicalLauncherMain', 'postgres'],
  ];
  return aux.map(([backendType, waitEvent, usename], i) => ({
    pid: firstPid + i,
    datname: null,
    usename,
    applicationName: '',
    clientAddr: null,
    clientPort: null,
    backendStart: bootUs,
    xactStart: null,
    queryStart: null,
    stateChange: null,
    waitEventType: 'Activity',
    waitEvent,
    state: null,
    query: '',
    backendType,
  }));
}

const ts = (us: number | null) => (us === null ? null : virtualTimestamp(us));

/** SQL that sets the virtual clock and the rows sim_catalog.pg_stat_activity shows. */
export function refreshActivitySql(nowUs: number, rows: ActivityRow[]): string {
  const json = rows.map((r) => ({
    datid: r.datname ? 5 : null,
    datname: r.datname,
    pid: r.pid,
    leader_pid: null,
    usesysid: r.usename ? 10 : null,
    usename: r.usename,
    application_name: r.applicationName,
    client_addr: r.clientAddr,
    client_hostname: null,
    client_port: r.clientPort,
    backend_start: ts(r.backendStart),
    xact_start: ts(r.xactStart),
    query_start: ts(r.queryStart),
    state_change: ts(r.stateChange),
    wait_event_type: r.waitEventType,
    wait_event: r.waitEvent,
    state: r.state,
    backend_xid: null,
    backend_xmin: null,
    query_id: null,
    query: r.query,
    backend_type: r.backendType,
  }));
  const quote = (v: string) => `'${v.replace(/'/g, "''")}'`;
  return `SELECT set_config('sim.now', '${virtualTimestamp(nowUs)}', false), set_config('sim.activity', ${quote(JSON.stringify(json))}, false)`;
}
