/**
 * Figures sampled from each snapshot for the charts that the per-second series does not carry, as each
 * kind's view says (canvas/nodes/<kind>/: a replica's lag and stale reads, a pooler's SHOW POOLS columns). One point per snapshot
 * (about every 200 ms of wall time), at the snapshot's virtual time. Pure functions: the run slice keeps
 * the points (state lives once in the store); the charts derive their lines from them.
 */
import type { SimSnapshot } from '../../sim/index.ts';
import { kindView } from '../canvas/nodes/index.ts';

export const MAX_LIVE_POINTS = 3000;

/** One snapshot's figures: virtual time (seconds) and, per node, named figures (null: not known). */
export interface LivePoint {
  t: number;
  nodes: Record<string, Record<string, number | null>>;
}

/** Adds a snapshot's point (replacing the last one when virtual time did not move). */
export function appendLive(points: LivePoint[], snapshot: SimSnapshot): LivePoint[] {
  const nodes: LivePoint['nodes'] = {};
  for (const n of snapshot.nodes) {
    const f = kindView(n.kind)?.liveFigures?.(n);
    if (f) nodes[n.id] = f;
  }
  if (Object.keys(nodes).length === 0) return points;
  const point = { t: snapshot.time, nodes };
  const last = points.at(-1);
  if (last && last.t >= snapshot.time) return [...points.slice(0, -1), point];
  return [...points, point].slice(-MAX_LIVE_POINTS);
}
