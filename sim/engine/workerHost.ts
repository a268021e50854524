/**
 * The body of an engine worker, whatever hosts it: boots one PGlite from the first message, then answers
 * requests one at a time, in the order they arrive. Requests come in batches and replies go back in
 * batches (one message for all the replies ready when the queue runs dry): a message costs more than a
 * primary-key select.
 */
import type { PGlite } from '@electric-sql/pglite';
import { bootPglite, type PgliteBootOptions } from './PgliteEngine.ts';
import { type EngineRequest, handleRequest } from './protocol.ts';
import type { HostMessage, ReplyItem } from './WorkerEngine.ts';

export interface HostPort {
  postMessage(message: HostMessage, transfer?: Transferable[]): void;
  onMessage(listener: (message: unknown) => void): void;
}

export function serveEngine(port: HostPort): void {
  let db: PGlite | undefined;
  let booted = false;
  let queue: Promise<void> = Promise.resolve();
  port.onMessage((m) => {
    if (!booted) {
      booted = true;
      queue = queue.then(async () => {
        try {
          db = await bootPglite(m as PgliteBootOptions);
          port.postMessage({ type: 'ready' });
        } catch (e) {
          port.postMessage({ type: 'boot-failed', message: String((e as Error)?.message ?? e) });
        }
      });
      return;
    }
    for (const { id, req } of m as { id: number; req: EngineRequest }[]) {
      waiting++;
      queue = queue.then(async () => {
        waiting--;
        // a console statement may run away and have the worker killed: the replies before it go first
        if (req.op === 'console') flush();
        try {
          const reply = await handleRequest(db!, req);
          if ('tar' in reply) {
            flush();
            port.postMessage({ type: 'replies', replies: [{ id, reply }] }, [reply.tar.buffer as ArrayBuffer]);
          } else {
            ready.push({ id, reply });
          }
        } catch (e) {
          ready.push({ id, failed: String((e as Error)?.message ?? e) });
        }
        if (waiting === 0 || ready.length >= 256) flush();
      });
    }
  });

  let waiting = 0;
  let ready: ReplyItem[] = [];
  /** Posts the replies ready; one that cannot be cloned fails alone, so the queue never stops. */
  function flush(): void {
    if (ready.length === 0) return;
    const batch = ready;
    ready = [];
    try {
      port.postMessage({ type: 'replies', replies: batch });
    } catch {
      for (const item of batch) {
        try {
          port.postMessage({ type: 'replies', replies: [item] });
        } catch (e) {
          port.postMessage({ type: 'replies', replies: [{ id: item.id, failed: `reply could not be sent: ${String((e as Error)?.message ?? e)}` }] });
        }
      }
    }
  }
}
