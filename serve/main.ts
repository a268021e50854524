/**
 * Real clients on the simulated cluster:
 *   npm run serve -- FILE [--port-base 55432] [--set NODE.SETTING=VALUE]...
 * Boots the scenario, runs it at 1x real time until stopped (Ctrl-C), and listens on 127.0.0.1, one port
 * per postgres, pgbouncer and pgdog node (printed at start): `psql -h 127.0.0.1 -p PORT -U app appdb`.
 */
import { oneFile, readArgs, readScenario, shared, UsageError } from '../sim/cli/options.ts';
import { runAsScript } from '../sim/cli/script.ts';
import { nodeEngineFactory } from '../sim/engine/node/platform.ts';
import { Runner, type Scenario, Simulation } from '../sim/index.ts';
import { HOST, SERVE_PACE, serve } from './server.ts';

const USAGE = 'usage: npm run serve -- FILE [--port-base 55432] [--set NODE.SETTING=VALUE]...';

export async function main(argv: string[]): Promise<number> {
  let file: string;
  let portBase: number;
  let sets: string[];
  try {
    const { values: v, positionals } = readArgs(argv, { ...shared('set'), 'port-base': { type: 'string', default: '55432' } });
    file = oneFile(positionals, 'lessons/scenarios/pgbouncer.json');
    if (!/^\d+$/.test(v['port-base']) || Number(v['port-base']) > 65535) throw new UsageError('--port-base: expected a port number (0: free ports)');
    portBase = Number(v['port-base']);
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
  const sim = await Simulation.create(scenario, { engines: nodeEngineFactory() });
  const runner = new Runner(sim, { ...SERVE_PACE, onStatus: (s, m) => m && console.error(`${s}: ${m}`) });
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
