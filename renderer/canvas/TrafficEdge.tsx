/**
 * A link between two nodes, with a sample of the requests in flight on it drawn as dots: requests go
 * from the client to the server (blue), replies come back (green). The dots step along the curve once
 * per snapshot instead of being animated every frame: SVG animations cost the main thread about half
 * of its time during a run, snapshots cost nothing noticeable. Every hop stamps where a request is
 * (sim/net: `a->b` on the wire, `b` at a node), so every edge of a path carries its own dots.
 */
import { BaseEdge, EdgeLabelRenderer, type EdgeProps, getBezierPath } from '@xyflow/react';
import { kindView } from './nodes/index.ts';
import { appStore, useApp } from '../store/appStore.ts';
import type { SimSnapshot } from '../../sim/index.ts';

function idsOn(inFlight: SimSnapshot['inFlight'] | undefined, at: string): string {
  return (inFlight ?? [])
    .filter((r) => r.at === at)
    .map((r) => r.id)
    .join(',');
}

const MAX_DOTS = 6;

/** The dots of the messages on the link source -> target now (replication records too), along `point(t)`. */
export function TrafficDots({ source, target, point }: { source: string; target: string; point: (t: number) => [number, number] }) {
  const running = useApp((s) => s.status === 'running');
  // following requests, the dots stay when paused (or scrubbed back), to be clicked
  const shown = useApp((s) => running || (s.following && s.status === 'paused'));
  const tick = useApp((s) => (running ? s.snapshotCount : 0));
  // the ids of the requests on the wire each way, as text (a stable value for the store's selector)
  const out = useApp((s) => idsOn(s.snapshot?.inFlight, `${source}->${target}`));
  const back = useApp((s) => idsOn(s.snapshot?.inFlight, `${target}->${source}`));
  if (!shown) return null;
  const dots = (ids: string, reverse: boolean) => {
    const list = ids ? ids.split(',').slice(0, MAX_DOTS) : [];
    return list.map((id, i) => {
      // half a spacing in: a lone dot sits mid-edge, not under a node's handle (paused dots are to be clicked)
      const f = ((i + 0.5) / list.length + tick * 0.13) % 1;
      const [x, y] = point(reverse ? 1 - f : f);
      return (
        // biome-ignore lint/a11y/useSemanticElements: an SVG circle of the canvas (a <button> cannot be inside <svg>)
        <circle
          key={`${reverse ? 'b' : 'f'}${id}`}
          r={3.5}
          cx={x}
          cy={y}
          className={reverse ? 'pg-dot reply' : 'pg-dot'}
          data-edge={`${source}->${target}`}
          data-request={id}
          role="button"
          aria-label={`follow request ${id}`}
          tabIndex={-1}
          onKeyDown={(e) => {
            if (e.key === 'Enter') void appStore.getState().followRequest(Number(id));
          }}
          onClick={(e) => {
            e.stopPropagation();
            void appStore.getState().followRequest(Number(id));
          }}
        />
      );
    });
  };
  return (
    <>
      {dots(out, false)}
      {dots(back, true)}
    </>
  );
}

/** A point at `t` (0..1) of the cubic Bézier xyflow draws from a right-hand source to a left-hand target. */
export function bezierPoint(sx: number, sy: number, tx: number, ty: number, t: number): [number, number] {
  const d = tx - sx;
  const offset = d >= 0 ? 0.5 * d : 0.25 * 25 * Math.sqrt(-d);
  const [c1x, c1y, c2x, c2y] = [sx + offset, sy, tx - offset, ty];
  const u = 1 - t;
  const x = u * u * u * sx + 3 * u * u * t * c1x + 3 * u * t * t * c2x + t * t * t * tx;
  const y = u * u * u * sy + 3 * u * u * t * c1y + 3 * u * t * t * c2y + t * t * t * ty;
  return [x, y];
}

export function TrafficEdge(props: EdgeProps) {
  const { id, source, target, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, selected } = props;
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  const latency = useApp((s) => s.doc.edges.find((e) => `${e.from}->${e.to}` === id)?.latency ?? '0.5ms');
  // the source kind's live label for this edge (an app's cache hits and misses on the edge to its Redis)
  const live = useApp((s) => {
    const from = s.snapshot?.nodes.find((n) => n.id === source);
    return from ? kindView(from.kind)?.edgeLabel?.(from, s.snapshot?.nodes.find((n) => n.id === target)) : undefined;
  });
  return (
    <>
      <BaseEdge id={id} path={path} className={selected ? 'pg-edge selected' : 'pg-edge'} />
      <TrafficDots source={source} target={target} point={(t) => bezierPoint(sourceX, sourceY, targetX, targetY, t)} />
      <EdgeLabelRenderer>
        <div className="pg-edge-label" style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}>
          {String(latency)}
          {live && (
            <div className="pg-edge-live" data-testid={`edge-label-${source}-${target}`}>
              {live}
            </div>
          )}
        </div>
      </EdgeLabelRenderer>
    </>
  );
}
