/** A `postgres` node: a real PGlite with its hardware modelled. */
import type { NodeProps } from '@xyflow/react';
import type { PostgresSnapshot } from '../../../../sim/index.ts';
import { useApp } from '../../../store/appStore.ts';
import { DatabaseIcon } from '../icons.tsx';
import { fmt, NodeFrame, useNodeLive } from '../NodeFrame.tsx';

export function PostgresNodeView({ id, selected }: NodeProps) {
  const settings = useApp((s) => s.doc.nodes.find((n) => n.id === id)?.settings);
  const { snap, health, lastErrors } = useNodeLive<PostgresSnapshot>(id);
  const cores = Number(settings?.cores ?? 4);
  const max = Number(snap?.maxConnections ?? settings?.max_connections ?? 100);
  return (
    <NodeFrame
      id={id}
      kind="postgres"
      selected={!!selected}
      health={health}
      icon={<DatabaseIcon />}
      subtitle={`PostgreSQL · ${cores} cores · ${String(settings?.ram ?? '16GB')}`}
      badges={[
        { label: 'q/s', value: snap ? fmt(snap.queriesPerSecond) : '–', title: 'statements in the last second' },
        { label: 'cpu', value: snap ? `${Math.round(snap.cpuUtilization * 100)}%` : '–', title: 'core use in the last second', alarm: (snap?.cpuUtilization ?? 0) >= 0.9 },
        { label: 'conn', value: `${snap ? snap.connections : '–'}/${max}`, title: 'backends / max_connections', alarm: !!snap && snap.connections >= max - 3 },
        { label: 'err', value: snap ? fmt(snap.errors) : '–', title: 'statement errors in total', alarm: lastErrors > 0 },
      ]}
    />
  );
}
