/** The node kinds the sim knows. Kinds register themselves in sim/nodes/index.ts, the one place. */
import type { z } from 'zod';
import type { NodeKindDefinition } from './types.ts';

const kinds = new Map<string, NodeKindDefinition>();

export function registerNodeKind<S extends z.ZodObject>(def: NodeKindDefinition<S>): void {
  if (kinds.has(def.kind)) throw new Error(`node kind ${def.kind} is registered twice`);
  kinds.set(def.kind, def as unknown as NodeKindDefinition);
}

export function nodeKinds(): NodeKindDefinition[] {
  return [...kinds.values()];
}

export function nodeKind(kind: string): NodeKindDefinition | undefined {
  return kinds.get(kind);
}

/** Whether an edge between nodes of these kinds is a replication stream (its kind's `replicatesTo`). */
export function isReplicationEdge(fromKind: string | undefined, toKind: string | undefined): boolean {
  return !!fromKind && !!toKind && !!kinds.get(fromKind)?.replicatesTo?.includes(toKind);
}
