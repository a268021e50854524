/** The sim worker: a sim host (simHost.ts) on this worker's messages, with each node's PGlite in a Web Worker. */
import { loadWebSqlParser, webEngineFactory } from '../../sim/browser.ts';
import type { ClientMessage, WorkerMessage } from './protocol.ts';
import { createSimHost } from './simHost.ts';

// PostgreSQL's parser from the bundled wasm, before the first Simulation.create needs it
void loadWebSqlParser();
const scope = self as unknown as DedicatedWorkerGlobalScope;
const host = createSimHost({ engines: webEngineFactory(), post: (m: WorkerMessage) => scope.postMessage(m) });
scope.onmessage = (e: MessageEvent<ClientMessage>) => void host.receive(e.data);
