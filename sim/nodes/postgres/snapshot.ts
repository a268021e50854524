/** A postgres node's live figures: its backends, cores and, in a replicated scenario, its replication. */
import type { Metrics, NodeTotals } from '../../metrics/Metrics.ts';
import type { ReplicationFigures } from '../../replication/figures.ts';
import type { NodeSnapshot, ReportBlock } from '../types.ts';
import type { Backends } from './Backends.ts';
import { instanceShape } from './instances.ts';
import type { NodeStatistics } from './NodeStatistics.ts';
import type { PostgresSettings } from './settings.ts';

export interface PostgresSnapshot extends NodeSnapshot {
  kind: 'postgres';
  /** Backends running a statement now (pg_stat_activity state = active). */
  activeConnections: number;
  maxConnections: number;
  /** Statements sharing the cores now. */
  cpuRunQueue: number;
  /** shared_buffers' hit ratio over the last simulated second (blks_hit / (blks_hit + blks_read)). */
  cacheHitRatio?: number;
  /** The instance shape's on-demand price (instances.ts), when the node is one. */
  usdPerHour?: number;
  replication?: ReplicationFigures;
}

/** A node's live figures: the last complete second's rates, its backends and cores, its cache. */
export function postgresSnapshot(
  node: { id: string; status: NodeSnapshot['status']; settings: PostgresSettings },
  metrics: Metrics,
  parts: { backends: Backends; runQueue: number; stats: NodeStatistics; replication?: ReplicationFigures },
): PostgresSnapshot {
  const m = metrics.node(node.id);
  const seconds = metrics.seconds;
  const last = seconds.length >= 2 ? seconds[seconds.length - 2].nodes.get(node.id) : undefined;
  const hitRatio = parts.stats.lastSecondHitRatio;
  const shape = instanceShape(node.settings.instance);
  return {
    id: node.id,
    kind: 'postgres',
    status: node.status,
    queries: m.queries,
    errors: m.errors,
    queriesPerSecond: last?.queries ?? 0,
    cpuUtilization: last ? last.busyUs / 1e6 / node.settings.cores : 0,
    connections: parts.backends.size,
    activeConnections: parts.backends.active,
    maxConnections: node.settings.max_connections,
    cpuRunQueue: parts.runQueue,
    ...(hitRatio !== undefined ? { cacheHitRatio: hitRatio } : {}),
    ...(shape ? { usdPerHour: shape.usdPerHour } : {}),
    ...(parts.replication ? { replication: parts.replication } : {}),
  };
}

/** A node's block of the report: its instance and price, peak connections, database size, the run's cache hit ratio, its replication. */
export function postgresReport(m: NodeTotals, stats: NodeStatistics, settings: PostgresSettings, replication: ReportBlock | undefined): ReportBlock {
  const hitRatio = stats.hitRatio;
  const shape = instanceShape(settings.instance);
  return {
    ...(shape ? { instance: shape.name, usdPerHour: shape.usdPerHour } : {}),
    connectionsMax: m.connectionsMax,
    databaseBytes: stats.databaseBytes,
    ...(hitRatio !== undefined ? { cacheHitRatio: Math.round(hitRatio * 1e4) / 1e4 } : {}),
    ...(replication ? { replication } : {}),
  };
}
