/**
 * A link between two nodes, with a sample of the requests in flight on it drawn as moving dots:
 * outbound requests go from the client to the server, replies come back.
 */
import { BaseEdge, EdgeLabelRenderer, type EdgeProps, getBezierPath } from '@xyflow/react';
import { useApp } from '../store/appStore.ts';

const MAX_DOTS = 6;

export function TrafficEdge(props: EdgeProps) {
  const { id, source, target, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, selected } = props;
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  const running = useApp((s) => s.status === 'running');
  const out = useApp((s) => s.snapshot?.inFlight.filter((r) => r.at === `${source}->${target}` || r.at === target).length ?? 0);
  const back = useApp((s) => s.snapshot?.inFlight.filter((r) => r.at === `${target}->${source}`).length ?? 0);
  const latency = useApp((s) => s.doc.edges.find((e) => `${e.from}->${e.to}` === id)?.latency ?? '0.5ms');
  const dots = (n: number, reverse: boolean) =>
    Array.from({ length: Math.min(MAX_DOTS, n) }, (_, i) => (
      // biome-ignore lint/suspicious/noArrayIndexKey: dots are interchangeable
      <circle key={`${reverse ? 'b' : 'f'}${i}`} r={3.5} className={reverse ? 'pg-dot reply' : 'pg-dot'}>
        <animateMotion dur="1.2s" repeatCount="indefinite" begin={`${(i * 1.2) / Math.min(MAX_DOTS, n)}s`} path={path} keyPoints={reverse ? '1;0' : '0;1'} keyTimes="0;1" calcMode="linear" />
      </circle>
    ));
  return (
    <>
      <BaseEdge id={id} path={path} className={selected ? 'pg-edge selected' : 'pg-edge'} />
      {running && dots(out, false)}
      {running && dots(back, true)}
      <EdgeLabelRenderer>
        <div className="pg-edge-label" style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}>
          {String(latency)}
        </div>
      </EdgeLabelRenderer>
    </>
  );
}
