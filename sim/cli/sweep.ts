/**
 * A sweep: one scenario run for every combination of the varied settings, several seeds each, in parallel
 * (sim/cli/runs.ts), and each figure as its mean over the seeds with a 95 % confidence interval (stats.ts).
 *
 *   npm run sweep -- FILE --vary workload.clients=10,20,50 [--vary pgbouncer.default_pool_size=10,20]
 *                   [--seeds 5] [--duration 30s] [--parallel N] [--json OUT] [--html OUT]
 *
 * The first --vary is the charts' x axis; each combination of the others is a line of its own. With --html,
 * the charts are also written beside it as SVG (OUT minus .html, then `-throughput.svg`, `-latency.svg`),
 * and as PNG when Debian's chromium is there to render them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { aggregate, checkCombinations, combinations, esc, overridesOf, plusMinus, type SweepResult, SweepValueError, svgChart, sweepCharts, sweepSeeds, type Vary } from '../index.ts';
import { writeAtomic } from './files.ts';
import { durationArg, oneFile, readArgs, readScenario, shared, UsageError } from './options.ts';
import { progressBar, table } from './print.ts';
import { runMany, type RunJob } from './runs.ts';
import { runAsScript } from './script.ts';

export interface SweepArgs {
  file: string;
  vary: Vary[];
  seeds: number;
  durationUs?: number;
  parallel: number;
  json?: string;
  html?: string;
}

const parseValue = (v: string): number | string => (/^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v);

export function parseSweepArgs(argv: string[]): SweepArgs {
  const { values: v, positionals } = readArgs(argv, {
    ...shared('duration', 'json', 'html'),
    vary: { type: 'string', multiple: true },
    seeds: { type: 'string' },
    parallel: { type: 'string' },
  });
  const file = oneFile(positionals, 'lessons/scenarios/pgbouncer.json');
  const vary: Vary[] = [];
  for (const arg of v.vary ?? []) {
    const m = /^([a-z][a-z0-9_-]*\.[a-z_][a-z0-9_.]*)=(.+)$/s.exec(arg);
    if (!m) throw new UsageError('--vary: expected NODE.SETTING=a,b,c or workload.FIELD=a,b,c');
    if (vary.some((x) => x.key === m[1])) throw new UsageError(`--vary: ${m[1]} is varied twice`);
    const values = m[2].split(',').map((s) => s.trim());
    if (values.some((s) => s === '')) throw new UsageError(`--vary ${m[1]}: an empty value`);
    vary.push({ key: m[1], values: values.map(parseValue) });
  }
  if (vary.length === 0) throw new UsageError('give at least one --vary, for example --vary workload.clients=10,20,50');
  if (v.seeds !== undefined && (!/^\d+$/.test(v.seeds) || Number(v.seeds) < 1 || Number(v.seeds) > 100)) throw new UsageError('--seeds: expected a number of seeds from 1 to 100');
  if (v.parallel !== undefined && (!/^\d+$/.test(v.parallel) || Number(v.parallel) < 1)) throw new UsageError('--parallel: expected a number of runs at once, at least 1');
  return {
    file,
    vary,
    seeds: v.seeds === undefined ? 3 : Number(v.seeds),
    durationUs: durationArg(v.duration),
    parallel: v.parallel === undefined ? availableParallelism() : Number(v.parallel),
    json: v.json,
    html: v.html,
  };
}

export function sweepTable(r: SweepResult): string {
  const head = [...r.vary.map((v) => v.key), 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'failed'];
  const rows = r.points.map((p) => [...r.vary.map((v) => p.at[v.key]), ...(['throughputRps', 'p50Ms', 'p95Ms', 'p99Ms', 'failed'] as const).map((k) => plusMinus(p.figures[k]))]);
  return `${table(head, rows)}\n(mean ± half-width of the 95 % confidence interval over ${r.seeds.length} seed${r.seeds.length === 1 ? '' : 's'}: ${r.seeds.join(', ')}; Student's t)`;
}

export function sweepHtml(r: SweepResult): string {
  const charts = sweepCharts(r).map((c) => svgChart(c.chart)).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sweep: ${esc(r.scenario)}</title>
<style>body{font-family:sans-serif;margin:24px;color:#222}pre{background:#f6f6f6;padding:12px;overflow:auto}svg{margin:8px 8px 0 0}</style></head>
<body>
<h1>Sweep: ${esc(r.scenario)}</h1>
<p>${esc(r.file)}, ${r.simulatedSeconds} s simulated per run, seeds ${r.seeds.join(', ')}; varied: ${r.vary.map((v) => `<code>${esc(v.key)}</code> = ${esc(v.values.join(', '))}`).join('; ')}.
Each point is the mean over the seeds; whiskers and bands are the 95 % confidence interval of that mean (Student's t, n - 1 degrees of freedom).</p>
${charts}
<h2>Table</h2>
<pre>${esc(sweepTable(r))}</pre>
</body></html>
`;
}

/** Renders an SVG file to PNG with Debian's chromium, headless; false when chromium is not there or fails. */
export function renderPng(svgPath: string, pngPath: string, width: number, height: number): boolean {
  const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);
  if (!chromium) return false;
  const r = spawnSync(
    chromium,
    ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--screenshot=${pngPath}`, `--window-size=${width},${height}`, `file://${svgPath}`],
    { stdio: 'ignore', timeout: 60_000 },
  );
  return r.status === 0 && existsSync(pngPath);
}

