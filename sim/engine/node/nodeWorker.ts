/** Entry of an engine worker under Node's worker_threads. */
import { getHeapStatistics } from 'node:v8';
import { parentPort } from 'node:worker_threads';
import { serveEngine } from '../workerHost.ts';

const port = parentPort!;
serveEngine({
  postMessage: (m, transfer) => port.postMessage(m, transfer as never),
  onMessage: (l) => port.on('message', l),
  heap: () => {
    const h = getHeapStatistics();
    return { usedBytes: h.used_heap_size, totalBytes: h.total_heap_size, externalBytes: h.external_memory };
  },
});
