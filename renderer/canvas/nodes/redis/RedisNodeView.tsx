/** A `redis` node: its thread's load, the keyspace hit ratio and memory. */
import type { NodeProps } from '@xyflow/react';
import type { RedisSnapshot } from '../../../../sim/index.ts';
import { CacheIcon } from '../icons.tsx';
import { fmt, NodeFrame, useNodeLive } from '../NodeFrame.tsx';

const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)}M`;

export function RedisNodeView({ id, selected }: NodeProps) {
  const { snap, health } = useNodeLive<RedisSnapshot>(id);
  return (
    <NodeFrame
      id={id}
      kind="redis"
      selected={!!selected}
      health={health}
      icon={<CacheIcon />}
      subtitle="Redis, one thread"
      badges={[
        { label: 'ops/s', value: snap ? fmt(snap.opsPerSec) : '–', title: 'instantaneous_ops_per_sec', alarm: !!snap && snap.cpuUtilization > 0.9 },
        { label: 'hit', value: snap ? `${Math.round(snap.hitRatio * 100)}%` : '–', title: 'keyspace_hits / (keyspace_hits + keyspace_misses)' },
        { label: 'mem', value: snap ? mb(snap.usedMemory) : '–', title: `used_memory; ${snap ? fmt(snap.keys) : '–'} keys, ${snap ? fmt(snap.evictedKeys) : '–'} evicted` },
      ]}
    />
  );
}
