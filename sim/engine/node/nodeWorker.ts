/** Entry of an engine worker under Node's worker_threads. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort } from 'node:worker_threads';
import { serveEngine } from '../workerHost.ts';

// A full collection right after boot returns the ~40 MB of boot copies at once instead of keeping them.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const port = parentPort!;
serveEngine(
  {
    postMessage: (m, transfer) => port.postMessage(m, transfer as never),
    onMessage: (l) => port.on('message', l),
  },
  gc,
);
