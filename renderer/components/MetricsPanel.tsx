/** Throughput, errors and latency percentiles per simulated second; the selected node's own figures. */
import { useMemo } from 'react';
import { useApp } from '../store/appStore.ts';
import type { SeriesPoint } from '../sim/protocol.ts';
import { Chart } from './Chart.tsx';
import { kindView, kindViews } from '../canvas/nodes/index.ts';
import { ShardHeatmap } from '../sharding/ShardHeatmap.tsx';

export function MetricsPanel() {
  const series = useApp((s) => s.series);
  const selected = useApp((s) => (s.selection.nodes.length === 1 ? s.selection.nodes[0] : undefined));
  const snapshot = useApp((s) => s.snapshot);
  const one = useApp((s) => s.stage && s.stageChart !== undefined);
  const selectedKind = useApp((s) => (selected ? s.doc.nodes.find((n) => n.id === selected)?.kind : undefined));
  const x = useMemo(() => series.map((p) => p.t + 1), [series]);
  // after a fork, the original run's line beside the fork's, dashed (TimeBar.tsx compares them)
  const baseline = useApp((s) => s.baseline?.series);
  const original = useMemo(() => {
    const at = new Map((baseline ?? []).map((p) => [p.t, p]));
    return (f: (p: SeriesPoint) => number | null) => series.map((p) => (at.has(p.t) ? f(at.get(p.t)!) : null));
  }, [series, baseline]);
  const throughput = useMemo(
    () => [
      { label: 'requests/s', color: '#2563eb', values: series.map((p) => p.throughput) },
      { label: 'errors/s', color: '#dc2626', values: series.map((p) => p.failed) },
      ...(baseline ? [{ label: 'original req/s', color: '#93c5fd', dash: true, values: original((p) => p.throughput) }] : []),
    ],
    [series, baseline, original],
  );
  const latency = useMemo(
    () => [
      { label: 'p50', color: '#16a34a', values: series.map((p) => (p.throughput ? p.p50 : null)) },
      { label: 'p95', color: '#d97706', values: series.map((p) => (p.throughput ? p.p95 : null)) },
      { label: 'p99', color: '#dc2626', values: series.map((p) => (p.throughput ? p.p99 : null)) },
      ...(baseline ? [{ label: 'original p95', color: '#fcd34d', dash: true, values: original((p) => (p.throughput ? p.p95 : null)) }] : []),
    ],
    [series, baseline, original],
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
        <Figure label="t" unit="s" testId="sim-time" value={(snapshot?.time ?? 0).toFixed(1)} width={7} />
        <Figure label="completed" testId="completed" value={snapshot?.completed ?? 0} width={9} />
        <Figure label="failed" testId="failed" value={snapshot?.failed ?? 0} width={7} />
        <span className="muted">last second:</span>
        <Figure label="" unit="req/s" value={last?.throughput ?? '–'} width={6} />
        <Figure label="p50" unit="ms" value={last?.p50 ?? '–'} width={7} />
        <Figure label="p95" unit="ms" value={last?.p95 ?? '–'} width={7} />
        <Figure label="p99" unit="ms" value={last?.p99 ?? '–'} width={7} />
      </div>
      <div className={`charts${one ? ' one' : ''}`}>
        <Chart testId="chart-throughput" title="Throughput" unit="per second" x={x} series={throughput} />
        <Chart testId="chart-latency" title="Latency" unit="ms" x={x} series={latency} />
        {selected && !NodeCharts && <Chart testId="chart-node" title={`Node ${selected}`} unit="per second" x={x} series={node} />}
        {selected && NodeCharts && <NodeCharts node={selected} />}
        {kindViews().map((v) => v.documentCharts && <v.documentCharts key={v.kind} />)}
        <ShardHeatmap />
      </div>
    </div>
  );
}

/** One figure of the header, in a box as wide as its largest value: the header does not jump as numbers grow. */
function Figure(props: { label: string; unit?: string; value: string | number; width: number; testId?: string }) {
  return (
    <span className="figure">
      {props.label && `${props.label} `}
      <b data-testid={props.testId} style={{ minWidth: `${props.width}ch` }}>
        {props.value}
      </b>
      {props.unit && ` ${props.unit}`}
    </span>
  );
}
