/**
 * The bench's worker: a second sim worker (the same simWorker.ts), so sweeps and A/B runs boot engines of
 * their own and never disturb the document's run. Its headless runs answer reports; their progress comes
 * as the worker's progress messages.
 */
import type { Report, Scenario } from '../../sim/index.ts';
import { SimClient } from '../sim/simClient.ts';
import type { HeadlessPort } from './benchRuns.ts';

export interface BenchPort extends HeadlessPort {
  cancel(): Promise<void>;
  /** The run under way, 0..1. */
  onRunProgress(listener: (fraction: number) => void): () => void;
}

/** A port on a sim client that answers `headless` (the bench worker, or a host in tests). */
export function benchPort(client: SimClient): BenchPort {
  return {
    run: (scenario: Scenario) => client.headless(scenario) as Promise<Report>,
    cancel: async () => void (await client.cancelHeadless()),
    onRunProgress: (listener) =>
      client.subscribe((m) => {
        if (m.type === 'progress') listener(m.fraction);
      }),
  };
}

let port: BenchPort | undefined;

/** The app's bench port; its worker starts on first use. */
export function benchWorker(): BenchPort {
  port ??= benchPort(new SimClient(new Worker(new URL('../sim/simWorker.ts', import.meta.url), { type: 'module', name: 'bench' })));
  return port;
}
