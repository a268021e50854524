/** The frame every node view shares: handles, title, kind, health colour and a row of live badges. */
import { Handle, Position } from '@xyflow/react';
import type { ReactNode } from 'react';
import { type NodeSnapshot, nodeKind, nodeKinds } from '../../../sim/index.ts';
import type { RunEvent } from '../../sim/protocol.ts';
import { useApp } from '../../store/appStore.ts';
import { kindLabel } from '../../store/doc.ts';
import { withGlossary } from '../../lessons/glossary.ts';

export type Health = 'idle' | 'ok' | 'busy' | 'errors' | 'down' | 'booting';

export function healthOf(snap: NodeSnapshot | undefined, errorsLastSecond: number): Health {
  if (!snap) return 'idle';
  if (snap.status === 'down') return 'down';
  if (snap.status === 'booting' || snap.status === 'restarting') return 'booting';
  if (errorsLastSecond > 0) return 'errors';
  if (snap.cpuUtilization >= 0.9) return 'busy';
  return 'ok';
}

export interface Badge {
  label: string;
  value: string;
  title: string;
  alarm?: boolean;
}

/** The node's snapshot (typed as its kind's: a kind's view calls it for nodes of its kind), errors and health. */
export function useNodeLive<T extends NodeSnapshot = NodeSnapshot>(id: string) {
  const snap = useApp((s) => s.snapshot?.nodes.find((n) => n.id === id)) as T | undefined;
  const lastErrors = useApp((s) => s.series.at(-1)?.nodes[id]?.errors ?? 0);
  return { snap, lastErrors, health: healthOf(snap, lastErrors) };
}

/**
 * The tooltip of a failed-requests badge: the total's meaning, then the latest error of each kind the run
 * met, in the real system's words (the Events panel has them all).
 */
export function failuresTitle(events: readonly RunEvent[]): string {
  const latest = new Map<string, string>();
  for (const e of events) if (e.type === 'request-error') latest.set(e.message.replace(/: \d+ requests? failed.*$/, ''), e.message);
  const lines = [...latest.values()].slice(-3);
  return ['failed requests in total', ...lines].join('\n');
}

/** failuresTitle of the run's events. */
export function useFailuresTitle(): string {
  return useApp((s) => failuresTitle(s.events));
}

export function fmt(n: number): string {
  if (!Number.isFinite(n)) return '–';
  if (n >= 10_000) return `${Math.round(n / 1000)}k`;
  if (n >= 1000) return `${(n / 1000).toFixed(1)}k`;
  return String(Math.round(n));
}

export function NodeFrame(props: {
  id: string;
  kind: string;
  selected: boolean;
  health: Health;
  badges: Badge[];
  icon: ReactNode;
  subtitle?: string;
}) {
  // Handles follow the registry: a source where the kind opens connections, a target where some kind connects to it.
  const source = (nodeKind(props.kind)?.connectsTo.length ?? 0) > 0;
  const target = nodeKinds().some((k) => k.connectsTo.includes(props.kind));
  return (
    <div className={`pg-node health-${props.health}${props.selected ? ' selected' : ''}`} data-testid={`node-${props.id}`} data-health={props.health}>
      {target && <Handle type="target" position={Position.Left} data-testid={`handle-in-${props.id}`} />}
      <div className="pg-node-head">
        <span className="pg-node-icon" aria-hidden>
          {props.icon}
        </span>
        <div className="pg-node-titles">
          <div className="pg-node-title">{props.id}</div>
          <div className="pg-node-kind">{props.subtitle ?? kindLabel(props.kind)}</div>
        </div>
        <span className={`pg-health-dot health-${props.health}`} title={`health: ${props.health}`} />
      </div>
      <div className="pg-badges">
        {props.badges.map((b) => (
          <span key={b.label} className={`pg-badge${b.alarm ? ' alarm' : ''}`} title={withGlossary(b.title, b.label)} data-testid={`badge-${props.id}-${b.label}`}>
            <span className="pg-badge-label">{b.label}</span>
            <span className="pg-badge-value">{b.value}</span>
          </span>
        ))}
      </div>
      {source && <Handle type="source" position={Position.Right} data-testid={`handle-out-${props.id}`} />}
    </div>
  );
}
