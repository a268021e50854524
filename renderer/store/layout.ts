/** Auto-layout: dagre, left to right, in the direction connections go (apps, poolers, databases). */
import dagre from '@dagrejs/dagre';
import type { Doc } from './doc.ts';

export const NODE_SIZE = { width: 220, height: 120 };

export function layoutPositions(doc: Doc): Map<string, { x: number; y: number }> {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 50, ranksep: 110 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of doc.nodes) g.setNode(n.id, { ...NODE_SIZE });
  for (const e of doc.edges) g.setEdge(e.from, e.to);
  dagre.layout(g);
  const out = new Map<string, { x: number; y: number }>();
  for (const n of doc.nodes) {
    const p = g.node(n.id);
    if (p) out.set(n.id, { x: Math.round(p.x - NODE_SIZE.width / 2), y: Math.round(p.y - NODE_SIZE.height / 2) });
  }
  return out;
}
