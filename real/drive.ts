/**
 * The scenario's workload on real servers, in real time: the same operations, weights and parameter
 * distributions (the sim's generators on the same seeded streams), closed loop (clients, exponential think
 * time) or open loop (Poisson arrivals), through what the app node does: per instance a node-postgres Pool
 * of pool_size per endpoint (or a connection per request), the DatabaseRouter's read_policy, writes and
 * transactions on the primary, and cache-aside on Redis (an L1 Map per instance, GET, SET PX, DEL on write).
 * Latency is from a request's start to its last reply, as the sim counts it (think time excluded).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pg from 'pg';
import { createClient } from 'redis';
import {
  type AppSettings,
  boundStatements,
  cacheKey,
  defaultOperations,
  paramGenerator,
  parseTime,
  type PreparedOperation,
  prepareOperation,
  Rng,
  type Scenario,
} from '../sim/index.ts';

export interface Target {
  id: string;
  port: number;
  /** A standby (reads only). */
  replica: boolean;
  /** The database node behind it (itself, or a pooler's). */
  database: string;
}

export interface DriveOptions {
  scenario: Scenario;
  app: string;
  primary: Target;
  replicas: Target[];
  redis?: number;
  database: string;
  durationMs: number;
  onTick?: (elapsedMs: number) => void;
}

export interface Sample {
  /** ms since the start. */
  at: number;
  ms: number;
  ok: boolean;
}

export interface DriveResult {
  samples: Sample[];
  errors: Record<string, number>;
  /** Statements sent to each endpoint (a pooler's and the database's behind it both count). */
  statements: Record<string, number>;
  cache?: { l1Hits: number; l2Hits: number; misses: number };
  wallMs: number;
  /** How late this process's event loop ran (ms): high when the load generator itself is short of CPU. */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
}

type Redis = ReturnType<typeof createClient>;

