/**
 * A sweep's pure core, shared by `npm run sweep` (sim/cli/sweep.ts, runs in child processes) and the app's
 * sweep panel (runs in its bench worker): the combinations of the varied settings, the seeds, each run's
 * scenario overrides, and each figure as its mean over the seeds with a 95 % confidence interval
 * (stats.ts), drawn as charts (charts.ts). Running the scenarios is the caller's.
 */
import { applyOverrides, formatIssues } from '../scenario/load.ts';
import type { Scenario } from '../scenario/schema.ts';
import type { Report } from '../report.ts';
import type { Chart } from './charts.ts';
import { type Interval, interval95 } from './stats.ts';

export interface Vary {
  /** `workload.clients`, `pgbouncer.default_pool_size`: what --set takes. */
  key: string;
  values: (number | string)[];
}

/** The figures a sweep aggregates, by name, and how to read each from a report. */
export const SWEEP_FIGURES = {
  throughputRps: (r: Report) => r.throughputRps,
  p50Ms: (r: Report) => r.latencyMs.p50,
  p95Ms: (r: Report) => r.latencyMs.p95,
  p99Ms: (r: Report) => r.latencyMs.p99,
  meanMs: (r: Report) => r.latencyMs.mean,
  failed: (r: Report) => r.failed,
} as const;
export type SweepFigure = keyof typeof SWEEP_FIGURES;

export interface SweepPoint {
  /** The varied settings' values of this point, by key. */
  at: Record<string, number | string>;
  runs: ({ seed: number } & Record<SweepFigure, number>)[];
  figures: Record<SweepFigure, Interval>;
}

export interface SweepResult {
  scenario: string;
  file: string;
  vary: Vary[];
  seeds: number[];
  simulatedSeconds: number;
  points: SweepPoint[];
}

/** Every combination of the varied values, the first key varying slowest. */
export function combinations(vary: readonly Vary[]): Record<string, number | string>[] {
  let out: Record<string, number | string>[] = [{}];
  for (const v of vary) out = out.flatMap((c) => v.values.map((x) => ({ ...c, [v.key]: x })));
  return out;
}

/** A combination as scenario overrides (`workload.clients=10`, `app.read_policy="random"`). */
export const overridesOf = (at: Record<string, number | string>) => Object.entries(at).map(([k, v]) => `${k}=${typeof v === 'number' ? v : JSON.stringify(v)}`);

/** `n` seeds from the scenario's own, one after another. */
export const sweepSeeds = (base: number, n: number) => Array.from({ length: n }, (_, i) => (base + i) % 2 ** 32);

/** A combination the scenario refuses: which one, and why (the schema's words). */
export class SweepValueError extends Error {}

/** Checks every combination against the scenario, so a bad value fails before any run starts. */
export function checkCombinations(scenario: Scenario, combos: readonly Record<string, number | string>[]): void {
  for (const c of combos) {
    const r = applyOverrides(scenario, overridesOf(c));
    if (!r.ok) throw new SweepValueError(`${overridesOf(c).join(' ')}:\n${formatIssues(r.issues)}`);
  }
}

/** The points of a sweep from its reports (one per combination and seed, combinations first). */
export function aggregate(combos: readonly Record<string, number | string>[], seeds: readonly number[], reports: readonly Report[]): SweepPoint[] {
  return combos.map((at, c) => {
    const rs = seeds.map((seed, s) => ({ seed, r: reports[c * seeds.length + s] }));
    const runs = rs.map(({ seed, r }) => ({ seed, ...(Object.fromEntries(Object.entries(SWEEP_FIGURES).map(([k, f]) => [k, f(r)])) as Record<SweepFigure, number>) }));
    const figures = Object.fromEntries(Object.keys(SWEEP_FIGURES).map((k) => [k, interval95(runs.map((r) => r[k as SweepFigure]))])) as Record<SweepFigure, Interval>;
    return { at, runs, figures };
  });
}

/** The charts: throughput, and latency p50/p95/p99, against the first varied setting; a line per combination of the others. */
export function sweepCharts(r: SweepResult): { name: string; chart: Chart }[] {
  const [x, ...others] = r.vary;
  const groups = new Map<string, SweepPoint[]>();
  for (const p of r.points) {
    const name = others.map((o) => `${o.key}=${p.at[o.key]}`).join(' ');
    groups.set(name, [...(groups.get(name) ?? []), p]);
  }
  const series = (figure: SweepFigure, prefix: string) =>
    [...groups].map(([name, ps]) => ({
      name: [prefix, name].filter(Boolean).join(' ') || figure,
      points: ps.map((p) => ({ x: x.values.indexOf(p.at[x.key]), ...p.figures[figure] })),
    }));
  const seeds = `${r.seeds.length} seed${r.seeds.length === 1 ? '' : 's'}, 95 % CI`;
  return [
    { name: 'throughput', chart: { title: `${r.scenario}: throughput (${seeds})`, xLabel: x.key, yLabel: 'requests/s', xs: x.values, series: series('throughputRps', 'req/s') } },
    {
      name: 'latency',
      chart: {
        title: `${r.scenario}: latency (${seeds})`,
        xLabel: x.key,
        yLabel: 'ms',
        xs: x.values,
        series: [...series('p50Ms', 'p50'), ...series('p95Ms', 'p95'), ...series('p99Ms', 'p99')],
      },
    },
  ];
}

const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2));

/** A figure as `mean ± half-width of its 95 % interval` (the mean alone from one seed). */
export const plusMinus = (i: Interval) => (i.n > 1 ? `${fmt(i.mean)} ± ${fmt(i.hi - i.mean)}` : fmt(i.mean));
