/** Auto-layout: dagre, left to right, in the direction connections go (apps, poolers, databases). */
import dagre from '@dagrejs/dagre';
import type { Doc } from './doc.ts';

export const NODE_SIZE = { width: 220, height: 120 };
/** The widest a node is drawn at 1x text (.pg-node's max-width, 24em of 13 px): room click-to-add leaves for a kind not drawn yet. */
export const NODE_MAX_WIDTH = 312;

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

/** A node's box on the canvas, in flow coordinates (its position and its measured size). */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The space kept between a placed node and its neighbours. */
export const PLACE_GAP = 40;

/**
 * Where a clicked palette kind goes: the top-left corner of a `size` box that overlaps no box of `boxes`
 * (with PLACE_GAP between them), nearest `anchor`, and inside `view` (what the canvas shows) when such a
 * place exists there, so the new node is seen. Candidates are the cells of a half-node grid around the
 * anchor: a spot next to the others, not a far one.
 */
export function freeSpot(boxes: Box[], size: { width: number; height: number }, anchor: { x: number; y: number }, view?: Box): { x: number; y: number } {
  const stepX = Math.round((size.width + PLACE_GAP) / 2);
  const stepY = Math.round((size.height + PLACE_GAP) / 2);
  const free = (x: number, y: number) =>
    boxes.every((b) => x + size.width + PLACE_GAP <= b.x || b.x + b.width + PLACE_GAP <= x || y + size.height + PLACE_GAP <= b.y || b.y + b.height + PLACE_GAP <= y);
  const seen = (x: number, y: number) => !view || (x >= view.x && y >= view.y && x + size.width <= view.x + view.width && y + size.height <= view.y + view.height);
  let best: { x: number; y: number; rank: number } | undefined;
  const rings = 30;
  for (let i = -rings; i <= rings; i++)
    for (let j = -rings; j <= rings; j++) {
      const x = Math.round(anchor.x + i * stepX);
      const y = Math.round(anchor.y + j * stepY);
      if (!free(x, y)) continue;
      // out of view ranks after every spot in view
      const rank = Math.hypot(x - anchor.x, y - anchor.y) + (seen(x, y) ? 0 : 1e9);
      if (!best || rank < best.rank) best = { x, y, rank };
    }
  return best ? { x: best.x, y: best.y } : { x: Math.round(anchor.x), y: Math.round(anchor.y) };
}

/**
 * How far the canvas spreads the document's positions apart, along x and along y, while larger text (Aa)
 * makes the nodes larger than the layout was drawn for, so none covers another: two boxes too close are
 * moved apart along the axis that needs the lesser factor (side by side: x), each factor from 1 up to `max`
 * (the text scale: boxes closer than that were too close at 1x already). The document's positions do not
 * change. One factor per axis, not one for both: a layout that only grows wider can still fill the canvas's height.
 */
export function spreadFactor(boxes: Box[], max: number): { x: number; y: number } {
  // room for an edge's latency label between two nodes
  const gap = 60;
  const s = { x: 1, y: 1 };
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, b] = [boxes[i], boxes[j]];
      const dx = Math.abs(b.x - a.x);
      const dy = Math.abs(b.y - a.y);
      const needX = dx > 0 ? ((a.x < b.x ? a.width : b.width) + gap) / dx : Number.POSITIVE_INFINITY;
      const needY = dy > 0 ? ((a.y < b.y ? a.height : b.height) + gap) / dy : Number.POSITIVE_INFINITY;
      if (Math.min(needX, needY) <= 1) continue;
      if (needX <= needY) s.x = Math.max(s.x, needX);
      else s.y = Math.max(s.y, needY);
    }
  // in steps of 0.05, up: a badge's number growing by a digit does not move the whole layout
  const step = (f: number) => Math.min(Math.ceil(f * 20 - 1e-9) / 20, max);
  return { x: step(s.x), y: step(s.y) };
}
