/**
 * A replication link (postgres → postgres): the WAL stream from a primary to its standby, drawn dashed,
 * labelled live with the standby's replay_lag (as pg_stat_replication reports it), how many stream
 * records it has not replayed yet and its state when it is not streaming. Before a run it shows the
 * link's latency, like every other link.
 */
import '../../../components/replicasPooling.css';
import { BaseEdge, EdgeLabelRenderer, type EdgeProps, getBezierPath, type InternalNode, useInternalNode } from '@xyflow/react';
import { useApp } from '../../../store/appStore.ts';
import { bezierPoint, TrafficDots } from '../../TrafficEdge.tsx';
import { replicaFigures } from './replicaFigures.ts';

export function lagText(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '–';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(0)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 10) return `${Math.round(ms)} ms`;
  return `${ms.toFixed(1)} ms`;
}

/**
 * A standby drawn below or above its primary (the usual layout) gets a bracket on the right-hand side of
 * both nodes rather than a loop from the primary's right handle back to the standby's left one; the label
 * sits just above the standby's top right corner (in the gap between stacked nodes, inside the fitted view). Undefined when the nodes are side by side: the usual curve then.
 */
export function bracketPath(s: InternalNode | undefined, t: InternalNode | undefined): [string, number, number, (f: number) => [number, number]] | undefined {
  const sw = s?.measured.width;
  const tw = t?.measured.width;
  if (!s || !t || !sw || !tw) return undefined;
  const sp = s.internals.positionAbsolute;
  const tp = t.internals.positionAbsolute;
  if (!(tp.x < sp.x + sw && sp.x < tp.x + tw)) return undefined;
  const sx = sp.x + sw;
  const tx = tp.x + tw;
  const sy = sp.y + (s.measured.height ?? 0) / 2;
  const ty = tp.y + (t.measured.height ?? 0) / 2;
  const x = Math.max(sx, tx) + 30 + Math.abs(ty - sy) * 0.12;
  const above = ty >= sy ? tp.y - 11 : tp.y + (t.measured.height ?? 0) + 11;
  const point = (f: number): [number, number] => {
    const u = 1 - f;
    const [a, b, c, d] = [u * u * u, 3 * u * u * f, 3 * u * f * f, f * f * f];
    return [a * sx + b * x + c * x + d * tx, a * sy + b * sy + c * ty + d * ty];
  };
  return [`M ${sx},${sy} C ${x},${sy} ${x},${ty} ${tx},${ty}`, tx, above, point];
}

export function ReplicationEdge(props: EdgeProps) {
  const { id, source, target, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, selected } = props;
  const bracket = bracketPath(useInternalNode(source), useInternalNode(target));
  const [path, labelX, labelY] = bracket ?? getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  const point = bracket?.[3] ?? ((f: number) => bezierPoint(sourceX, sourceY, targetX, targetY, f));
  const latency = useApp((s) => s.doc.edges.find((e) => `${e.from}->${e.to}` === id)?.latency ?? '0.5ms');
  const r = useApp((s) => {
    const f = replicaFigures(s.snapshot?.nodes.find((n) => n.id === target));
    return f && f.upstream === source ? f : undefined;
  });
  // after a kill or a promote the link carries no stream any more: drawn as ended, not as replication
  const ended = useApp((s) => {
    const src = s.snapshot?.nodes.find((n) => n.id === source);
    const dst = s.snapshot?.nodes.find((n) => n.id === target);
    if (!src || !dst) return undefined;
    if (src.status === 'down') return `${source} is down`;
    return replicaFigures(dst)?.upstream === source ? undefined : `${target} no longer replays ${source}`;
  });
  const down = !!r && r.state !== 'streaming' && r.state !== 'catchup';
  const behind = r?.recordsBehind ?? 0;
  const alarm = down || (r?.replayDelayMs ?? 0) >= 100;
  return (
    <>
      <BaseEdge id={id} path={path} className={`pg-edge pg-repl-edge${selected ? ' selected' : ''}${ended ? ' ended' : alarm ? ' alarm' : ''}`} />
      {!ended && <TrafficDots source={source} target={target} point={point} />}
      <EdgeLabelRenderer>
        <div
          className={`pg-repl-label${ended ? ' ended' : alarm ? ' alarm' : ''}`}
          data-testid={`repl-lag-${target}`}
          data-ended={ended ? 'true' : undefined}
          data-replay-lag-ms={r?.replayLagMs ?? ''}
          title={
            r
              ? `WAL stream ${source} → ${target} (${r.syncState ?? 'async'}): replay_lag ${lagText(r.replayLagMs)} (pg_stat_replication); ` +
                `${behind} committed record(s) not replayed yet, the oldest committed ${lagText(r.replayDelayMs)} ago; replay_lsn ${r.replayLsn ?? '–'}`
              : `replication link ${source} → ${target}, ${String(latency)} one way`
          }
          style={{ transform: `translate(${bracket ? '-100%' : '-50%'}, -50%) translate(${labelX}px, ${labelY}px)` }}
        >
          {ended ? (
            <>stream ended: {ended}</>
          ) : r ? (
            <>
              <span className="pg-repl-key">replay_lag</span> <b>{lagText(r.replayLagMs)}</b>
              {behind > 0 && <span className="pg-repl-behind"> · {behind} behind</span>}
              {down && <span className="pg-repl-state"> · {r.state}</span>}
            </>
          ) : (
            <>WAL · {String(latency)}</>
          )}
        </div>
      </EdgeLabelRenderer>
    </>
  );
}
