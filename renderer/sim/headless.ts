/**
 * Headless runs for the bench (sweeps and A/B): a scenario booted on engines of its own, run at full speed
 * to its `run.duration` by the sim's Runner (the pacing loop the CLI uses), reported and closed. They never
 * touch the host's loaded sim, so the bench runs in a worker of its own (renderer/bench/benchClient.ts).
 * `cancel` pauses every run under way; each then rejects with "cancelled" and closes its engines.
 */
import { buildReport, type EngineFactory, type Report, Runner, Simulation } from '../../sim/index.ts';

export interface Headless {
  run(scenario: unknown, onProgress: (fraction: number) => void): Promise<Report>;
  cancel(): Promise<void>;
}

export function createHeadless(engines: EngineFactory): Headless {
  const running = new Set<Runner>();
  /** Bumped by cancel: a run still booting when it came is cancelled once booted. */
  let generation = 0;
  return {
    async run(scenario, onProgress) {
      const gen = generation;
      const wall0 = performance.now();
      let told = 0;
      const tell = (f: number) => {
        // at most ten a second: a run at full speed ticks far more often than anyone reads
        if (performance.now() - told < 100) return;
        told = performance.now();
        onProgress(f);
      };
      const sim = await Simulation.create(scenario, { engines, onProgress: (_phase, f) => tell(f * 0.1) });
      try {
        let failure = '';
        const runner: Runner = new Runner(sim, {
          speed: 'max',
          onTick: (now) => tell(0.1 + 0.9 * (now / runner.untilUs)),
          onStatus: (_, message) => void (failure = message ?? failure),
        });
        if (gen !== generation) throw new Error('cancelled');
        running.add(runner);
        try {
          await runner.apply({ do: 'run' });
          await runner.stopped();
        } finally {
          running.delete(runner);
        }
        if (runner.status === 'error') throw new Error(failure || 'the run failed');
        if (sim.now < runner.untilUs) throw new Error('cancelled');
        return buildReport(sim, [], (performance.now() - wall0) / 1000);
      } finally {
        await sim.close();
      }
    },
    async cancel() {
      generation++;
      await Promise.all([...running].map((r) => r.apply({ do: 'pause' })));
    },
  };
}
