/**
 * Where a bigger node stops paying: the same workload on a postgres node one, two, … sizes up its instance
 * family (each size doubles vCPU, RAM and price), and, at each of those prices, on the node as it is plus
 * read replicas of its own size (1 replica costs what one size up costs, 3 what two sizes up cost).
 *
 *   npm run ladder -- FILE --node primary [--steps 3] [--seed N] [--duration 20s] [--parallel N] [--json OUT]
 *
 * Each option runs on one seed (runs.ts, in parallel) and is priced by the instance catalogue
 * (nodes/postgres/instances.ts: every postgres node with an instance shape; `custom` nodes have no price).
 * A size up stops paying at the first step where the same money in replicas serves more requests per
 * second, or where it gains less than MIN_GAIN over the size below. Replicas are added only where the
 * node's clients are app nodes (they route reads to replicas, the seed's DatabaseRouter); writes still go
 * to the one primary, and replicas serve reads that can be stale: the table shows both.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { editScenario, instanceShape, INSTANCES, type Report, type Scenario } from '../index.ts';
import { writeAtomic } from './files.ts';
import { durationArg, oneFile, readArgs, readScenario, seedArg, shared, UsageError } from './options.ts';
import { progressBar, table } from './print.ts';
import { runMany } from './runs.ts';
import { runAsScript } from './script.ts';

/** A size up that gains less than this fraction of throughput over the size below does not pay. */
export const MIN_GAIN = 0.1;

export interface LadderArgs {
  file: string;
  node: string;
  steps: number;
  sets: string[];
  seed?: number;
  durationUs?: number;
  parallel: number;
  json?: string;
}

export function parseLadderArgs(argv: string[]): LadderArgs {
  const { values: v, positionals } = readArgs(argv, { ...shared('set', 'seed', 'duration', 'json'), node: { type: 'string' }, steps: { type: 'string' }, parallel: { type: 'string' } });
  const file = oneFile(positionals, 'npm run ladder -- lessons/scenarios/read-replicas.json --node primary');
  if (!v.node) throw new UsageError('--node: which postgres node to grow (e.g. --node primary)');
  const steps = v.steps === undefined ? 3 : /^[2-4]$/.test(v.steps) ? Number(v.steps) : Number.NaN;
  if (Number.isNaN(steps)) throw new UsageError('--steps: 2 to 4 price points (each doubles the price)');
  if (v.parallel !== undefined && (!/^\d+$/.test(v.parallel) || Number(v.parallel) < 1)) throw new UsageError('--parallel: expected a number of runs at once, at least 1');
  return {
    file,
    node: v.node,
    steps,
    sets: v.set ?? [],
    seed: seedArg(v.seed),
    durationUs: durationArg(v.duration),
    parallel: v.parallel === undefined ? availableParallelism() : Number(v.parallel),
    json: v.json,
  };
}

/** One option of the ladder: a scenario to run and what it costs. */
export interface Rung {
  /** `vertical` sizes the node up; `replicas` keeps its size and adds replicas. */
  way: 'vertical' | 'replicas';
  /** The price point: 0 is the node as it is, each step doubles the node's price. */
  step: number;
  label: string;
  scenario: Scenario;
  usdPerHour: number;
}

/** What a scenario's postgres nodes cost an hour by their instance shapes (nodes without one cost nothing here). */
export function topologyUsdPerHour(s: Scenario): number {
  let usd = 0;
  for (const n of s.nodes) {
    const shape = n.kind === 'postgres' ? instanceShape(String((n.settings as { instance?: unknown }).instance ?? '')) : undefined;
    if (shape) usd += shape.usdPerHour;
  }
  return Math.round(usd * 1000) / 1000;
}

type Edit = Parameters<typeof editScenario>[1];

function edited(s: Scenario, edits: Edit[]): Scenario {
  let out = s;
  for (const e of edits) {
    const r = editScenario(out, e);
    if (!r.ok) throw new UsageError(r.message);
    out = r.scenario;
  }
  return out;
}

/**
 * The options to run, cheapest first per way: the node `steps - 1` sizes up its family, and the node plus
 * 2^k - 1 replicas of its size at the same prices (when its clients are all app nodes). Throws a UsageError
 * naming what is missing: a postgres node with an instance shape, a family with sizes above it.
 */
