/**
 * An A/B's pure core, shared by `npm run compare` (sim/cli/compare.ts) and the app's A/B panel: every
 * numeric figure of two reports with its difference, what differs between two scenarios' topologies, and
 * their per-second series overlaid as charts.
 */
import type { Report } from '../report.ts';
import type { Chart } from './charts.ts';
import type { Scenario } from '../scenario/schema.ts';

/** Keys that are no figure of the run (identity, wall time) or are series and lists rather than figures. */
const NOT_FIGURES = new Set(['seed', 'wallSeconds', 'realQueries', 'timeSeries', 'series', 'events', 'sql', 'lost', 'staleVersions']);

/** Every numeric figure of a report by its path (`latencyMs.p95`, `nodes.pgbouncer.pool.clWaitingAvg`). */
export function figures(r: unknown, prefix = '', out = new Map<string, number>()): Map<string, number> {
  if (typeof r === 'number' && prefix) out.set(prefix, r);
  else if (r && typeof r === 'object' && !Array.isArray(r)) {
    for (const [k, v] of Object.entries(r)) if (!NOT_FIGURES.has(k)) figures(v, prefix ? `${prefix}.${k}` : k, out);
  }
  return out;
}

export interface FigureDiff {
  figure: string;
  a?: number;
  b?: number;
  diff?: number;
  /** (b - a) / a in percent; undefined when a is 0 or either is missing. */
  pct?: number;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

export function diffFigures(a: Report, b: Report): FigureDiff[] {
  const fa = figures(a);
  const fb = figures(b);
  const keys = [...new Set([...fa.keys(), ...fb.keys()])];
  return keys.map((figure) => {
    const x = fa.get(figure);
    const y = fb.get(figure);
    const both = x !== undefined && y !== undefined;
    return { figure, a: x, b: y, ...(both ? { diff: round(y - x) } : {}), ...(both && x !== 0 ? { pct: round(((y - x) / Math.abs(x)) * 100) } : {}) };
  });
}

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** What differs between two scenarios: nodes, their effective settings (defaults filled in), edges, workload, sharding, run. */
export function topologyDiff(a: Scenario, b: Scenario): string[] {
  const out: string[] = [];
  const nodesB = new Map(b.nodes.map((n) => [n.id, n]));
  const nodesA = new Map(a.nodes.map((n) => [n.id, n]));
  for (const n of a.nodes) if (!nodesB.has(n.id)) out.push(`- node ${n.id} (${n.kind})`);
  for (const n of b.nodes) if (!nodesA.has(n.id)) out.push(`+ node ${n.id} (${n.kind})`);
  for (const na of a.nodes) {
    const nb = nodesB.get(na.id);
    if (!nb) continue;
    if (nb.kind !== na.kind) {
      out.push(`~ node ${na.id}: ${na.kind} -> ${nb.kind}`);
      continue;
    }
    const sa = na.settings as Record<string, unknown>;
    const sb = nb.settings as Record<string, unknown>;
    for (const k of new Set([...Object.keys(sa), ...Object.keys(sb)])) {
      if (show(sa[k]) !== show(sb[k])) out.push(`~ ${na.id}.${k}: ${show(sa[k])} -> ${show(sb[k])}`);
    }
  }
  const edge = (e: { from: string; to: string }) => `${e.from} -> ${e.to}`;
  const edgesB = new Map(b.edges.map((e) => [edge(e), e]));
  const edgesA = new Map(a.edges.map((e) => [edge(e), e]));
  for (const e of a.edges) {
    const eb = edgesB.get(edge(e));
    if (!eb) out.push(`- edge ${edge(e)}`);
    else for (const k of ['latency', 'jitter', 'distribution'] as const) if (show(eb[k]) !== show(e[k])) out.push(`~ edge ${edge(e)} ${k}: ${show(e[k])} -> ${show(eb[k])}`);
  }
  for (const e of b.edges) if (!edgesA.has(edge(e))) out.push(`+ edge ${edge(e)} (${show(e.latency)})`);
  for (const part of ['workload', 'run'] as const) {
    const pa = a[part] as Record<string, unknown>;
    const pb = b[part] as Record<string, unknown>;
    for (const k of new Set([...Object.keys(pa), ...Object.keys(pb)])) {
      if (show(pa[k]) !== show(pb[k])) out.push(`~ ${part}.${k}: ${show(pa[k]).slice(0, 80)} -> ${show(pb[k]).slice(0, 80)}`);
    }
  }
  if (show(a.sharding) !== show(b.sharding)) out.push(`~ sharding: ${show(a.sharding ?? 'none').slice(0, 80)} -> ${show(b.sharding ?? 'none').slice(0, 80)}`);
  return out;
}


/** The per-second figures an A/B overlays, with their chart's title and axis. */
const OVERLAID = [
  { name: 'throughput', field: 'throughputRps', title: 'Throughput per second', yLabel: 'requests/s' },
  { name: 'p95', field: 'p95Ms', title: 'p95 latency per second', yLabel: 'ms' },
  { name: 'p99', field: 'p99Ms', title: 'p99 latency per second', yLabel: 'ms' },
] as const;

/** A's and B's per-second series (their reports' `timeSeries`) overlaid: one chart per figure, A and B (dashed) on the same axes. */
export function overlayCharts(a: Report, b: Report, names: readonly [string, string] = ['A', 'B']): { name: string; chart: Chart }[] {
  const xs = [...new Set([...a.timeSeries, ...b.timeSeries].map((s) => s.t))].sort((x, y) => x - y);
  const at = new Map(xs.map((t, i) => [t, i]));
  return OVERLAID.map(({ name, field, title, yLabel }) => ({
    name,
    chart: {
      title,
      xLabel: 'second of the run',
      yLabel,
      xs,
      series: [a, b].map((r, k) => ({
        name: names[k],
        dashed: k === 1,
        points: r.timeSeries.map((s) => ({ x: at.get(s.t) as number, mean: s[field] })),
      })),
    },
  }));
}
