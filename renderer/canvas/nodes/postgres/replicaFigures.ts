/** What a replica's snapshot says of its replication (sim/replication: nodeFigures). */
import type { NodeSnapshot, StaleSample } from '../../../../sim/index.ts';

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

export function replicaFigures(snap: NodeSnapshot | undefined): ReplicaFigures | undefined {
  const r = snap?.replication as { role?: string } | undefined;
  return r?.role === 'replica' ? (r as ReplicaFigures) : undefined;
}
