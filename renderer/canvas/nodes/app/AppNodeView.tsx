/** An `app` node: application server instances with their client-side pools. */
import type { NodeProps } from '@xyflow/react';
import type { AppSnapshot } from '../../../../sim/index.ts';
import { useApp } from '../../../store/appStore.ts';
import { ServerIcon } from '../icons.tsx';
import { fmt, NodeFrame, useFailuresTitle, useNodeLive } from '../NodeFrame.tsx';

export function AppNodeView({ id, selected }: NodeProps) {
  const settings = useApp((s) => s.doc.nodes.find((n) => n.id === id)?.settings);
  const { snap, health, lastErrors } = useNodeLive<AppSnapshot>(id);
  const instances = Number(settings?.instances ?? 2);
  const waiting = snap?.poolWaiting ?? 0;
  const failures = useFailuresTitle();
  return (
    <NodeFrame
      id={id}
      kind="app"
      selected={!!selected}
      health={health}
      icon={<ServerIcon />}
      subtitle={`App servers × ${instances}`}
      badges={[
        { label: 'req/s', value: snap ? fmt(snap.queriesPerSecond) : '–', title: 'requests completed or failed in the last second' },
        { label: 'pool', value: snap ? fmt(snap.connections) : '–', title: 'open pooled connections, all instances' },
        { label: 'wait', value: snap ? fmt(waiting) : '–', title: 'requests waiting for a pooled connection', alarm: waiting > 0 },
        { label: 'err', value: snap ? fmt(snap.errors) : '–', title: failures, alarm: lastErrors > 0 },
      ]}
    />
  );
}
