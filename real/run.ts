/**
 * One scenario on real servers: check the machine can host it, start its servers (primaries, their data,
 * standbys cloned from them, poolers, caches), drive its workload (drive.ts) while sampling the monitoring
 * views every second (pg_stat_activity per database, pg_stat_replication per primary, SHOW POOLS per
 * pooler), stop everything, and build the sim's report shape from what was measured.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, freemem, loadavg } from 'node:os';
import pg from 'pg';
import {
  type AppSettings,
  appRoles,
  DATABASE,
  databaseBehind,
  defaultSetupSql,
  parseMemory,
  pgbouncerIni,
  placement,
  postgresFragment,
  type Report,
  REPLICATION_USER,
  type Scenario,
} from '../sim/index.ts';
import { type DriveResult, drive, type Target } from './drive.ts';
import { freePort, missingTools, Servers } from './servers.ts';

export class CannotHost extends Error {}

export interface RealRun {
  report: Report;
  /** Every server process this run started (all stopped when it returns). */
  pids: number[];
  /** The run's scratch directory (removed when it returns). */
  dir: string;
}

/** Why this machine cannot host the scenario, or undefined. */
export function cannotHost(s: Scenario): string | undefined {
  const kinds = new Set(s.nodes.map((n) => n.kind));
  const missing = missingTools({ postgres: kinds.has('postgres'), pgbouncer: kinds.has('pgbouncer'), redis: kinds.has('redis') });
  if (missing.length > 0) return `not installed here: ${missing.join('; ')}. Nothing is downloaded at run time.`;
  if (s.sharding) return 'sharded scenarios are not supported by real mode yet (no shard split is loaded)';
  const apps = s.nodes.filter((n) => n.kind === 'app');
  if (apps.length !== 1) return `real mode drives one app node; this scenario has ${apps.length}`;
  const other = s.nodes.find((n) => !['app', 'postgres', 'pgbouncer', 'redis'].includes(n.kind));
  if (other) return `real mode cannot start a ${other.kind} node (${other.id})`;
  // each server's shared memory, plus ~64 MB of processes; the machine keeps a quarter free
  const need = s.nodes.reduce((m, n) => {
    const st = n.settings as Record<string, unknown>;
    if (n.kind === 'postgres') return m + (parseMemory(st.shared_buffers as string, 8192) ?? 0) + 64 * 2 ** 20;
    if (n.kind === 'redis') return m + (parseMemory(String(st.maxmemory).replace(/mb$/i, 'MB').replace(/gb$/i, 'GB'), 1) || 64 * 2 ** 20);
    return m + 16 * 2 ** 20;
  }, 0);
  if (need > 0.75 * freemem()) {
    return `the servers need about ${Math.round(need / 2 ** 20)} MB (shared_buffers of each database node, redis maxmemory) and this machine has ${Math.round(freemem() / 2 ** 20)} MB free: lower shared_buffers with --set`;
  }
  return undefined;
}

interface Monitor {
  connections: Map<string, number[]>;
  pools: Map<string, { clActive: number; clWaiting: number; svActive: number; svIdle: number; maxwaitMs: number }[]>;
  replayLagMs: Map<string, number[]>;
  syncState: Map<string, string>;
  /** Per pooler at the end: SHOW STATS' total_wait_time over its total_xact_count, ms. */
  avgWaitMs: Map<string, number>;
}

