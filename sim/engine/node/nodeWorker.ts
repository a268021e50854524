/** Entry of an engine worker under Node's worker_threads. */
import { parentPort } from 'node:worker_threads';
import { serveEngine } from '../workerHost.ts';

const port = parentPort!;
serveEngine({
  postMessage: (m, transfer) => port.postMessage(m, transfer as never),
  onMessage: (l) => port.on('message', l),
});
