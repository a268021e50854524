/** The app's store wired to a real sim host (real PGlite, in this thread) through the real SimClient, as simWorker.ts wires the worker. */
import type { ClientMessage } from '../../renderer/sim/protocol.ts';
import { SimClient, type WorkerLike } from '../../renderer/sim/simClient.ts';
import { createSimHost } from '../../renderer/sim/simHost.ts';
import { createAppStore } from '../../renderer/store/appStore.ts';
import { nodeEngineFactory } from '../../sim/engine/node/platform.ts';

export const engines = nodeEngineFactory({ kind: 'in-process' });

export function app() {
  let listener: ((e: MessageEvent) => void) | undefined;
  const h = createSimHost({ engines, post: (m) => listener?.({ data: m } as MessageEvent) });
  const worker: WorkerLike = {
    postMessage: (m) => void h.receive(m as ClientMessage),
    addEventListener: (_type, l) => {
      listener = l;
    },
    terminate: () => undefined,
  };
  const client = new SimClient(worker);
  return createAppStore(() => client);
}
