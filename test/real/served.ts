/** A scenario file served on loopback (serve/) for a test file: one boot, run at 1x until `close`. */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { type Listening, SERVE_PACE, serve } from '../../serve/server.ts';
import { nodeEngineFactory } from '../../sim/engine/node/platform.ts';
import { parseScenarioText, Runner, Simulation } from '../../sim/index.ts';

export const run = promisify(execFile);
export const PSQL = '/usr/bin/psql';
// pgbench comes with the server package (Debian's postgresql-NN), /usr/bin/pgbench is only its wrapper
export const PGBENCH = existsSync('/usr/lib/postgresql')
  ? readdirSync('/usr/lib/postgresql')
      .map((v) => `/usr/lib/postgresql/${v}/bin/pgbench`)
      .find((p) => existsSync(p))
  : undefined;
/** The real clients' environment: a short connect timeout, no PGOPTIONS of the machine's. */
export const env = { ...process.env, PGCONNECT_TIMEOUT: '10', PGOPTIONS: '' };

export interface Served {
  runner: Runner;
  listening: Listening;
  /** The wall-clock time (performance.now) each stretch of the run ended at: how finely the sim keeps pace. */
  ticks: number[];
  close(): Promise<void>;
}

export async function served(file: string): Promise<Served> {
  const parsed = parseScenarioText(readFileSync(file, 'utf8'));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const sim = await Simulation.create(parsed.scenario, { engines: nodeEngineFactory() });
  const ticks: number[] = [];
  const runner = new Runner(sim, { ...SERVE_PACE, onTick: () => ticks.push(performance.now()) });
  const listening = await serve(runner, { portBase: 0 });
  await runner.apply({ do: 'run' });
  return {
    runner,
    listening,
    ticks,
    async close() {
      await listening.close();
      await runner.close();
    },
  };
}
