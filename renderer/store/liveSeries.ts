/**
 * Figures sampled from each snapshot for the charts that the per-second series does not carry: a
 * replica's replication lag and stale reads, a pooler's SHOW POOLS columns. One point per snapshot
 * (about every 200 ms of wall time), at the snapshot's virtual time. Pure functions: the run slice keeps
 * the points (state lives once in the store); the charts derive their lines from them.
 */
import type { NodeSnapshot, SimSnapshot, StaleSample } from '../../sim/index.ts';

export const MAX_LIVE_POINTS = 3000;

/** One snapshot's figures: virtual time (seconds) and, per node, named figures (null: not known). */
export interface LivePoint {
  t: number;
  nodes: Record<string, Record<string, number | null>>;
}

/** What a replica's snapshot says of its replication (sim/replication: nodeFigures). */
export interface ReplicaFigures {
  role: 'replica';
  upstream: string;
  state: string;
  syncState: string | null;
  applied: number;
  primaryPosition: number;
  replayLsn: string | null;
  receiveLsn: string | null;
  replayDelayMs: number;
  writeLagMs: number | null;
  flushLagMs: number | null;
  replayLagMs: number | null;
  recordsBehind: number;
  consistency: { replicaReads: number; staleReads: number; staleRate: number; rywViolations: number };
  staleSamples: StaleSample[];
}

export type { StaleSample };

export function replicaFigures(snap: NodeSnapshot | undefined): ReplicaFigures | undefined {
  const r = snap?.replication as { role?: string } | undefined;
  return r?.role === 'replica' ? (r as ReplicaFigures) : undefined;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The figures charted for one node, by kind: a replica's lag and stale reads, a pooler's pools. */
export function liveFigures(n: NodeSnapshot): Record<string, number | null> | undefined {
  if (n.kind === 'pgbouncer') {
    return {
      cl_active: num(n.cl_active),
      cl_waiting: num(n.cl_waiting),
      sv_active: num(n.sv_active),
      sv_idle: num(n.sv_idle),
      sv_used: num(n.sv_used),
      sv_login: num(n.sv_login),
      serverConnections: num(n.serverConnections),
      maxwait_ms: num(n.maxwait) === null ? null : Math.round((n.maxwait as number) * 1e6) / 1000,
    };
  }
  const r = replicaFigures(n);
  if (r) {
    return {
      replay_lag_ms: r.replayLagMs,
      replay_delay_ms: r.replayDelayMs,
      records_behind: r.recordsBehind,
      stale_reads: r.consistency.staleReads,
      ryw_violations: r.consistency.rywViolations,
      replica_reads: r.consistency.replicaReads,
    };
  }
  return undefined;
}

/** Adds a snapshot's point (replacing the last one when virtual time did not move). */
export function appendLive(points: LivePoint[], snapshot: SimSnapshot): LivePoint[] {
  const nodes: LivePoint['nodes'] = {};
  for (const n of snapshot.nodes) {
    const f = liveFigures(n);
    if (f) nodes[n.id] = f;
  }
  if (Object.keys(nodes).length === 0) return points;
  const point = { t: snapshot.time, nodes };
  const last = points.at(-1);
  if (last && last.t >= snapshot.time) return [...points.slice(0, -1), point];
  return [...points, point].slice(-MAX_LIVE_POINTS);
}
