/**
 * The headless runner:
 *   npm run sim -- FILE [--duration 30s] [--seed N] [--speed max|N] [--set NODE.SETTING=VALUE]...
 *                 [--set workload.FIELD=VALUE]... [--journal FILE] [--sql NODE:QUERY]... [--json OUT] [--in-process]
 *   npm run sim -- FILE [--set NODE.SETTING=VALUE]... --advise NODE
 *   npm run sim -- --list-settings
 * --in-process runs the engines in this thread, where no watchdog can stop a runaway statement: it refuses
 * console statements (--sql, a journal's runSql); a setup_sql that never ends would still hang it.
 */
import { readFile } from 'node:fs/promises';
import { nodeEngineFactory } from '../engine/node/platform.ts';
import {
  buildReport,
  CommandError,
  describeSettings,
  nodeKind,
  nodeKinds,
  Runner,
  type Report,
  type Scenario,
  ScenarioError,
  Simulation,
  type Speed,
  scenarioSchema,
} from '../index.ts';
import { writeAtomic } from './files.ts';
import { printReport, progressBar } from './print.ts';
import { durationArg, oneFile, readArgs, readScenario, seedArg, shared, UsageError } from './options.ts';
import { runAsScript } from './script.ts';

export interface CliArgs {
  file?: string;
  duration?: number;
  seed?: number;
  speed: Speed;
  sets: string[];
  sql: { node: string; query: string }[];
  /** A journal to replay (sim/core/commands.ts): commands at their virtual times. */
  journal?: string;
  json?: string;
  inProcess: boolean;
  listSettings: boolean;
  /** A postgres node to print PGTune's advice for, instead of running. */
  advise?: string;
}

export function parseArgs(argv: string[]): CliArgs {
  const { values: v, positionals } = readArgs(argv, {
    ...shared('duration', 'seed', 'set', 'json'),
    speed: { type: 'string' },
    sql: { type: 'string', multiple: true },
    journal: { type: 'string' },
    'in-process': { type: 'boolean' },
    advise: { type: 'string' },
    'list-settings': { type: 'boolean' },
  });
  let speed: Speed = 'max';
  if (v.speed !== undefined && v.speed !== 'max') {
    if (!/^\d+(\.\d+)?$/.test(v.speed) || Number(v.speed) < 1 || Number(v.speed) > 100) throw new UsageError('--speed: expected max or a number from 1 to 100');
    speed = Number(v.speed);
  }
  const sql = (v.sql ?? []).map((q) => {
    const m = /^([a-z][a-z0-9_-]*):([\s\S]+)$/.exec(q);
    if (!m) throw new UsageError('--sql: expected NODE:QUERY, for example primary:"SELECT 1"');
    return { node: m[1], query: m[2] };
  });
  const listSettings = v['list-settings'] ?? false;
  return {
    file: listSettings && positionals.length === 0 ? undefined : oneFile(positionals, 'lessons/scenarios/single-primary.json'),
    duration: durationArg(v.duration),
    seed: seedArg(v.seed),
    speed,
    sets: v.set ?? [],
    sql,
    journal: v.journal,
    json: v.json,
    inProcess: v['in-process'] ?? false,
    listSettings,
    advise: v.advise,
  };
}

