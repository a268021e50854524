/** A replica's replication figures from a snapshot (sim/replication/figures.ts), or undefined. */
import type { NodeSnapshot, PostgresSnapshot, ReplicaFigures } from '../../../../sim/index.ts';

export type { ReplicaFigures };

export function replicaFigures(snap: NodeSnapshot | undefined): ReplicaFigures | undefined {
  const r = snap?.kind === 'postgres' ? (snap as PostgresSnapshot).replication : undefined;
  return r?.role === 'replica' ? r : undefined;
}
