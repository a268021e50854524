/**
 * npm run real -- FILE [--duration 30s] [--set NODE.SETTING=VALUE]... [--json OUT]
 *
 * The scenario on real servers of this machine (run.ts), in real time, and the same report as `npm run
 * sim` (`"source": "real"`). Exit codes: 0 done, 2 bad input or a scenario this machine cannot host, 1 a
 * failure while running (the servers are stopped in every case, also on Ctrl+C).
 */
import { writeAtomic } from '../sim/cli/files.ts';
import { printReport } from '../sim/cli/print.ts';
import { durationArg, oneFile, readArgs, readScenario, shared, UsageError } from '../sim/cli/options.ts';
import { parseTime, type Scenario } from '../sim/index.ts';
import { CannotHost, runReal } from './run.ts';
import { runAsScript } from '../sim/cli/script.ts';

function usage(message: string): number {
  console.error(`error: ${message}\nusage: npm run real -- FILE [--duration 30s] [--set NODE.SETTING=VALUE]... [--json OUT]`);
  return 2;
}

export async function main(argv: string[]): Promise<number> {
  let file: string;
  let json: string | undefined;
  let durationUs: number | undefined;
  let sets: string[];
  try {
    const { values: v, positionals } = readArgs(argv, shared('duration', 'set', 'json'));
    file = oneFile(positionals, 'lessons/scenarios/pgbouncer.json');
    durationUs = durationArg(v.duration);
    json = v.json;
    sets = v.set ?? [];
  } catch (e) {
    if (e instanceof UsageError) return usage(e.message);
    throw e;
  }
  let scenario: Scenario;
  try {
    scenario = await readScenario(file, sets);
  } catch (e) {
    if (e instanceof UsageError) return usage(e.message);
    throw e;
  }
  const durationMs = (durationUs ?? parseTime(scenario.run.duration, 1e6)!) / 1000;
  try {
    const { report } = await runReal(scenario, {
      durationMs,
      onPhase: (phase, f) => process.stderr.isTTY && process.stderr.write(`\r${phase.padEnd(24)} ${Math.round(f * 100)}%   `),
    });
    if (process.stderr.isTTY) process.stderr.write('\n');
    console.log(printReport(report));
    if (json) {
      await writeAtomic(json, `${JSON.stringify(report, null, 2)}\n`);
    }
    return 0;
  } catch (e) {
    if (process.stderr.isTTY) process.stderr.write('\n');
    console.error(`error: ${(e as Error).message}`);
    return e instanceof CannotHost ? 2 : 1;
  }
}

runAsScript('real/main.ts', main);