export async function sweep(args: SweepArgs, onProgress?: (done: number, total: number) => void): Promise<SweepResult> {
  const scenario = await readScenario(args.file);
  const combos = combinations(args.vary);
  try {
    checkCombinations(scenario, combos);
  } catch (e) {
    throw e instanceof SweepValueError ? new UsageError(`--vary ${e.message}`) : e;
  }
  const seeds = sweepSeeds(scenario.run.seed, args.seeds);
  const jobs: RunJob[] = combos.flatMap((c) => seeds.map((seed) => ({ file: args.file, sets: overridesOf(c), seed, durationUs: args.durationUs })));
  const reports = await runMany(jobs, { parallel: args.parallel, onDone: (d, t) => onProgress?.(d, t) });
  return { scenario: scenario.name, file: args.file, vary: args.vary, seeds, simulatedSeconds: reports[0].simulatedSeconds, points: aggregate(combos, seeds, reports) };
}

/** Writes the HTML report, its charts as SVG beside it and, when chromium renders them, as PNG. The files written. */
export async function writeSweepHtml(r: SweepResult, html: string): Promise<string[]> {
  await writeAtomic(html, sweepHtml(r));
  const written = [html];
  const stem = html.replace(/\.html?$/i, '');
  for (const { name, chart } of sweepCharts(r)) {
    const svg = `${stem}-${name}.svg`;
    await writeAtomic(svg, svgChart(chart));
    written.push(svg);
    const png = `${stem}-${name}.png`;
    await rm(png, { force: true });
    if (renderPng(svg, png, 640, 380)) written.push(png);
  }
  return written;
}

export async function main(argv: string[]): Promise<number> {
  let args: SweepArgs;
  try {
    args = parseSweepArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`error: ${e.message}\nusage: npm run sweep -- FILE --vary KEY=a,b,c [--vary KEY=a,b]... [--seeds 3] [--duration 30s] [--parallel N] [--json OUT] [--html OUT]`);
    return 2;
  }
  const total = combinations(args.vary).length * args.seeds;
  const wall0 = performance.now();
  progressBar(`runs 0/${total}`, 0);
  let result: SweepResult;
  try {
    result = await sweep(args, (d, t) => progressBar(`runs ${d}/${t} ${Math.round((performance.now() - wall0) / 1000)}s`, d / t));
  } catch (e) {
    if (process.stderr.isTTY) process.stderr.write('\n');
    console.error(`error: ${(e as Error).message}`);
    return e instanceof UsageError ? 2 : 1;
  }
  if (process.stderr.isTTY) process.stderr.write('\n');
  console.log(`${result.scenario} — ${total} runs (${combinations(args.vary).length} combinations x ${args.seeds} seeds) of ${result.simulatedSeconds}s in ${Math.round((performance.now() - wall0) / 1000)}s, ${args.parallel} at a time\n`);
  console.log(sweepTable(result));
  if (args.json) await writeAtomic(args.json, `${JSON.stringify(result, null, 2)}\n`);
  if (args.html) console.log(`\nwrote ${(await writeSweepHtml(result, args.html)).join(', ')}`);
  return 0;
}

runAsScript('sim/cli/sweep.ts', main);
