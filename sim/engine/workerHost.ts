/**
 * The body of an engine worker, whatever hosts it: boots one PGlite from the first message, then answers
 * requests in the order they arrive (requestQueue.ts: the workload's consecutive runs in one round trip). Requests come in batches and replies go back in
 * batches (one message for all the replies ready when the queue runs dry): a message costs more than a
 * primary-key select.
 */
import type { EngineMemory } from './engineMemory.ts';
import { bootPglite, type PgliteBootOptions } from './PgliteEngine.ts';
import type { EngineRequest } from './protocol.ts';
import { RequestQueue } from './requestQueue.ts';
import type { HostMessage, ReplyItem } from './WorkerEngine.ts';

export interface HostPort {
  postMessage(message: HostMessage, transfer?: Transferable[]): void;
  onMessage(listener: (message: unknown) => void): void;
  /** This thread's JavaScript heap, where the platform can read it (a `memory` reply carries it). */
  heap?(): NonNullable<EngineMemory['heap']>;
}

export function serveEngine(port: HostPort): void {
  let booted = false;
  const queue = new RequestQueue<number>({
    // a console statement may run away and have the worker killed: the replies before it go first
    before: (req) => req.op === 'console' && flush(),
    answer: (id, r) => {
      if ('failed' in r) ready.push({ id, failed: String((r.failed as Error)?.message ?? r.failed) });
      else if ('memory' in r.reply) ready.push({ id, reply: { memory: { ...r.reply.memory, heap: port.heap?.() } } });
      else if ('tar' in r.reply) {
        flush();
        port.postMessage({ type: 'replies', replies: [{ id, reply: r.reply }] }, [r.reply.tar.buffer as ArrayBuffer]);
      } else ready.push({ id, reply: r.reply });
    },
    after: (waiting) => (waiting === 0 || ready.length >= 256) && flush(),
  });
  port.onMessage((m) => {
    if (!booted) {
      booted = true;
      bootPglite(m as PgliteBootOptions).then(
        (db) => {
          port.postMessage({ type: 'ready' });
          queue.start(db);
        },
        (e) => port.postMessage({ type: 'boot-failed', message: String((e as Error)?.message ?? e) }),
      );
      return;
    }
    for (const { id, req } of m as { id: number; req: EngineRequest }[]) queue.push(id, req);
  });

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