interface Instance {
  pools: Map<string, pg.Pool>;
  l1: Map<string, { data: string; exp: number }>;
  next: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function drive(o: DriveOptions): Promise<DriveResult> {
  const app = o.scenario.nodes.find((n) => n.id === o.app)!.settings as AppSettings;
  const w = o.scenario.workload;
  const ops = (w.operations ?? defaultOperations(w.data)).map((spec) => ({ op: prepareOperation(spec), params: spec.params.map(paramGenerator) }));
  const weights = ops.map((x) => x.op.weight);
  const total = weights.reduce((a, b) => a + b, 0);
  const seed = o.scenario.run.seed;
  const endpoints = [o.primary, ...o.replicas];
  const poolTimeout = (parseTime(app.pool_timeout, 1000) ?? 10e6) / 1000;
  const instances: Instance[] = Array.from({ length: app.instances }, () => ({
    pools: new Map(
      endpoints.map((e) => [e.id, new pg.Pool({ host: '127.0.0.1', port: e.port, database: o.database, user: 'postgres', max: app.pool_size, connectionTimeoutMillis: poolTimeout })]),
    ),
    l1: new Map(),
    next: -1,
  }));
  // an idle pooled connection whose server went away: the next request on it fails and is counted
  for (const i of instances) for (const p of i.pools.values()) p.on('error', () => undefined);
  let redis: Redis | undefined;
  if (o.redis !== undefined) {
    redis = createClient({ url: `redis://127.0.0.1:${o.redis}` });
    await redis.connect();
  }
  const samples: Sample[] = [];
  const errors: Record<string, number> = {};
  const statements: Record<string, number> = {};
  const cache = { l1Hits: 0, l2Hits: 0, misses: 0 };
  const count = (t: Target, n: number) => {
    statements[t.id] = (statements[t.id] ?? 0) + n;
    if (t.database !== t.id) statements[t.database] = (statements[t.database] ?? 0) + n;
  };
  const lastWrite = new Map<number, bigint>();
  const replay = new Map<string, bigint>();
  const lagMs = new Map<string, number>();
  const maxLag = parseTime(app.max_replica_lag_ms, 1000)! / 1000;
  const busy = (p: pg.Pool) => p.totalCount - p.idleCount + p.waitingCount;
  const routerRng = new Rng(seed, `router:${o.app}`);

  /** The DatabaseRouter: the endpoint of a request. */
  const route = (inst: Instance, op: PreparedOperation, session?: number): Target => {
    if (!op.readOnly || op.transaction || o.replicas.length === 0) return o.primary;
    const rs = o.replicas;
    const any = (xs: Target[]) => xs[routerRng.int(0, xs.length - 1)];
    switch (app.read_policy) {
      case 'random':
        return any(rs);
      case 'round-robin':
        inst.next = (inst.next + 1) % rs.length;
        return rs[inst.next];
      case 'least-connections':
        return rs.reduce((b, r) => (busy(inst.pools.get(r.id)!) < busy(inst.pools.get(b.id)!) ? r : b));
      case 'lag-aware': {
        const fresh = rs.filter((r) => (lagMs.get(r.id) ?? Number.POSITIVE_INFINITY) <= maxLag);
        return fresh.length > 0 ? any(fresh) : o.primary;
      }
      case 'read-your-writes': {
        const floor = session === undefined ? 0n : (lastWrite.get(session) ?? 0n);
        const ready = rs.filter((r) => (replay.get(r.id) ?? -1n) >= floor);
        return ready.length > 0 ? any(ready) : o.primary;
      }
      case 'primary':
        return o.primary;
    }
  };

  // what lag-aware and read-your-writes read (a real router polls; the sim's knows at once)
  const polling = app.read_policy === 'lag-aware' || app.read_policy === 'read-your-writes';
  let stopPoll = false;
  const poller = (async () => {
    while (polling && !stopPoll) {
      await Promise.all(
        o.replicas.map(async (r) => {
          try {
            const q = await instances[0].pools
              .get(r.id)!
              .query<{ lsn: string; lag: number }>(
                'SELECT pg_last_wal_replay_lsn()::text AS lsn, CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000 END::float8 AS lag',
              );
            replay.set(r.id, lsn(q.rows[0].lsn));
            lagMs.set(r.id, q.rows[0].lag);
          } catch {
            lagMs.delete(r.id);
          }
        }),
      );
      await sleep(100);
    }
  })();

  const runSql = async (inst: Instance, t: Target, op: PreparedOperation, params: unknown[], session?: number): Promise<unknown[]> => {
    const stmts = boundStatements(op, params);
    const connect = async () => {
      if (app.connection_mode === 'per_request') {
        const c = new pg.Client({ host: '127.0.0.1', port: t.port, database: o.database, user: 'postgres' });
        await c.connect();
        return { c, done: () => void c.end() };
      }
      const c = await inst.pools.get(t.id)!.connect();
      return { c, done: () => c.release() };
    };
    const { c, done } = await connect();
    try {
      let rows: unknown[] = [];
      if (op.transaction) await c.query('BEGIN');
      for (const s of stmts) rows = (await c.query(s.sql, s.params)).rows;
      if (op.transaction) await c.query('COMMIT');
      count(t, stmts.length + (op.transaction ? 2 : 0));
      if (op.writes && app.read_policy === 'read-your-writes' && session !== undefined) {
        lastWrite.set(session, lsn((await c.query<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l')).rows[0].l));
      }
      return rows;
    } catch (e) {
      if (op.transaction) await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      done();
    }
  };

  /** One request: cache-aside around the routed SQL. */
  const request = async (inst: Instance, op: PreparedOperation, params: unknown[], session?: number): Promise<void> => {
    const key = redis && op.cache ? cacheKey(op.cache.key, params) : undefined;
    if (key && op.cache) {
      const hit = app.cache_l1 === 'on' ? inst.l1.get(key) : undefined;
      if (hit && hit.exp > Date.now()) {
        cache.l1Hits++;
        return;
      }
      const l2 = await redis!.get(key);
      if (l2 !== null) {
        cache.l2Hits++;
        if (app.cache_l1 === 'on') inst.l1.set(key, { data: l2, exp: Date.now() + 60_000 });
        return;
      }
      cache.misses++;
      const rows = await runSql(inst, route(inst, op, session), op, params, session);
      const data = JSON.stringify(rows);
      if (app.cache_l1 === 'on') inst.l1.set(key, { data, exp: Date.now() + Math.min(op.cache.ttlMs, 60_000) });
      await redis!.set(key, data, { PX: Math.max(1, Math.round(op.cache.ttlMs)) });
      return;
    }
    await runSql(inst, route(inst, op, session), op, params, session);
    if (redis && op.invalidates && app.cache_strategy === 'delete-on-write') {
      const keys = op.invalidates.map((k) => cacheKey(k, params));
      for (const k of keys) inst.l1.delete(k);
      await redis.del(keys);
    }
  };

  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const t0 = performance.now();
  const end = t0 + o.durationMs;
  const one = async (rng: Rng, instance: number, session?: number) => {
    const x = ops[rng.weighted(weights, total)];
    const params = x.params.map((g) => g(rng));
    const start = performance.now();
    let ok = true;
    try {
      await request(instances[instance], x.op, params, session);
    } catch (e) {
      ok = false;
      const code = (e as { code?: string }).code ?? (/timeout/i.test(String((e as Error).message)) ? 'pool_timeout' : 'error');
      errors[code] = (errors[code] ?? 0) + 1;
    }
    const now = performance.now();
    if (now <= end) samples.push({ at: start - t0, ms: now - start, ok });
  };
  const thinkMs = (parseTime(w.think_time, 1000) ?? 0) / 1000;
  const tick = setInterval(() => o.onTick?.(performance.now() - t0), 250);
  try {
    if (w.mode === 'closed') {
      await Promise.all(
        Array.from({ length: w.clients }, async (_, c) => {
          const rng = new Rng(seed, `client:${c}`);
          const instance = c % app.instances;
          await sleep(thinkMs > 0 ? rng.exponential(thinkMs) : 0);
          while (performance.now() < end) {
            await one(rng, instance, c);
            if (thinkMs > 0) await sleep(rng.exponential(thinkMs));
          }
        }),
      );
    } else if (w.arrival_rate > 0) {
      const rng = new Rng(seed, 'workload:arrivals');
      const inflight = new Set<Promise<void>>();
      let next = performance.now();
      for (let n = 0; next < end; n++) {
        await sleep(Math.max(0, next - performance.now()));
        const p = one(rng, n % app.instances).finally(() => inflight.delete(p));
        inflight.add(p);
        next += rng.exponential(1000 / w.arrival_rate);
      }
      await Promise.all(inflight);
    }
  } finally {
    clearInterval(tick);
    stopPoll = true;
    await poller;
    await Promise.all(instances.flatMap((i) => [...i.pools.values()].map((p) => p.end())));
    await redis?.quit();
  }
  loopDelay.disable();
  const ms = (ns: number) => Math.round(ns / 1e3) / 1e3;
  const eventLoopDelayMs = { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) };
  return { samples, errors, statements, ...(redis ? { cache } : {}), wallMs: performance.now() - t0, eventLoopDelayMs };
}

/** An LSN such as 0/3000060 as a number that orders as LSNs do. */
function lsn(text: string): bigint {
  const [hi, lo] = text.split('/');
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
}
