/** Entry of one database node's engine worker in the browser: one PGlite, served by serveEngine. */
import { serveEngine } from '../workerHost.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
serveEngine({
  postMessage: (m, transfer) => scope.postMessage(m, transfer ?? []),
  onMessage: (l) => {
    scope.onmessage = (e) => l(e.data);
  },
});
