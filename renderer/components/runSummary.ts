/**
 * After a run: what happened (throughput, p95, failures over the last seconds) and the bottleneck, the
 * busiest resource: a node's cores, a pool (clients waiting for a connection), a database's connections
 * against max_connections, or a replica's lag. Read from the series and the latest snapshot's figures by
 * their names, so no kind is named here.
 */
import type { NodeSnapshot, SimSnapshot } from '../../sim/index.ts';
import type { SeriesPoint } from '../sim/protocol.ts';

export interface Bottleneck {
  node: string;
  resource: 'cores' | 'pool' | 'connections' | 'replica lag';
  /** How saturated, 0..1 (1: full). */
  load: number;
  /** In a sentence, with the figure. */
  text: string;
}

export interface RunSummaryFigures {
  seconds: number;
  throughput: number;
  p95: number;
  failed: number;
  bottleneck: Bottleneck | undefined;
}

/** Below this load no resource limits the run: the workload itself does. */
export const SATURATED = 0.6;
const WINDOW = 10;

function figure(n: NodeSnapshot, name: string): number | undefined {
  const v = (n as unknown as Record<string, unknown>)[name];
  return typeof v === 'number' ? v : undefined;
}

export function summarize(series: readonly SeriesPoint[], snapshot: SimSnapshot | undefined): RunSummaryFigures | undefined {
  const last = series.slice(-WINDOW);
  if (last.length === 0) return undefined;
  const avg = (f: (p: SeriesPoint) => number) => last.reduce((a, p) => a + f(p), 0) / last.length;
  const candidates: Bottleneck[] = [];
  for (const id of Object.keys(last.at(-1)!.nodes)) {
    const cpu = avg((p) => p.nodes[id]?.cpu ?? 0);
    if (cpu > 0) candidates.push({ node: id, resource: 'cores', load: cpu, text: `${id}'s cores are ${Math.round(cpu * 100)} % busy: queries queue for a core` });
  }
  for (const n of snapshot?.nodes ?? []) {
    const max = figure(n, 'maxConnections');
    if (max) candidates.push({ node: n.id, resource: 'connections', load: n.connections / max, text: `${n.id} holds ${n.connections} of max_connections ${max}` });
    const waiting = figure(n, 'poolWaiting') ?? figure(n, 'cl_waiting');
    if (waiting) candidates.push({ node: n.id, resource: 'pool', load: Math.min(1, 0.7 + waiting / 100), text: `${waiting} client(s) of ${n.id} wait for a pooled connection: its pool is too small for the load` });
    const lag = (n as { replication?: { role?: string; replayDelayMs?: number } }).replication;
    if (lag?.role === 'replica' && lag.replayDelayMs !== undefined && lag.replayDelayMs > 0) {
      candidates.push({ node: n.id, resource: 'replica lag', load: Math.min(1, lag.replayDelayMs / 1000), text: `${n.id} is ${Math.round(lag.replayDelayMs)} ms behind its primary: its reads are stale` });
    }
  }
  const top = candidates.sort((a, b) => b.load - a.load)[0];
  return {
    seconds: last.length,
    throughput: Math.round(avg((p) => p.throughput)),
    p95: Math.round(avg((p) => p.p95) * 10) / 10,
    failed: last.reduce((a, p) => a + p.failed, 0),
    bottleneck: top && top.load >= SATURATED ? top : undefined,
  };
}
