/** The `postgres` kind's views: its node, faults in the inspector, replication links and charts. */
import type { NodeSnapshot } from '../../../../sim/index.ts';
import { DatabaseIcon } from '../icons.tsx';
import type { KindView } from '../registry.ts';
import { NodeFaults } from './NodeFaults.tsx';
import { PostgresNodeView } from './PostgresNodeView.tsx';
import { ReplicaCharts } from './ReplicaCharts.tsx';
import { replicaFigures } from './replicaFigures.ts';
import { ReplicationEdge } from './ReplicationEdge.tsx';

/** A replica's lag and stale reads, for the replication charts. */
function replicaLive(n: NodeSnapshot): Record<string, number | null> | undefined {
  const r = replicaFigures(n);
  if (!r) return undefined;
  return {
    replay_lag_ms: r.replayLagMs,
    replay_delay_ms: r.replayDelayMs,
    records_behind: r.recordsBehind,
    stale_reads: r.consistency.staleReads,
    ryw_violations: r.consistency.rywViolations,
    replica_reads: r.consistency.replicaReads,
  };
}

export const postgresView: KindView = {
  kind: 'postgres',
  view: PostgresNodeView,
  icon: DatabaseIcon,
  inspector: [NodeFaults],
  documentCharts: ReplicaCharts,
  streamEdge: ReplicationEdge,
  liveFigures: replicaLive,
};