export function ladderRungs(s: Scenario, nodeId: string, steps: number): { rungs: Rung[]; noReplicas?: string } {
  const node = s.nodes.find((n) => n.id === nodeId);
  if (node?.kind !== 'postgres') throw new UsageError(`--node: no postgres node "${nodeId}"`);
  const shape = instanceShape(String((node.settings as { instance?: unknown }).instance ?? ''));
  if (!shape) throw new UsageError(`--node ${nodeId}: give it an instance shape first (--set ${nodeId}.instance=db.m7g.large; one of ${INSTANCES.map((i) => i.name).join(', ')})`);
  const family = shape.name.replace(/\.[^.]+$/, '.');
  const sizes = INSTANCES.filter((i) => i.name.startsWith(family) && i.usdPerHour >= shape.usdPerHour).sort((a, b) => a.usdPerHour - b.usdPerHour);
  if (sizes.length < steps) throw new UsageError(`--node ${nodeId}: ${shape.name} has ${sizes.length - 1} size(s) above it in the catalogue, fewer than --steps ${steps} - 1`);
  const rungs: Rung[] = [];
  for (let k = 0; k < steps; k++) {
    const scenario = edited(s, k === 0 ? [] : [{ do: 'setNodeSetting', node: nodeId, name: 'instance', value: sizes[k].name }]);
    rungs.push({ way: 'vertical', step: k, label: k === 0 ? `${nodeId} as it is (${shape.name})` : `${nodeId} on ${sizes[k].name}`, scenario, usdPerHour: topologyUsdPerHour(scenario) });
  }
  const upstream = s.edges.find((e) => e.to === nodeId && s.nodes.find((n) => n.id === e.from)?.kind === 'postgres');
  const clients = s.edges.filter((e) => e.to === nodeId && e.from !== upstream?.from);
  const notApps = clients.filter((e) => s.nodes.find((n) => n.id === e.from)?.kind !== 'app').map((e) => e.from);
  const noReplicas = upstream
    ? `${nodeId} is itself a standby of ${upstream.from}`
    : clients.length === 0
      ? `no app connects to ${nodeId}`
      : notApps.length > 0
        ? `${nodeId}'s clients ${notApps.join(', ')} are not app nodes (only an app routes reads to replicas)`
        : undefined;
  if (noReplicas) return { rungs, noReplicas };
  const replication = s.edges.find((e) => e.from === nodeId && s.nodes.find((n) => n.id === e.to)?.kind === 'postgres')?.latency ?? '1ms';
  const base = node.position ?? { x: 0, y: 0 };
  for (let k = 1; k < steps; k++) {
    const edits: Edit[] = [];
    for (let r = 1; r < 2 ** k; r++) {
      const id = `${nodeId}-ladder-replica${r}`;
      edits.push({ do: 'addNode', id, kind: 'postgres', settings: structuredClone(node.settings) as Extract<Edit, { do: 'addNode' }>['settings'], position: { x: base.x + 40 * r, y: base.y + 160 * r } });
      edits.push({ do: 'addEdge', from: nodeId, to: id, latency: replication });
      for (const c of clients) edits.push({ do: 'addEdge', from: c.from, to: id, ...(c.latency !== undefined ? { latency: c.latency } : {}) });
    }
    const scenario = edited(s, edits);
    rungs.push({ way: 'replicas', step: k, label: `${nodeId} + ${2 ** k - 1} replica${k > 1 ? 's' : ''} (${shape.name})`, scenario, usdPerHour: topologyUsdPerHour(scenario) });
  }
  return { rungs };
}

/** A rung's figures after its run. */
export interface RungResult {
  way: Rung['way'];
  step: number;
  label: string;
  usdPerHour: number;
  throughputRps: number;
  p95Ms: number;
  failed: number;
  /** The grown node's CPU: a node far from busy was not what held the throughput back. */
  nodeCpu: number;
  staleReads?: number;
}

export function rungResult(r: Rung, report: Report, nodeId: string): RungResult {
  return {
    way: r.way,
    step: r.step,
    label: r.label,
    usdPerHour: r.usdPerHour,
    throughputRps: report.throughputRps,
    p95Ms: report.latencyMs.p95,
    failed: report.failed,
    nodeCpu: report.nodes[nodeId]?.cpuUtilization ?? 0,
    ...(report.consistency ? { staleReads: report.consistency.staleReads } : {}),
  };
}

