/** Throughput, errors and latency percentiles per simulated second; the selected node's own figures. */
import { useMemo } from 'react';
import { useApp } from '../store/appStore.ts';
import { Chart } from './Chart.tsx';
import { kindView, kindViews } from '../canvas/nodes/index.ts';

export function MetricsPanel() {
  const series = useApp((s) => s.series);
  const selected = useApp((s) => (s.selection.nodes.length === 1 ? s.selection.nodes[0] : undefined));
  const snapshot = useApp((s) => s.snapshot);
  const selectedKind = useApp((s) => (selected ? s.doc.nodes.find((n) => n.id === selected)?.kind : undefined));
  const x = useMemo(() => series.map((p) => p.t + 1), [series]);
  const throughput = useMemo(
    () => [
      { label: 'requests/s', color: '#2563eb', values: series.map((p) => p.throughput) },
      { label: 'errors/s', color: '#dc2626', values: series.map((p) => p.failed) },
    ],
    [series],
  );
  const latency = useMemo(
    () => [
      { label: 'p50', color: '#16a34a', values: series.map((p) => (p.throughput ? p.p50 : null)) },
      { label: 'p95', color: '#d97706', values: series.map((p) => (p.throughput ? p.p95 : null)) },
      { label: 'p99', color: '#dc2626', values: series.map((p) => (p.throughput ? p.p99 : null)) },
    ],
    [series],
  );
  const node = useMemo(
    () =>
      selected
        ? [
            { label: `${selected} q/s`, color: '#7c3aed', values: series.map((p) => p.nodes[selected]?.qps ?? null) },
            { label: 'errors/s', color: '#dc2626', values: series.map((p) => p.nodes[selected]?.errors ?? null) },
          ]
        : [],
    [series, selected],
  );
  const last = series.at(-1);
  const NodeCharts = kindView(selectedKind)?.charts;
  return (
    <div className="metrics" data-testid="metrics">
      <div className="metrics-summary" data-testid="metrics-summary">
        <span>
          t = <b data-testid="sim-time">{(snapshot?.time ?? 0).toFixed(1)}</b> s
        </span>
        <span>
          completed <b data-testid="completed">{snapshot?.completed ?? 0}</b>
        </span>
        <span>
          failed <b data-testid="failed">{snapshot?.failed ?? 0}</b>
        </span>
        {last && (
          <span>
            last second: {last.throughput} req/s, p50 {last.p50} ms, p95 {last.p95} ms, p99 {last.p99} ms
          </span>
        )}
      </div>
      <div className="charts">
        <Chart testId="chart-throughput" title="Throughput" unit="per second" x={x} series={throughput} />
        <Chart testId="chart-latency" title="Latency" unit="ms" x={x} series={latency} />
        {selected && !NodeCharts && <Chart testId="chart-node" title={`Node ${selected}`} unit="per second" x={x} series={node} />}
        {selected && NodeCharts && <NodeCharts node={selected} />}
        {kindViews().map((v) => v.documentCharts && <v.documentCharts key={v.kind} />)}
      </div>
    </div>
  );
}
