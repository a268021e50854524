/**
 * One view per node kind, linked to the sim's registry by the kind's name. A kind without a view here
 * gets the generic one, so a kind registered in the sim appears on the canvas with no other change.
 */
import type { NodeProps } from '@xyflow/react';
import type { ComponentType } from 'react';
import { nodeKinds } from '../../../sim/index.ts';
import { AppNodeView } from './AppNodeView.tsx';
import { GenericNodeView } from './GenericNodeView.tsx';
import { DatabaseIcon, NodeIcon, PoolerIcon, ServerIcon } from './icons.tsx';
import { PgBouncerNodeView } from './PgBouncerNodeView.tsx';
import { PostgresNodeView } from './PostgresNodeView.tsx';

const views: Record<string, ComponentType<NodeProps>> = {
  app: AppNodeView,
  postgres: PostgresNodeView,
  pgbouncer: PgBouncerNodeView,
};

export function nodeTypes(): Record<string, ComponentType<NodeProps>> {
  return Object.fromEntries(nodeKinds().map((k) => [k.kind, views[k.kind] ?? GenericNodeView]));
}

export function kindIcon(kind: string): ComponentType {
  return icons[kind] ?? NodeIcon;
}

const icons: Record<string, ComponentType> = { app: ServerIcon, postgres: DatabaseIcon, pgbouncer: PoolerIcon };