/** Where the bigger node stops paying, and why; undefined when every size up pays. */
export function verdict(results: readonly RungResult[]): { step: number; reason: string } | undefined {
  const vertical = results.filter((r) => r.way === 'vertical').sort((a, b) => a.step - b.step);
  for (let k = 1; k < vertical.length; k++) {
    const up = vertical[k];
    const below = vertical[k - 1];
    const gain = below.throughputRps > 0 ? up.throughputRps / below.throughputRps - 1 : 0;
    const replicas = results.find((r) => r.way === 'replicas' && r.step === k);
    const pct = (x: number) => `${x >= 0 ? '+' : ''}${Math.round(x * 100)} %`;
    const price = pct(up.usdPerHour / below.usdPerHour - 1);
    // a node that was far from busy below was not what held the throughput back: say so
    const idle = below.nodeCpu < 0.7 ? `; ${below.label} was ${Math.round(below.nodeCpu * 100)} % busy, so its CPU was not the limit (the workload, its clients or another node was)` : '';
    if (replicas && replicas.throughputRps > up.throughputRps) {
      return {
        step: k,
        reason: `${up.label} serves ${up.throughputRps} req/s at $${up.usdPerHour}/h; the same money in ${replicas.label} serves ${replicas.throughputRps} req/s (${pct(replicas.throughputRps / up.throughputRps - 1)})${idle}`,
      };
    }
    if (gain < MIN_GAIN) return { step: k, reason: `${up.label} gains ${pct(gain)} throughput (${below.throughputRps} -> ${up.throughputRps} req/s) for ${price} price${idle}` };
  }
  return undefined;
}

export async function main(argv: string[]): Promise<number> {
  let args: LadderArgs;
  let rungs: Rung[];
  let noReplicas: string | undefined;
  try {
    args = parseLadderArgs(argv);
    ({ rungs, noReplicas } = ladderRungs(await readScenario(args.file, args.sets), args.node, args.steps));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`error: ${e.message}\nusage: npm run ladder -- FILE --node NODE [--steps 3] [--set NODE.SETTING=VALUE]... [--seed N] [--duration 20s] [--parallel N] [--json OUT]`);
    return 2;
  }
  const dir = await mkdtemp(join(tmpdir(), 'pg-lab-ladder-'));
  try {
    const jobs = await Promise.all(
      rungs.map(async (r, i) => {
        const file = join(dir, `rung-${i}.json`);
        await writeFile(file, JSON.stringify(r.scenario));
        return { file, sets: [], seed: args.seed ?? r.scenario.run.seed, durationUs: args.durationUs };
      }),
    );
    progressBar(`runs 0/${jobs.length}`, 0);
    const reports = await runMany(jobs, { parallel: args.parallel, onDone: (d, t) => progressBar(`runs ${d}/${t}`, d / t) });
    if (process.stderr.isTTY) process.stderr.write('\n');
    const results = rungs.map((r, i) => rungResult(r, reports[i], args.node));
    const found = verdict(results);
    console.log(
      table(
        ['option', '$/h', 'req/s', 'req/s per $/h', 'p95 ms', 'failed', `${args.node} CPU`, 'stale reads'],
        results.map((r) => [r.label, r.usdPerHour, r.throughputRps, Math.round(r.throughputRps / Math.max(r.usdPerHour, 1e-9)), r.p95Ms, r.failed, `${Math.round(r.nodeCpu * 100)} %`, r.staleReads ?? '']),
      ),
    );
    if (noReplicas) console.log(`\nno replica options: ${noReplicas}`);
    const paid = noReplicas ? `each gained at least ${MIN_GAIN * 100} %` : `each gained at least ${MIN_GAIN * 100} % and beat the same money in replicas`;
    console.log(found ? `\nthe bigger node stops paying at step ${found.step}: ${found.reason}` : `\nevery size up paid (${paid})`);
    if (args.json) await writeAtomic(args.json, `${JSON.stringify({ node: args.node, results, verdict: found ?? null, noReplicas: noReplicas ?? null }, null, 2)}\n`);
    return 0;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

runAsScript('sim/cli/ladder.ts', main);
