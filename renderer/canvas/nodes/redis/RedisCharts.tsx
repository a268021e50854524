/**
 * A selected redis node over time, with INFO's names: used_memory and keys, and the keys it drops
 * (evicted_keys by maxmemory-policy, expired_keys by TTL) with instantaneous_ops_per_sec. Drawn from the
 * per-snapshot figures (store `live`).
 */
import { useMemo } from 'react';
import { Chart } from '../../../components/Chart.tsx';
import { useApp } from '../../../store/appStore.ts';

export function RedisCharts({ node }: { node: string }) {
  const live = useApp((s) => s.live);
  const x = useMemo(() => live.map((p) => p.t), [live]);
  const charts = useMemo(() => {
    const v = (name: string) => live.map((p) => p.nodes[node]?.[name] ?? null);
    return {
      memory: [
        { label: 'used_memory (MB)', color: '#dc2626', values: v('used_memory_mb') },
        { label: 'keys (thousands)', color: '#2563eb', values: v('keys_k') },
      ],
      dropped: [
        { label: 'evicted_keys', color: '#d97706', values: v('evicted_keys') },
        { label: 'expired_keys', color: '#64748b', values: v('expired_keys') },
      ],
      ops: [{ label: 'instantaneous_ops_per_sec', color: '#7c3aed', values: v('ops_per_sec') }],
    };
  }, [live, node]);
  return (
    <>
      <Chart testId="chart-redis-memory" title="Memory and keys" unit="MB / thousands" x={x} series={charts.memory} />
      <Chart testId="chart-redis-dropped" title="Evicted and expired keys (total)" unit="keys" x={x} series={charts.dropped} />
      <Chart testId="chart-redis-ops" title="Commands" unit="per second" x={x} series={charts.ops} />
    </>
  );
}
