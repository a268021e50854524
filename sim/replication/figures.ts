/** Replication's figures: a node's live figures for its snapshot, and its `replication` block in the report. */
import type { ReplicaConsistency, StaleSample } from './ConsistencyChecker.ts';
import type { Replication } from './Replication.ts';
import type { StandbyStateName } from './Standby.ts';
import { lsnText, type SyncState } from './Stream.ts';

/** A primary's replication, live: its stream (timeline, records, LSN), commits waiting for standbys, its standbys. */
export interface PrimaryFigures {
  role: 'primary';
  timeline: number;
  position: number;
  lsn: string | null;
  waitingCommits: number;
  standbys: { id: string; state: StandbyStateName; syncState: SyncState['state'] | null }[];
}

/** A replica's replication, live: as pg_stat_replication and pg_stat_wal_receiver see it, and its stale reads. */
export interface ReplicaFigures {
  role: 'replica';
  upstream: string;
  state: StandbyStateName;
  syncState: SyncState['state'] | null;
  received: number;
  flushed: number;
  applied: number;
  primaryPosition: number;
  replayLsn: string | null;
  receiveLsn: string | null;
  /** Visible lag: how long the oldest committed write it has not replayed has been committed. */
  replayDelayMs: number;
  writeLagMs: number | null;
  flushLagMs: number | null;
  replayLagMs: number | null;
  recordsBehind: number;
  applyFactor: number;
  linkExtraMs: number;
  consistency: ReplicaConsistency;
  staleSamples: StaleSample[];
}

export type ReplicationFigures = PrimaryFigures | ReplicaFigures;

/** Live figures of a node's replication, for its snapshot (undefined: the node is in no replication edge). */
export function nodeFigures(repl: Replication, nodeId: string): ReplicationFigures | undefined {
  const role = repl.role(nodeId);
  if (!role) return undefined;
  if (role === 'primary') {
    const stream = repl.streams.get(nodeId)!;
    const states = stream.syncStates();
    return {
      role: 'primary',
      timeline: stream.timeline,
      position: stream.log.position,
      lsn: lsnText(stream.lsnAt(stream.log.position)),
      waitingCommits: stream.waiting,
      standbys: stream.standbys.map((s) => ({ id: s.id, state: s.state, syncState: states.get(s.id)?.state ?? null })),
    };
  }
  const s = repl.standbys.get(nodeId)!;
  const stream = s.stream;
  const ms = (us: number | null) => (us === null ? null : us / 1000);
  return {
    role: 'replica',
    upstream: stream.primary.id,
    state: s.state,
    syncState: stream.syncStates().get(s.id)?.state ?? null,
    received: s.received,
    flushed: s.flushed,
    applied: s.applied,
    primaryPosition: stream.log.position,
    replayLsn: stream.lsnOf(s.applied),
    receiveLsn: stream.lsnOf(s.received),
    replayDelayMs: repl.visibleLagUs(s.id) / 1000,
    writeLagMs: ms(s.writeLag),
    flushLagMs: ms(s.flushLag),
    replayLagMs: ms(s.replayLag),
    recordsBehind: stream.log.position - s.applied,
    applyFactor: s.applyFactor,
    linkExtraMs: s.edge.extraUs / 1000,
    consistency: repl.checker.replicaFigures(s.id),
    staleSamples: repl.checker.samples(s.id),
  };
}

/** The report's `replication` of a node: a replica's replay_lag distribution (as pg_stat_replication measures it), state, sync_state; a primary's stream. */
export function replicaReport(repl: Replication, nodeId: string): Record<string, unknown> | undefined {
  const s = repl.standbys.get(nodeId);
  if (!s) {
    const stream = repl.role(nodeId) === 'primary' ? repl.streams.get(nodeId) : undefined;
    return stream ? { role: 'primary', timeline: stream.timeline, records: stream.log.position } : undefined;
  }
  const h = s.replayLagHist;
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    role: 'replica',
    upstream: s.stream.primary.id,
    replayLagMs: { p50: ms(h.percentile(50)), p95: ms(h.percentile(95)), max: ms(h.max) },
    state: s.state,
    syncState: s.stream.syncStates().get(s.id)?.state ?? null,
    recordsApplied: s.applied,
    recordsBehind: s.stream.log.position - s.applied,
    consistency: repl.checker.replicaFigures(s.id),
  };
}