/** Every second: client backends per database node, replay lag per standby, SHOW POOLS per pooler. */
function monitor(ports: Map<string, number>, s: Scenario): { stop: () => Promise<Monitor> } {
  const m: Monitor = { connections: new Map(), pools: new Map(), replayLagMs: new Map(), syncState: new Map(), avgWaitMs: new Map() };
  const push = <T>(map: Map<string, T[]>, k: string, v: T) => map.set(k, [...(map.get(k) ?? []), v]);
  const clients = new Map<string, pg.Client>();
  let stopped = false;
  const loop = (async () => {
    for (const n of s.nodes) {
      if (n.kind !== 'postgres' && n.kind !== 'pgbouncer') continue;
      const c = new pg.Client({ host: '127.0.0.1', port: ports.get(n.id), user: 'postgres', database: n.kind === 'pgbouncer' ? 'pgbouncer' : 'postgres' });
      c.on('error', () => undefined);
      await c.connect();
      clients.set(n.id, c);
    }
    while (!stopped) {
      for (const [id, c] of clients) {
        const kind = s.nodes.find((n) => n.id === id)!.kind;
        if (kind === 'postgres') {
          const a = await c.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname = $1", [DATABASE]);
          push(m.connections, id, a.rows[0].n);
          const r = await c.query<{ application_name: string; lag: number | null; sync_state: string }>(
            'SELECT application_name, (extract(epoch FROM replay_lag) * 1000)::float8 AS lag, sync_state FROM pg_stat_replication',
          );
          for (const row of r.rows) {
            push(m.replayLagMs, row.application_name, row.lag ?? 0);
            m.syncState.set(row.application_name, row.sync_state);
          }
        } else {
          const r = await c.query<Record<string, string>>('SHOW POOLS');
          const row = r.rows.find((x) => x.database === DATABASE);
          if (row) {
            push(m.pools, id, {
              clActive: Number(row.cl_active),
              clWaiting: Number(row.cl_waiting),
              svActive: Number(row.sv_active),
              svIdle: Number(row.sv_idle),
              maxwaitMs: Number(row.maxwait) * 1000 + Number(row.maxwait_us) / 1000,
            });
            push(m.connections, id, Number(row.cl_active) + Number(row.cl_waiting) + Number(row.cl_idle ?? 0));
          }
        }
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      for (const [id, c] of clients) {
        if (s.nodes.find((n) => n.id === id)!.kind !== 'pgbouncer') continue;
        const row = (await c.query<Record<string, string>>('SHOW STATS')).rows.find((x) => x.database === DATABASE);
        if (row) m.avgWaitMs.set(id, Number(row.total_wait_time) / Math.max(1, Number(row.total_xact_count)) / 1000);
      }
      await Promise.all([...clients.values()].map((c) => c.end()));
      return m;
    },
  };
}

/** CPU seconds (user + system) of a server process and its children (PostgreSQL's backends), from /proc. */
function cpuSeconds(pid: number): number {
  const tick = 100; // USER_HZ on Linux
  let total = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const f = readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1].split(' ');
      if (Number(d) === pid || Number(f[1]) === pid) total += (Number(f[11]) + Number(f[12])) / tick;
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const avg = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

export async function runReal(s: Scenario, options: { durationMs: number; onPhase?: (phase: string, fraction: number) => void }): Promise<RealRun> {
  const why = cannotHost(s);
  if (why) throw new CannotHost(why);
  const p = placement(s);
  const app = s.nodes.find((n) => n.kind === 'app')!;
  const servers = Servers.create();
  const pids: number[] = [];
  const ports = new Map<string, number>();
  for (const n of s.nodes) if (n.kind !== 'app') ports.set(n.id, await freePort());
  const host = (id: string) => ({ host: '127.0.0.1', port: ports.get(id)! });
  const cpu0 = new Map<string, number>();
  const serverPid = new Map<string, number>();
  try {
    // primaries, with the data loaded before their standbys clone them
    const standbys = s.nodes.filter((n) => p.upstreamOf.has(n.id));
    for (const id of p.primaries) {
      options.onPhase?.(`starting ${id}`, 0);
      const st = await servers.postgres(id, ports.get(id)!, postgresFragment(s, p, id, host));
      pids.push(st.pid);
      serverPid.set(id, st.pid);
      const c = new pg.Client({ ...host(id), user: 'postgres', database: 'postgres' });
      await c.connect();
      await c.query(`CREATE ROLE ${REPLICATION_USER} WITH REPLICATION LOGIN`);
      await c.query(`CREATE DATABASE ${DATABASE}`);
      await c.end();
      options.onPhase?.(`loading ${id}`, 0);
      const d = new pg.Client({ ...host(id), user: 'postgres', database: DATABASE });
      await d.connect();
      await d.query(s.workload.setup_sql ?? defaultSetupSql(s.workload.data));
      await d.query('VACUUM ANALYZE');
      await d.query('CHECKPOINT');
      await d.end();
    }
    // standbys in the order they can be cloned (a cascade clones from a standby already up)
    const pending = [...standbys];
    while (pending.length > 0) {
      const i = pending.findIndex((n) => serverPid.has(p.upstreamOf.get(n.id)!));
      if (i < 0) throw new CannotHost(`standbys ${pending.map((n) => n.id).join(', ')} have no upstream to clone`);
      const n = pending.splice(i, 1)[0];
      options.onPhase?.(`cloning ${n.id}`, 0);
      const st = await servers.postgres(n.id, ports.get(n.id)!, postgresFragment(s, p, n.id, host), { port: ports.get(p.upstreamOf.get(n.id)!)!, user: REPLICATION_USER });
      pids.push(st.pid);
      serverPid.set(n.id, st.pid);
    }
    for (const n of s.nodes) {
      if (n.kind === 'pgbouncer') {
        const users = servers.write(`${n.id}.users`, '"postgres" ""\n');
        const ini = pgbouncerIni(s, n.id, { addr: '127.0.0.1', port: ports.get(n.id)!, authFile: users })
          .replace(/host=([a-z][a-z0-9_-]*)(\s+)port=\d+/g, (_, h: string, sp: string) => `host=127.0.0.1${sp}port=${ports.get(h) ?? 5432}`)
          .concat('unix_socket_dir =\nadmin_users = postgres\n');
        const st = await servers.start(n.id, '/usr/sbin/pgbouncer', [servers.write(`${n.id}.ini`, ini)], ports.get(n.id)!);
        pids.push(st.pid);
        serverPid.set(n.id, st.pid);
      } else if (n.kind === 'redis') {
        const settings = Object.entries(n.settings as Record<string, unknown>).flatMap(([k, v]) => [`--${k}`, String(v)]);
        const st = await servers.start(n.id, 'redis-server', ['--port', String(ports.get(n.id)), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...settings], ports.get(n.id)!);
        pids.push(st.pid);
        serverPid.set(n.id, st.pid);
      }
    }
    const roles = appRoles(p, app.id);
    if (!roles.primary) throw new CannotHost(`app ${app.id} has no edge to a primary (or a pooler in front of one)`);
    const target = (id: string): Target => ({ id, port: ports.get(id)!, replica: p.upstreamOf.has(databaseBehind(p, id)), database: databaseBehind(p, id) });
    for (const [id, pid] of serverPid) cpu0.set(id, cpuSeconds(pid));
    const mon = monitor(ports, s);
    const redis = p.apps.get(app.id)?.redis;
    const d = await drive({
      scenario: s,
      app: app.id,
      primary: target(roles.primary),
      replicas: roles.replicas.map(target),
      ...(redis ? { redis: ports.get(redis) } : {}),
      database: DATABASE,
      durationMs: options.durationMs,
      onTick: (ms) => options.onPhase?.(`running ${(ms / 1000).toFixed(1)}s`, ms / options.durationMs),
    });
    const m = await mon.stop();
    const cpu = new Map([...serverPid].map(([id, pid]) => [id, cpuSeconds(pid) - (cpu0.get(id) ?? 0)]));
    return { report: buildRealReport(s, app.id, d, m, cpu, options.durationMs), pids, dir: servers.dir };
  } finally {
    options.onPhase?.('stopping the servers', 1);
    await servers.stop();
  }
}

function buildRealReport(s: Scenario, appId: string, d: DriveResult, m: Monitor, cpu: Map<string, number>, durationMs: number): Report {
  const seconds = durationMs / 1000;
  const ok = d.samples.filter((x) => x.ok);
  const lat = ok.map((x) => x.ms);
  const cores = availableParallelism();
  const nodes: Report['nodes'] = {};
  const app = s.nodes.find((n) => n.id === appId)!.settings as AppSettings;
  for (const n of s.nodes) {
    const queries = n.kind === 'app' ? ok.length : (d.statements[n.id] ?? 0);
    const conns = m.connections.get(n.id) ?? [];
    nodes[n.id] = {
      kind: n.kind,
      queries,
      queriesPerSecond: Math.round((queries / seconds) * 10) / 10,
      cpuUtilization: r3((cpu.get(n.id) ?? 0) / seconds / cores),
      errors: n.kind === 'app' ? d.samples.length - ok.length : 0,
      connections: n.kind === 'app' ? app.instances * app.pool_size : (conns[conns.length - 1] ?? 0),
      connectionsMax: Math.max(0, ...conns),
    };
    const pools = m.pools.get(n.id);
    if (pools) {
      nodes[n.id].pool = {
        clActiveAvg: r3(avg(pools.map((x) => x.clActive))),
        clWaitingAvg: r3(avg(pools.map((x) => x.clWaiting))),
        clWaitingMax: Math.max(0, ...pools.map((x) => x.clWaiting)),
        svActiveAvg: r3(avg(pools.map((x) => x.svActive))),
        svIdleAvg: r3(avg(pools.map((x) => x.svIdle))),
        serverConnectionsMax: Math.max(0, ...pools.map((x) => x.svActive + x.svIdle)),
        avgWaitMs: r3(m.avgWaitMs.get(n.id) ?? 0),
        maxWaitMs: r3(Math.max(0, ...pools.map((x) => x.maxwaitMs))),
      };
    }
    const lag = m.replayLagMs.get(n.id);
    if (lag) nodes[n.id].replication = { replayLagMs: { p50: r3(pct(lag, 50)), p95: r3(pct(lag, 95)), max: r3(Math.max(...lag)) }, state: 'streaming', syncState: m.syncState.get(n.id) ?? 'async' };
  }
  const buckets = Array.from({ length: Math.ceil(seconds) }, (_, t) => d.samples.filter((x) => Math.floor(x.at / 1000) === t));
  return {
    source: 'real',
    scenario: s.name,
    seed: s.run.seed,
    simulatedSeconds: seconds,
    completed: ok.length,
    failed: d.samples.length - ok.length,
    throughputRps: Math.round((ok.length / seconds) * 10) / 10,
    latencyMs: { p50: r3(pct(lat, 50)), p95: r3(pct(lat, 95)), p99: r3(pct(lat, 99)), max: r3(Math.max(0, ...lat)), mean: r3(avg(lat)) },
    errors: Object.fromEntries(Object.entries(d.errors).sort(([a], [b]) => a.localeCompare(b))),
    nodes,
    timeSeries: buckets.map((b, t) => {
      const ms = b.filter((x) => x.ok).map((x) => x.ms);
      return { t, throughputRps: ms.length, failed: b.length - ms.length, p50Ms: r3(pct(ms, 50)), p95Ms: r3(pct(ms, 95)), p99Ms: r3(pct(ms, 99)) };
    }),
    events: [],
    sql: [],
    ...(d.cache ? { cache: d.cache } : {}),
    // what the measurement ran on: other processes' load changes every figure
    machine: { cores, freeMemoryMb: Math.round(freemem() / 2 ** 20), loadAverage1m: r3(loadavg()[0]), driverEventLoopDelayMs: d.eventLoopDelayMs },
    realQueries: Object.entries(d.statements).filter(([id]) => s.nodes.find((n) => n.id === id)?.kind === 'postgres').reduce((a, [, v]) => a + v, 0),
    wallSeconds: r3(d.wallMs / 1000),
  } as Report;
}
