/**
 * The app's sweeps and A/B runs: which scenarios to run, in what order, and their figures, on the sim's
 * shared bench core (sim/bench/ through sim/index.ts: the same combinations, seeds, intervals and diffs as
 * `npm run sweep` and `npm run compare`). The runs themselves happen in the bench worker (benchClient.ts),
 * one after another, so the page never freezes; tests pass a fake `HeadlessPort`.
 */
import {
  aggregate,
  applyOverrides,
  checkCombinations,
  diffFigures,
  type FigureDiff,
  formatIssues,
  overridesOf,
  type Report,
  type Scenario,
  type SweepResult,
  sweepSeeds,
  topologyDiff,
  type Vary,
} from '../../sim/index.ts';

/** Runs one scenario headless to its duration: its report. */
export interface HeadlessPort {
  run(scenario: Scenario): Promise<Report>;
}

export interface SweepSpec {
  /** The varied setting (`workload.clients`, `pgbouncer.default_pool_size`) and its values. */
  vary: Vary;
  seeds: number;
  /** Simulated time of each run. */
  durationUs: number;
}

export interface SweepProgress {
  done: number;
  total: number;
}

/** `base` with `overrides`, or an Error in the schema's words. */
function withOverrides(base: Scenario, overrides: string[]): Scenario {
  const r = applyOverrides(base, overrides);
  if (!r.ok) throw new Error(`${overrides.join(' ')}:\n${formatIssues(r.issues)}`);
  return r.scenario;
}

const durationOverride = (us: number) => `run.duration="${Math.round(us / 1000)}ms"`;

/**
 * Every value of the varied setting, `spec.seeds` seeds each (from the scenario's own seed, as the CLI's),
 * one run at a time. After each value's last seed, `onResult` gets the sweep so far (its curve fills in);
 * `signal` stops between runs (the worker's cancel stops the run under way).
 */
export async function runSweep(
  base: Scenario,
  spec: SweepSpec,
  port: HeadlessPort,
  on: { progress?: (p: SweepProgress) => void; result?: (r: SweepResult) => void } = {},
  signal?: AbortSignal,
): Promise<SweepResult> {
  const vary = [spec.vary];
  const combos = vary[0].values.map((v) => ({ [spec.vary.key]: v }));
  checkCombinations(base, combos);
  const seeds = sweepSeeds(base.run.seed, spec.seeds);
  const total = combos.length * seeds.length;
  const reports: Report[] = [];
  let result: SweepResult = { scenario: base.name, file: base.name, vary, seeds, simulatedSeconds: spec.durationUs / 1e6, points: [] };
  on.progress?.({ done: 0, total });
  for (const c of combos) {
    for (const seed of seeds) {
      if (signal?.aborted) throw new Error('cancelled');
      reports.push(await port.run(withOverrides(base, [...overridesOf(c), `run.seed=${seed}`, durationOverride(spec.durationUs)])));
      on.progress?.({ done: reports.length, total });
    }
    const doneCombos = combos.slice(0, reports.length / seeds.length);
    result = { ...result, simulatedSeconds: reports[0].simulatedSeconds, points: aggregate(doneCombos, seeds, reports) };
    on.result?.(result);
  }
  return result;
}

export interface AbResult {
  seed: number;
  topology: string[];
  /** The figures an architect reads first, with their differences (B - A). */
  key: FigureDiff[];
  /** Every numeric figure of the reports. */
  all: FigureDiff[];
  reports: [Report, Report];
}

/** The figures the A/B table shows first: throughput, outcomes and latency. */
const KEY_FIGURE = /^(throughputRps|completed|failed|latencyMs\.|consistency\.(staleReads|rywViolations|lostWrites)$)/;

/** A and B on A's seed for `durationUs` each, one after the other: their figures side by side and what differs. */
export async function runAb(a: Scenario, b: Scenario, durationUs: number, port: HeadlessPort): Promise<AbResult> {
  const seed = a.run.seed;
  const run = [`run.seed=${seed}`, durationOverride(durationUs)];
  const ra = await port.run(withOverrides(a, run));
  const rb = await port.run(withOverrides(b, run));
  const all = diffFigures(ra, rb);
  return { seed, topology: topologyDiff(a, b), key: all.filter((d) => KEY_FIGURE.test(d.figure)), all, reports: [ra, rb] };
}
