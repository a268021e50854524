/**
 * Real clients on the simulated cluster:
 *   npm run serve -- FILE [--port-base 55432] [--set NODE.SETTING=VALUE]...
 * Boots the scenario, runs it at 1x real time until stopped (Ctrl-C), and listens on 127.0.0.1, one port
 * per postgres, pgbouncer and pgdog node (printed at start): `psql -h 127.0.0.1 -p PORT -U app appdb`.
 */
import { readFile } from 'node:fs/promises';
import { runAsScript } from '../sim/cli/script.ts';
import { nodeEngineFactory } from '../sim/engine/node/platform.ts';
import { applyOverrides, formatIssues, parseScenarioText, Runner, Simulation } from '../sim/index.ts';
import { HOST, serve } from './server.ts';

const USAGE = 'usage: npm run serve -- FILE [--port-base 55432] [--set NODE.SETTING=VALUE]...';

export async function main(argv: string[]): Promise<number> {
  let file: string | undefined;
  let portBase = 55432;
  const sets: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--port-base' || arg === '--set') {
      const v = argv[++i];
      if (v === undefined) return usage(`${arg} needs a value`);
      if (arg === '--set') sets.push(v);
      else if (/^\d+$/.test(v) && Number(v) < 65536) portBase = Number(v);
      else return usage('--port-base: expected a port number (0: free ports)');
    } else if (arg.startsWith('--') || file) return usage(`unexpected ${arg}`);
    else file = arg;
  }
  if (!file) return usage('give a scenario file');
  const parsed = parseScenarioText(await readFile(file, 'utf8'));
  if (!parsed.ok) {
    console.error(`error: ${file} is not a valid scenario:\n${formatIssues(parsed.issues)}`);
    return 2;
  }
  const scenario = applyOverrides(parsed.scenario, sets);
  if (!scenario.ok) {
    console.error(`error: --set:\n${formatIssues(scenario.issues)}`);
    return 2;
  }
  const sim = await Simulation.create(scenario.scenario, { engines: nodeEngineFactory() });
  // until stopped: a real client comes when it likes
  const runner = new Runner(sim, { speed: 1, untilUs: Number.MAX_SAFE_INTEGER, onStatus: (s, m) => m && console.error(`${s}: ${m}`) });
  const listening = await serve(runner, { portBase });
  await runner.apply({ do: 'run' });
  for (const [node, port] of listening.ports) console.log(`${node} ${HOST}:${port}`);
  console.log('ready: the simulation runs at 1x real time; Ctrl-C stops it');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await listening.close();
  await runner.close();
  return 0;
}

function usage(message: string): number {
  console.error(`error: ${message}\n${USAGE}`);
  return 2;
}

runAsScript('serve/main.ts', main);
