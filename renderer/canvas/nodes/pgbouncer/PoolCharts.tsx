/**
 * A selected pgbouncer node's pools over time, with SHOW POOLS' names: clients (cl_active, cl_waiting),
 * the oldest waiter's wait (maxwait) beside the work queued for its one core, and server connections (sv_active, sv_idle, all). Drawn from the
 * per-snapshot figures (store `live`).
 */
import { useMemo } from 'react';
import { useApp } from '../../../store/appStore.ts';
import { Chart } from '../../../components/Chart.tsx';

export function PoolCharts({ node }: { node: string }) {
  const live = useApp((s) => s.live);
  const x = useMemo(() => live.map((p) => p.t), [live]);
  const v = (name: string) => live.map((p) => p.nodes[node]?.[name] ?? null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: v reads live and node
  const clients = useMemo(
    () => [
      { label: 'cl_waiting', color: '#dc2626', values: v('cl_waiting') },
      { label: 'cl_active', color: '#2563eb', values: v('cl_active') },
    ],
    [live, node],
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: v reads live and node
  const wait = useMemo(
    () => [
      { label: 'maxwait', color: '#d97706', values: v('maxwait_ms') },
      { label: 'cpu queue', color: '#0891b2', values: v('cpu_backlog_ms') },
    ],
    [live, node],
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: v reads live and node
  const servers = useMemo(
    () => [
      { label: 'sv_active', color: '#16a34a', values: v('sv_active') },
      { label: 'sv_idle', color: '#64748b', values: v('sv_idle') },
      { label: 'all servers', color: '#7c3aed', values: v('serverConnections') },
    ],
    [live, node],
  );
  return (
    <>
      <Chart testId="chart-pool-clients" title="Waiting clients" unit="clients" x={x} series={clients} />
      <Chart testId="chart-pool-wait" title="Wait time (maxwait, cpu queue)" unit="ms" x={x} series={wait} />
      <Chart testId="chart-pool-servers" title="Server connections" unit="connections" x={x} series={servers} />
    </>
  );
}
