/**
 * The one place node kinds register their views (see ./registry.ts); each kind's views live in its
 * folder, linked to the sim's registry by the kind's name.
 */
import type { EdgeProps, NodeProps } from '@xyflow/react';
import type { ComponentType } from 'react';
import { nodeKinds } from '../../../sim/index.ts';
import { appView } from './app/index.ts';
import { GenericNodeView } from './GenericNodeView.tsx';
import { NodeIcon } from './icons.tsx';
import { pgbouncerView } from './pgbouncer/index.ts';
import { pgdogView } from './pgdog/index.ts';
import { postgresView } from './postgres/index.ts';
import { redisView } from './redis/index.ts';
import { kindView, kindViews, registerKindView } from './registry.ts';

if (kindViews().length === 0) {
  registerKindView(appView);
  registerKindView(postgresView);
  registerKindView(pgbouncerView);
  registerKindView(redisView);
  registerKindView(pgdogView);
}

export { kindView, kindViews };

export function nodeTypes(): Record<string, ComponentType<NodeProps>> {
  return Object.fromEntries(nodeKinds().map((k) => [k.kind, kindView(k.kind)?.view ?? GenericNodeView]));
}

export function kindIcon(kind: string): ComponentType {
  return kindView(kind)?.icon ?? NodeIcon;
}

/** The xyflow edge type of a stream edge from a node of `kind`. */
export const streamEdgeType = (kind: string) => `stream-${kind}`;

/** Edge types: client connections (traffic) and each kind's replication streams. */
export function streamEdgeTypes(): Record<string, ComponentType<EdgeProps>> {
  return Object.fromEntries(kindViews().flatMap((v) => (v.streamEdge ? [[streamEdgeType(v.kind), v.streamEdge]] : [])));
}
