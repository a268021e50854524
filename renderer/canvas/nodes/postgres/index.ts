/** The `postgres` kind's views: its node, memory and faults in the inspector, its cache chart, replication links and charts. */
import type { NodeSnapshot, PostgresSnapshot } from '../../../../sim/index.ts';
import { DatabaseIcon } from '../icons.tsx';
import type { KindView } from '../registry.ts';
import { CacheCharts } from './CacheCharts.tsx';
import { AdvicePanel } from './AdvicePanel.tsx';
import { MemoryPanel } from './MemoryPanel.tsx';
import { NodeFaults } from './NodeFaults.tsx';
import { PostgresNodeView } from './PostgresNodeView.tsx';
import { ReplicaCharts } from './ReplicaCharts.tsx';
import { replicaFigures } from './replicaFigures.ts';
import { ReplicationEdge } from './ReplicationEdge.tsx';

/** shared_buffers' hit ratio, and a replica's lag and stale reads, for the node's and the replication charts. */
function postgresLive(n: NodeSnapshot): Record<string, number | null> | undefined {
  const cache = { cache_hit_ratio: (n as PostgresSnapshot).cacheHitRatio ?? null };
  const r = replicaFigures(n);
  if (!r) return cache;
  return {
    ...cache,
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
  inspector: [MemoryPanel, AdvicePanel, NodeFaults],
  documentCharts: ReplicaCharts,
  streamEdge: ReplicationEdge,
  liveFigures: postgresLive,
  charts: CacheCharts,
};
