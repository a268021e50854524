/**
 * pg_stat_activity as the model has it. PGlite has one standalone backend; the node's connections,
 * states, queries and their virtual start times live in the model, so before a console statement the
 * node fills sim_catalog.pg_stat_activity (which shadows pg_catalog's, with the same columns) from here.
 * Timestamps are on the virtual clock, the same clock the shadowed now() reads.
 */

/** Virtual time 0 is this instant. */
export const VIRTUAL_EPOCH_MS = Date.UTC(2026, 0, 1, 0, 0, 0);

/** A virtual time (microseconds) as a timestamptz literal with microseconds. */
export function virtualTimestamp(us: number): string {
  const ms = Math.floor(us / 1000);
  const micros = Math.floor(us - ms * 1000);
  const iso = new Date(VIRTUAL_EPOCH_MS + ms).toISOString(); // 2026-01-01T00:00:00.123Z
  return `${iso.slice(0, 23)}${String(micros).padStart(3, '0')}+00`;
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

const lit = (v: string | null) => (v === null ? 'NULL' : `'${v.replace(/'/g, "''")}'`);
const ts = (us: number | null) => (us === null ? 'NULL' : `'${virtualTimestamp(us)}'::timestamptz`);

/** SQL that sets the virtual clock and replaces the rows of sim_catalog.pg_stat_activity. */
export function refreshActivitySql(nowUs: number, rows: ActivityRow[]): string {
  const values = rows.map(
    (r) =>
      `(${r.datname ? 5 : 'NULL'}, ${lit(r.datname)}, ${r.pid}, NULL, ${r.usename ? 10 : 'NULL'}, ${lit(r.usename)}, ` +
      `${lit(r.applicationName)}, ${r.clientAddr ? `${lit(r.clientAddr)}::inet` : 'NULL'}, NULL, ${r.clientPort ?? 'NULL'}, ` +
      `${ts(r.backendStart)}, ${ts(r.xactStart)}, ${ts(r.queryStart)}, ${ts(r.stateChange)}, ${lit(r.waitEventType)}, ` +
      `${lit(r.waitEvent)}, ${lit(r.state)}, NULL, NULL, NULL, ${lit(r.query)}, ${lit(r.backendType)})`,
  );
  return [
    `SELECT set_config('sim.now', '${virtualTimestamp(nowUs)}', false);`,
    'DELETE FROM sim_catalog.pg_stat_activity;',
    values.length > 0 ? `INSERT INTO sim_catalog.pg_stat_activity VALUES ${values.join(',\n')};` : '',
  ].join('\n');
}
