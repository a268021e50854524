/**
 * The body of an engine worker, whatever hosts it: boots one PGlite from the first message, then answers
 * requests one at a time, in the order they arrive.
 */
import type { PGlite } from '@electric-sql/pglite';
import { bootPglite, type PgliteBootOptions } from './PgliteEngine.ts';
import { type EngineRequest, handleRequest } from './protocol.ts';
import type { HostMessage } from './WorkerEngine.ts';

export interface HostPort {
  postMessage(message: HostMessage, transfer?: Transferable[]): void;
  onMessage(listener: (message: unknown) => void): void;
}

/** `afterBoot` may free memory: the boot's copies (snapshot tar, file bundle) are garbage by then. */
export function serveEngine(port: HostPort, afterBoot?: () => void): void {
  let db: PGlite | undefined;
  let booted = false;
  let queue: Promise<void> = Promise.resolve();
  port.onMessage((m) => {
    if (!booted) {
      booted = true;
      queue = queue.then(async () => {
        try {
          db = await bootPglite(m as PgliteBootOptions);
          afterBoot?.();
          port.postMessage({ type: 'ready' });
        } catch (e) {
          port.postMessage({ type: 'boot-failed', message: String((e as Error)?.message ?? e) });
        }
      });
      return;
    }
    const { id, req } = m as { id: number; req: EngineRequest };
    queue = queue.then(async () => {
      try {
        const reply = await handleRequest(db!, req);
        const transfer = 'tar' in reply ? [reply.tar.buffer as ArrayBuffer] : [];
        port.postMessage({ type: 'reply', id, reply }, transfer);
      } catch (e) {
        port.postMessage({ type: 'failed', id, message: String((e as Error)?.message ?? e) });
      }
    });
  });
}