function listSettings(): string {
  scenarioSchema();
  const lines: string[] = [];
  for (const k of nodeKinds()) {
    lines.push(`${k.kind}: ${k.description}`);
    for (const s of describeSettings(k.settings)) {
      lines.push(`  ${s.name} = ${JSON.stringify(s.default)}${s.unit ? ` (${s.unit})` : ''}${s.values ? ` [${s.values.join('|')}]` : ''} — ${s.help}${s.context === 'postmaster' ? ' [restart]' : ''}`);
    }
  }
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`error: ${e.message}\nusage: npm run sim -- FILE [--duration 30s] [--seed N] [--speed max|N] [--set NODE.SETTING=VALUE]... [--journal FILE] [--sql NODE:QUERY]... [--json OUT] [--advise NODE]`);
      return 2;
    }
    throw e;
  }
  if (args.listSettings) {
    console.log(listSettings());
    return 0;
  }
  let journal: unknown;
  if (args.journal) {
    try {
      journal = JSON.parse(await readFile(args.journal, 'utf8'));
    } catch (e) {
      console.error(`error: cannot read ${args.journal} as JSON: ${(e as Error).message}`);
      return 2;
    }
  }
  // An engine in this thread has no watchdog (a worker is what a watchdog can stop): a runaway console
  // statement would hang the CLI for good, so console statements need the workers.
  const consoleSql = args.sql.length > 0 || (Array.isArray(journal) && journal.some((e) => (e as { command?: { do?: unknown } })?.command?.do === 'runSql'));
  if (args.inProcess && consoleSql) {
    console.error('error: --in-process cannot stop a runaway statement: --sql and a journal\'s runSql need the worker engines (drop --in-process)');
    return 2;
  }
  const overrides = [...args.sets];
  if (args.seed !== undefined) overrides.push(`run.seed=${args.seed}`);
  if (args.duration !== undefined) overrides.push(`run.duration="${args.duration / 1000}ms"`);
  let scenario: Scenario;
  try {
    scenario = await readScenario(args.file!, overrides);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`error: ${e.message}`);
    return 2;
  }
  if (args.advise) {
    const node = scenario.nodes.find((n) => n.id === args.advise);
    const def = node ? nodeKind(node.kind) : undefined;
    if (!node || !def?.advise) {
      console.error(`error: --advise: ${node ? `node "${node.id}" (${node.kind}) has no settings advice` : `no node "${args.advise}"`}`);
      return 2;
    }
    console.log(def.advise(def.settings.parse(node.settings), node.id).trimEnd());
    return 0;
  }
  const unknownSql = args.sql.find((q) => !scenario.nodes.some((n) => n.id === q.node));
  if (unknownSql) {
    console.error(`error: --sql: no node "${unknownSql.node}"`);
    return 2;
  }
  const wall0 = performance.now();
  const engines = nodeEngineFactory({ kind: args.inProcess ? 'in-process' : 'worker' });
  let sim: Simulation;
  try {
    sim = await Simulation.create(scenario, {
      engines,
      journal,
      onProgress: (phase, f) => progressBar(phase, f),
      onEvent: (e) => {
        if (e.type === 'node-crashed' || e.type === 'node-restarted' || e.type === 'command-refused') process.stderr.write(`\n${e.message}\n`);
      },
    });
  } catch (e) {
    if (e instanceof ScenarioError || e instanceof CommandError) {
      console.error(`error: ${args.journal && e instanceof CommandError ? `${args.journal}: ` : ''}${e.message}`);
      return 2;
    }
    throw e;
  }
  try {
    let failure = '';
    const runner = new Runner(sim, {
      speed: args.speed,
      onTick: (now) => progressBar(`running ${(now / 1e6).toFixed(1)}s`, now / runner.untilUs),
      onStatus: (_, message) => void (failure = message ?? failure),
    });
    await runner.apply({ do: 'run' });
    await runner.stopped();
    if (process.stderr.isTTY) process.stderr.write('\n');
    if (runner.status === 'error') {
      console.error(`error: ${failure}`);
      return 1;
    }
    const sql = [];
    for (const q of args.sql) sql.push(await sim.apply({ do: 'runSql', node: q.node, sql: q.query }));
    const report: Report = buildReport(sim, sql, (performance.now() - wall0) / 1000);
    console.log(printReport(report));
    if (args.json) {
      await writeAtomic(args.json, `${JSON.stringify(report, null, 2)}\n`);
    }
    return 0;
  } catch (e) {
    if (!(e instanceof CommandError)) throw e;
    console.error(`error: ${e.message}`);
    return 2;
  } finally {
    await sim.close();
  }
}

runAsScript('sim/cli/main.ts', main);
