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

/**
 * Where a clicked palette kind goes: `near` (the middle of the view) if no node is there, else the nearest
 * free cell of a grid of node-sized cells around it, so a new node never lands on top of another.
 */
export function freeSpot(doc: Doc, near: { x: number; y: number }): { x: number; y: number } {
  const gap = 40;
  const w = NODE_SIZE.width + gap;
  const h = NODE_SIZE.height + gap;
  const free = (p: { x: number; y: number }) => doc.nodes.every((n) => Math.abs(n.position.x - p.x) >= w || Math.abs(n.position.y - p.y) >= h);
  for (let ring = 0; ring < 20; ring++) {
    const cells: { x: number; y: number }[] = [];
    for (let i = -ring; i <= ring; i++)
      for (let j = -ring; j <= ring; j++) if (Math.max(Math.abs(i), Math.abs(j)) === ring) cells.push({ x: near.x + i * w, y: near.y + j * h });
    cells.sort((a, b) => Math.hypot(a.x - near.x, a.y - near.y) - Math.hypot(b.x - near.x, b.y - near.y));
    const spot = cells.find(free);
    if (spot) return { x: Math.round(spot.x), y: Math.round(spot.y) };
  }
  return near;
}
