/** A scenario file served on loopback (serve/) for a test file: one boot, run at 1x until `close`. */
import { readFileSync } from 'node:fs';
import { type Listening, serve } from '../../serve/server.ts';
import { nodeEngineFactory } from '../../sim/engine/node/platform.ts';
import { parseScenarioText, Runner, Simulation } from '../../sim/index.ts';

export interface Served {
  runner: Runner;
  listening: Listening;
  close(): Promise<void>;
}

export async function served(file: string): Promise<Served> {
  const parsed = parseScenarioText(readFileSync(file, 'utf8'));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const sim = await Simulation.create(parsed.scenario, { engines: nodeEngineFactory() });
  const runner = new Runner(sim, { speed: 1, untilUs: Number.MAX_SAFE_INTEGER });
  const listening = await serve(runner, { portBase: 0 });
  await runner.apply({ do: 'run' });
  return {
    runner,
    listening,
    async close() {
      await listening.close();
      await runner.close();
    },
  };
}
