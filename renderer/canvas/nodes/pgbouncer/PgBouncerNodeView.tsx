/** A `pgbouncer` node: the pooler, with SHOW POOLS' own column names on its badges. */
import type { NodeProps } from '@xyflow/react';
import type { PgBouncerSnapshot } from '../../../../sim/index.ts';
import { useApp } from '../../../store/appStore.ts';
import { PoolerIcon } from '../icons.tsx';
import { fmt, NodeFrame, useNodeLive } from '../NodeFrame.tsx';

export function PgBouncerNodeView({ id, selected }: NodeProps) {
  const settings = useApp((s) => s.doc.nodes.find((n) => n.id === id)?.settings);
  const { snap, health, lastErrors } = useNodeLive<PgBouncerSnapshot>(id);
  const n = (k: 'cl_active' | 'cl_waiting' | 'sv_active' | 'sv_idle') => snap?.[k] ?? 0;
  const mode = String(snap?.pool_mode ?? settings?.pool_mode ?? 'session');
  const poolSize = Number(snap?.defaultPoolSize ?? settings?.default_pool_size ?? 20);
  return (
    <NodeFrame
      id={id}
      kind="pgbouncer"
      selected={!!selected}
      health={health}
      icon={<PoolerIcon />}
      subtitle={`PgBouncer · ${mode} · pool ${poolSize}`}
      badges={[
        { label: 'q/s', value: snap ? fmt(snap.queriesPerSecond) : '–', title: 'queries in the last second' },
        { label: 'cpu', value: snap ? `${Math.round(snap.cpuUtilization * 100)}%` : '–', title: 'its one core (PgBouncer is single-threaded), in the last second', alarm: (snap?.cpuUtilization ?? 0) >= 0.9 },
        { label: 'cl_active', value: snap ? fmt(n('cl_active')) : '–', title: 'SHOW POOLS cl_active: clients linked to a server' },
        { label: 'cl_waiting', value: snap ? fmt(n('cl_waiting')) : '–', title: 'SHOW POOLS cl_waiting: clients waiting for a server', alarm: n('cl_waiting') > 0 },
        { label: 'sv_active', value: snap ? fmt(n('sv_active')) : '–', title: 'SHOW POOLS sv_active: server connections in use' },
        { label: 'sv_idle', value: snap ? fmt(n('sv_idle')) : '–', title: 'SHOW POOLS sv_idle: server connections idle' },
        { label: 'err', value: snap ? fmt(snap.errors) : '–', title: 'errors in total', alarm: lastErrors > 0 },
      ]}
    />
  );
}
