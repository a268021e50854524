/** Replication's figures: a node's live figures for its snapshot, and its `replication` block in the report. */
import type { Replication } from './Replication.ts';
import { lsnText } from './Stream.ts';

/** Live figures of a node's replication, for its snapshot (undefined: the node is in no replication edge). */
export function nodeFigures(repl: Replication, nodeId: string): Record<string, unknown> | undefined {
  const role = repl.role(nodeId);
  if (!role) return undefined;
  if (role === 'primary') {
    const stream = repl.streams.get(nodeId)!;
    const states = stream.syncStates();
    return {
      role,
      timeline: stream.timeline,
      position: stream.log.length,
      lsn: lsnText(stream.lsnAt(stream.log.length)),
      waitingCommits: stream.waiting,
      standbys: stream.standbys.map((s) => ({ id: s.id, state: s.state, syncState: states.get(s.id)?.state ?? null })),
    };
  }
  const s = repl.standbys.get(nodeId)!;
  const stream = s.stream;
  const ms = (us: number | null) => (us === null ? null : us / 1000);
  return {
    role,
    upstream: stream.primary.id,
    state: s.state,
    syncState: stream.syncStates().get(s.id)?.state ?? null,
    received: s.received,
    flushed: s.flushed,
    applied: s.applied,
    primaryPosition: stream.log.length,
    replayLsn: stream.lsnOf(s.applied),
    receiveLsn: stream.lsnOf(s.received),
    /** Visible lag: how long the oldest committed write it has not replayed has been committed. */
    replayDelayMs: repl.visibleLagUs(s.id) / 1000,
    writeLagMs: ms(s.writeLag),
    flushLagMs: ms(s.flushLag),
    replayLagMs: ms(s.replayLag),
    recordsBehind: stream.log.length - s.applied,
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
    return stream ? { role: 'primary', timeline: stream.timeline, records: stream.log.length } : undefined;
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
    recordsBehind: s.stream.log.length - s.applied,
    consistency: repl.checker.replicaFigures(s.id),
  };
}
