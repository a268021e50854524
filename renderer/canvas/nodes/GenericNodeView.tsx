/** The view of any node kind without a view of its own: a kind added to the sim shows up with this. */
import type { NodeProps } from '@xyflow/react';
import { useApp } from '../../store/appStore.ts';
import { NodeIcon } from './icons.tsx';
import { fmt, NodeFrame, useNodeLive } from './NodeFrame.tsx';

export function GenericNodeView({ id, selected }: NodeProps) {
  const kind = useApp((s) => s.doc.nodes.find((n) => n.id === id)?.kind ?? '');
  const { snap, health, lastErrors } = useNodeLive(id);
  return (
    <NodeFrame
      id={id}
      kind={kind}
      selected={!!selected}
      health={health}
      icon={<NodeIcon />}
      badges={[
        { label: 'q/s', value: snap ? fmt(snap.queriesPerSecond) : '–', title: 'queries per second (last second)' },
        { label: 'conn', value: snap ? fmt(snap.connections) : '–', title: 'connections' },
        { label: 'err', value: snap ? fmt(snap.errors) : '–', title: 'errors in total', alarm: lastErrors > 0 },
      ]}
    />
  );
}
