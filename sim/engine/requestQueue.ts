/**
 * A PGlite's requests, answered one after the other in the order they came (requests on one PGlite must not
 * overlap: `handleRequest`), the workload's consecutive runs together (`handleRuns`: one round trip to the
 * server for many, which costs less than a primary-key select each saved). Both engines use it: in this
 * thread (PgliteEngine) and in a worker (workerHost), so tests exercise what the app runs.
 */
import type { PGlite } from '@electric-sql/pglite';
import { batchable, type EngineReply, type EngineRequest, handleRequest, handleRuns, type RunRequest } from './protocol.ts';
import { nextTask } from './nextTask.ts';

/** The most runs answered in one round trip to the server. */
const MAX_RUNS = 64;

export interface QueueHooks<T> {
  /** Before `req` runs (the worker posts its replies so far before a console statement that may run away). */
  before?(req: EngineRequest): void;
  /** A request's reply, or why it failed. */
  answer(tag: T, result: { reply: EngineReply } | { failed: unknown }): void;
  /** After each round, with how many requests wait still. */
  after?(waiting: number): void;
}

export class RequestQueue<T> {
  private readonly inbox: { tag: T; req: EngineRequest }[] = [];
  private serving = false;
  private loop: Promise<void> = Promise.resolve();
  private db: PGlite | undefined;

  constructor(private readonly hooks: QueueHooks<T>) {}

  /** The engine is ready: what came before is served now. */
  start(db: PGlite): void {
    this.db = db;
    this.kick();
  }

  push(tag: T, req: EngineRequest): void {
    this.inbox.push({ tag, req });
    this.kick();
  }

  /** Resolves when every request pushed so far is answered. */
  async drained(): Promise<void> {
    while (this.serving) await this.loop;
  }

  private kick(): void {
    if (this.serving || !this.db || this.inbox.length === 0) return;
    this.serving = true;
    this.loop = this.serve(this.db);
  }

  private async serve(db: PGlite): Promise<void> {
    // a round's requests arrived together: let the rest of this task's requests join them first, and in this
    // thread (PgliteEngine) those the sim sends before it must wait for a reply (one round trip for them all)
    await new Promise<void>((r) => nextTask(r));
    while (this.inbox.length > 0) {
      const { req } = this.inbox[0];
      let n = 1;
      if (batchable(req)) while (n < this.inbox.length && n < MAX_RUNS && batchable(this.inbox[n].req)) n++;
      const items = this.inbox.splice(0, n);
      this.hooks.before?.(req);
      try {
        if (batchable(req)) {
          const replies = await handleRuns(db, items.map((x) => x.req as RunRequest));
          for (const [i, x] of items.entries()) this.hooks.answer(x.tag, { reply: replies[i] });
        } else {
          this.hooks.answer(items[0].tag, { reply: await handleRequest(db, req) });
        }
      } catch (failed) {
        for (const x of items) this.hooks.answer(x.tag, { failed });
      }
      this.hooks.after?.(this.inbox.length);
    }
    this.serving = false;
  }
}
