/**
 * A/B on the same seed, and predicted against measured:
 *
 *   npm run compare -- A.json B.json [--seed N] [--duration 30s] [--json OUT] [--html OUT]
 *   npm run compare -- A.json --set app.read_policy=read-your-writes [--set ...]
 *   npm run compare -- SIM-REPORT.json REAL-REPORT.json
 *
 * Two scenarios (or one and its `--set` changes) run side by side on one seed (A's unless --seed), then
 * every figure of the report is printed with both values and their difference, after the list of what
 * differs in the topology. Two reports (a `--json` of `npm run sim` and one of `npm run real`, or any two)
 * are compared the same way without running anything: predicted against measured, in percent.
 */
import { readFile } from 'node:fs/promises';
import { applyOverrides, diffFigures, esc, type FigureDiff, formatIssues, overlayCharts, parseScenarioText, type Report, type Scenario, svgChart, topologyDiff } from '../index.ts';
import { writeAtomic } from './files.ts';
import { durationArg, readArgs, seedArg, shared, UsageError } from './options.ts';
import { table } from './print.ts';
import { runMany } from './runs.ts';
import { runAsScript } from './script.ts';

export interface CompareArgs {
  a: string;
  b?: string;
  sets: string[];
  seed?: number;
  durationUs?: number;
  json?: string;
  html?: string;
}

export function parseCompareArgs(argv: string[]): CompareArgs {
  const { values: v, positionals: files } = readArgs(argv, shared('set', 'seed', 'duration', 'json', 'html'));
  const sets = v.set ?? [];
  if (files.length === 0 || files.length > 2) throw new UsageError('give two files (scenarios or reports), or one scenario and --set changes');
  if (files.length === 1 && sets.length === 0) throw new UsageError(`B is ${files[0]} with changes: give them with --set NODE.SETTING=VALUE`);
  return { a: files[0], ...(files[1] ? { b: files[1] } : {}), sets, seed: seedArg(v.seed), durationUs: durationArg(v.duration), json: v.json, html: v.html };
}

const isReport = (x: unknown): x is Report =>
  !!x && typeof x === 'object' && 'throughputRps' in x && 'latencyMs' in x && 'nodes' in x && !('edges' in x);

/** A label for a report's column: `sim` or `real` when it says where it came from, else the given name. */
const source = (r: Report, fallback: string) => ((r as { source?: string }).source ? `${fallback} (${(r as { source?: string }).source})` : fallback);

export function compareTable(d: readonly FigureDiff[], labels: [string, string]): string {
  const fmt = (v: number | undefined) => (v === undefined ? '' : String(v));
  return table(
    ['figure', labels[0], labels[1], 'difference', '%'],
    d.map((x) => [x.figure, fmt(x.a), fmt(x.b), x.diff === undefined ? '' : `${x.diff > 0 ? '+' : ''}${x.diff}`, x.pct === undefined ? '' : `${x.pct > 0 ? '+' : ''}${x.pct}%`]),
  );
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as Error).message}`);
  }
}

function scenarioOf(path: string, json: unknown, sets: string[]): Scenario {
  const parsed = parseScenarioText(JSON.stringify(json));
  if (!parsed.ok) throw new UsageError(`${path} is neither a report nor a valid scenario:\n${formatIssues(parsed.issues)}`);
  const withSets = applyOverrides(parsed.scenario, sets);
  if (!withSets.ok) throw new UsageError(`--set:\n${formatIssues(withSets.issues)}`);
  return withSets.scenario;
}

export interface CompareResult {
  labels: [string, string];
  topology: string[];
  figures: FigureDiff[];
  reports: [Report, Report];
}

export async function compare(args: CompareArgs): Promise<CompareResult> {
  const ja = await readJson(args.a);
  const jb = args.b ? await readJson(args.b) : undefined;
  if (isReport(ja) || isReport(jb)) {
    if (!isReport(ja) || !isReport(jb)) throw new UsageError('compare two reports, or two scenarios: not one of each');
    const labels: [string, string] = [source(ja, 'A'), source(jb, 'B')];
    return { labels, topology: [], figures: diffFigures(ja, jb), reports: [ja, jb] };
  }
  const sa = scenarioOf(args.a, ja, []);
  const sb = args.b ? scenarioOf(args.b, jb, args.sets) : scenarioOf(args.a, ja, args.sets);
  const seed = args.seed ?? sa.run.seed;
  const [ra, rb] = await runMany([
    { file: args.a, sets: [], seed, durationUs: args.durationUs },
    { file: args.b ?? args.a, sets: args.sets, seed, durationUs: args.durationUs },
  ]);
  return { labels: ['A', 'B'], topology: topologyDiff(sa, sb), figures: diffFigures(ra, rb), reports: [ra, rb] };
}

export function compareText(r: CompareResult): string {
  const [a, b] = r.reports;
  const out = [`A: ${a.scenario}, seed ${a.seed}, ${a.simulatedSeconds}s`, `B: ${b.scenario}, seed ${b.seed}, ${b.simulatedSeconds}s`, ''];
  if (r.topology.length > 0) out.push('what differs:', ...r.topology.map((l) => `  ${l}`), '');
  out.push(compareTable(r.figures, r.labels));
  return out.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  let args: CompareArgs;
  try {
    args = parseCompareArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`error: ${e.message}\nusage: npm run compare -- A.json B.json | A.json --set NODE.SETTING=VALUE... [--seed N] [--duration 30s] [--json OUT] [--html OUT]`);
    return 2;
  }
  let r: CompareResult;
  try {
    r = await compare(args);
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    return e instanceof UsageError ? 2 : 1;
  }
  console.log(compareText(r));
  if (args.json) await writeAtomic(args.json, `${JSON.stringify({ labels: r.labels, topology: r.topology, figures: r.figures }, null, 2)}\n`);
  if (args.html) {
    const charts = overlayCharts(r.reports[0], r.reports[1], r.labels).map((c) => svgChart(c.chart)).join('\n');
    await writeAtomic(
      args.html,
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Compare</title><style>body{font-family:sans-serif;margin:24px}pre{background:#f6f6f6;padding:12px}</style></head><body><h1>${esc(r.reports[0].scenario)} vs ${esc(r.reports[1].scenario)}</h1>\n${charts}\n<pre>${esc(compareText(r))}</pre></body></html>\n`,
    );
  }
  return 0;
}

runAsScript('sim/cli/compare.ts', main);
