/** A postgres node's live figures: its backends, cores and, in a replicated scenario, its replication. */
import type { ReplicationFigures } from '../../replication/figures.ts';
import type { NodeSnapshot } from '../types.ts';

export interface PostgresSnapshot extends NodeSnapshot {
  kind: 'postgres';
  /** Backends running a statement now (pg_stat_activity state = active). */
  activeConnections: number;
  maxConnections: number;
  /** Statements sharing the cores now. */
  cpuRunQueue: number;
  replication?: ReplicationFigures;
}
