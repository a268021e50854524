/**
 * The skew heatmap's figures: load by shard over time, from the per-second series the charts plot. A shard's
 * load is what its members ran (the shard and its replicas: `shardOf`, the sim's `shardOfNodes`); its CPU is
 * its primary's, as the report's `sharding` block counts them. Seconds are grouped into at most `maxColumns`
 * columns of equal width, so a long run stays readable on a projector: each cell is big enough for its number.
 */
import type { SeriesPoint } from '../sim/protocol.ts';

/** One shard in one column: statements per second (its members together) and its primary's core use 0..1, averaged. */
export interface HeatCell {
  qps: number;
  cpu: number;
}

/** Seconds [from, to) of the run. */
export interface HeatColumn {
  from: number;
  to: number;
  cells: Record<string, HeatCell>;
}

export interface ShardHeat {
  shards: string[];
  columns: HeatColumn[];
  /** Seconds per column. */
  width: number;
  /** The whole run per shard: statements, their share of all shards' statements (0..1), mean CPU. */
  totals: Record<string, { queries: number; share: number; cpu: number }>;
  /** The largest cell of each figure: a cell's colour is its value over this (CPU over 100% at least). */
  max: HeatCell;
  /** The shard that ran the most statements, when any ran. */
  hottest: string | undefined;
}

/** The shards' load per column of seconds (`series` in time order). */
export function shardHeat(series: readonly SeriesPoint[], shards: readonly string[], shardOf: ReadonlyMap<string, string>, maxColumns: number): ShardHeat {
  const width = Math.max(1, Math.ceil(series.length / Math.max(1, maxColumns)));
  const members = new Map(shards.map((s) => [s, [...shardOf].filter(([, o]) => o === s).map(([id]) => id)]));
  const columns: HeatColumn[] = [];
  const queries = new Map(shards.map((s) => [s, 0]));
  const cpuSum = new Map(shards.map((s) => [s, 0]));
  let column: (HeatColumn & { n: number }) | undefined;
  const close = () => {
    if (!column) return;
    for (const c of Object.values(column.cells)) {
      c.qps /= column.n;
      c.cpu /= column.n;
    }
    const { n: _, ...done } = column;
    columns.push(done);
  };
  for (const p of series) {
    const from = Math.floor(p.t / width) * width;
    if (column?.from !== from) {
      close();
      column = { from, to: from + width, n: 0, cells: Object.fromEntries(shards.map((s) => [s, { qps: 0, cpu: 0 }])) };
    }
    column.n++;
    for (const s of shards) {
      const q = (members.get(s) ?? []).reduce((n, id) => n + (p.nodes[id]?.qps ?? 0), 0);
      const cpu = p.nodes[s]?.cpu ?? 0;
      column.cells[s].qps += q;
      column.cells[s].cpu += cpu;
      queries.set(s, queries.get(s)! + q);
      cpuSum.set(s, cpuSum.get(s)! + cpu);
    }
  }
  close();
  const all = [...queries.values()].reduce((a, b) => a + b, 0);
  const totals = Object.fromEntries(
    shards.map((s) => [s, { queries: queries.get(s)!, share: all ? queries.get(s)! / all : 0, cpu: series.length ? cpuSum.get(s)! / series.length : 0 }]),
  );
  const max = { qps: 0, cpu: 1 };
  for (const c of columns) {
    for (const cell of Object.values(c.cells)) {
      max.qps = Math.max(max.qps, cell.qps);
      max.cpu = Math.max(max.cpu, cell.cpu);
    }
  }
  const hottest = all ? shards.reduce((a, b) => (queries.get(b)! > queries.get(a)! ? b : a)) : undefined;
  return { shards: [...shards], columns, width, totals, max, hottest };
}

/**
 * A cell's colour for its share of the largest (0..1): from a pale blue (idle) through green and yellow to a deep red
 * (the hot spot), with the ink that stays readable on it. Lightness falls as load grows, so the order also
 * reads in greyscale and for colour-blind eyes; the number is written in the cell in any case.
 */
export function heatColour(fraction: number): { background: string; ink: string } {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const hue = 210 - 210 * f;
  const lightness = 94 - 56 * f;
  const saturation = 35 + 55 * f;
  return { background: `hsl(${Math.round(hue)} ${Math.round(saturation)}% ${Math.round(lightness)}%)`, ink: lightness < 50 ? '#fff' : '#111827' };
}

/** A figure in few characters: 1234 -> 1.2k, 12.3 -> 12, 0.5 -> 0.5. */
export function compact(n: number): string {
  if (n >= 10_000) return `${Math.round(n / 1000)}k`;
  if (n >= 1000) return `${(n / 1000).toFixed(1)}k`;
  if (n >= 10 || n === 0) return String(Math.round(n));
  return n.toFixed(1);
}
