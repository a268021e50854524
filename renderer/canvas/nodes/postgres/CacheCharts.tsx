/** A selected postgres node's statements per second and shared_buffers' hit ratio (a resize's cold cache shows as a dip that recovers). */
import { useMemo } from 'react';
import { Chart } from '../../../components/Chart.tsx';
import { useApp } from '../../../store/appStore.ts';

export function CacheCharts({ node }: { node: string }) {
  const series = useApp((s) => s.series);
  const live = useApp((s) => s.live);
  const x = useMemo(() => series.map((p) => p.t + 1), [series]);
  const statements = useMemo(
    () => [
      { label: `${node} q/s`, color: '#7c3aed', values: series.map((p) => p.nodes[node]?.qps ?? null) },
      { label: 'errors/s', color: '#dc2626', values: series.map((p) => p.nodes[node]?.errors ?? null) },
    ],
    [series, node],
  );
  const liveX = useMemo(() => live.map((p) => p.t), [live]);
  const hits = useMemo(() => {
    const percent = live.map((p) => {
      const v = p.nodes[node]?.cache_hit_ratio;
      return v == null ? null : v * 100;
    });
    return [{ label: 'hit ratio %', color: '#16a34a', values: percent }];
  }, [live, node]);
  return (
    <>
      <Chart testId="chart-node" title={`Node ${node}`} unit="per second" x={x} series={statements} />
      <Chart testId="chart-cache-hit" title="shared_buffers hit ratio" unit="%" x={liveX} series={hits} />
    </>
  );
}
