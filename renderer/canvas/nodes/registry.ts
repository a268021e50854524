/**
 * The renderer's side of a node kind: what the canvas, the inspector and the charts show for it,
 * linked to the sim's registry by the kind's name. Kinds register in ./index.ts, the one place; a kind
 * without a registration gets the generic view, so a kind registered in the sim appears with no other change.
 */
import type { EdgeProps, NodeProps } from '@xyflow/react';
import type { ComponentType } from 'react';
import type { NodeSnapshot } from '../../../sim/index.ts';

export interface KindView {
  kind: string;
  /** The node on the canvas. */
  view: ComponentType<NodeProps>;
  icon: ComponentType;
  /** Extra sections of the inspector for a selected node of this kind (faults, config import/export). */
  inspector?: ComponentType<{ nodeId: string }>[];
  /** The charts of a selected node of this kind; without: its statements per second. */
  charts?: ComponentType<{ node: string }>;
  /** Charts shown whenever the document has nodes of this kind (replication lag of every replica ...). */
  documentCharts?: ComponentType;
  /** The edge drawn for this kind's replication streams (the sim's `replicatesTo`). */
  streamEdge?: ComponentType<EdgeProps>;
  /** Figures sampled from each snapshot of a node of this kind, for its charts (null: not known). */
  liveFigures?: (snap: NodeSnapshot) => Record<string, number | null> | undefined;
  /** A live label for an edge from a node of this kind (an app's cache hits on the edge to its Redis), beside the latency. */
  edgeLabel?: (from: NodeSnapshot, to: NodeSnapshot | undefined) => string | undefined;
}

const views = new Map<string, KindView>();

export function registerKindView(v: KindView): void {
  if (views.has(v.kind)) throw new Error(`the view of node kind ${v.kind} is registered twice`);
  views.set(v.kind, v);
}

export function kindView(kind: string | undefined): KindView | undefined {
  return kind === undefined ? undefined : views.get(kind);
}

export function kindViews(): KindView[] {
  return [...views.values()];
}
