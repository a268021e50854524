/**
 * Replication charts for the Metrics dock: replay_lag per replica (as pg_stat_replication reports it) and
 * the stale reads the checker has counted per replica. Drawn from the per-snapshot figures (store `live`),
 * shown when the scenario has replication links.
 */
import { useMemo } from 'react';
import { isReplicationEdge } from '../../../../sim/index.ts';
import { useApp } from '../../../store/appStore.ts';
import { Chart, type ChartSeries } from '../../../components/Chart.tsx';

const COLORS = ['#7c3aed', '#0891b2', '#d97706', '#16a34a', '#db2777', '#2563eb'];

/** The replicas of the document: targets of postgres → postgres links, in the document's order. */
export function useReplicaIds(): string[] {
  const key = useApp((s) => {
    const kind = new Map(s.doc.nodes.map((n) => [n.id, n.kind]));
    return [...new Set(s.doc.edges.filter((e) => isReplicationEdge(kind.get(e.from), kind.get(e.to))).map((e) => e.to))].join(',');
  });
  return useMemo(() => (key ? key.split(',') : []), [key]);
}

export function ReplicaCharts() {
  const replicas = useReplicaIds();
  const live = useApp((s) => s.live);
  const x = useMemo(() => live.map((p) => p.t), [live]);
  const lag = useMemo<ChartSeries[]>(
    () => replicas.map((id, i) => ({ label: `${id} replay_lag`, color: COLORS[i % COLORS.length], values: live.map((p) => p.nodes[id]?.replay_lag_ms ?? null) })),
    [replicas, live],
  );
  const stale = useMemo<ChartSeries[]>(
    () => [
      ...replicas.map((id, i) => ({ label: `${id} stale`, color: COLORS[i % COLORS.length], values: live.map((p) => p.nodes[id]?.stale_reads ?? null) })),
      {
        label: 'ryw violations',
        color: '#dc2626',
        values: live.map((p) => (replicas.some((id) => p.nodes[id]) ? replicas.reduce((a, id) => a + (p.nodes[id]?.ryw_violations ?? 0), 0) : null)),
      },
    ],
    [replicas, live],
  );
  if (replicas.length === 0) return null;
  return (
    <>
      <Chart testId="chart-replay-lag" title="Replay lag per replica" unit="ms" x={x} series={lag} />
      <Chart testId="chart-stale-reads" title="Stale reads (total)" unit="reads" x={x} series={stale} />
    </>
  );
}
