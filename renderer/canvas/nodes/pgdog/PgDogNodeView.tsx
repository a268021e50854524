/** A `pgdog` node: statements routed per second, cross-shard (scattered) statements, clients waiting for a server. */
import type { NodeProps } from '@xyflow/react';
import type { PgDogSnapshot } from '../../../../sim/index.ts';
import { RouterIcon } from '../icons.tsx';
import { fmt, NodeFrame, useNodeLive } from '../NodeFrame.tsx';

export function PgDogNodeView({ id, selected }: NodeProps) {
  const { snap, health } = useNodeLive<PgDogSnapshot>(id);
  return (
    <NodeFrame
      id={id}
      kind="pgdog"
      selected={!!selected}
      health={health}
      icon={<RouterIcon />}
      subtitle="PgDog, shard router"
      badges={[
        { label: 'q/s', value: snap ? fmt(snap.queriesPerSecond) : '–', title: 'statements routed per second' },
        { label: 'scatter', value: snap ? fmt(snap.crossShard) : '–', title: 'statements sent to every shard and merged' },
        { label: 'wait', value: snap ? fmt(snap.cl_waiting) : '–', title: 'cl_waiting: clients waiting for a server connection', alarm: !!snap && snap.cl_waiting > 0 },
      ]}
    />
  );
}
