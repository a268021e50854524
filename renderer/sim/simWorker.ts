/** The sim worker: a sim host (simHost.ts) on this worker's messages, with each node's PGlite in a Web Worker. */
import { webEngineFactory } from '../../sim/browser.ts';
import type { ClientMessage, WorkerMessage } from './protocol.ts';
import { createSimHost } from './simHost.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const host = createSimHost({ engines: webEngineFactory(), post: (m: WorkerMessage) => scope.postMessage(m) });
scope.onmessage = (e: MessageEvent<ClientMessage>) => void host.receive(e.data);
