/**
 * A PGlite in a worker of its own (worker_threads in Node, a Web Worker in the browser), so a runaway
 * statement blocks only that worker, and a watchdog in real time can kill it.
 *
 * Watchdog rule: if the worker has requests outstanding and has answered none of them for `watchdogMs`
 * of wall time, the statement at its head is a runaway; the worker is terminated and every outstanding
 * request fails with EngineDeadError. The node then recovers from its last checkpoint (nodes/postgres/Recovery.ts).
 */
import { type DbEngine, EngineDeadError } from './DbEngine.ts';
import type { EngineReply, EngineRequest } from './protocol.ts';

/** The few things the engine needs of a worker, whatever hosts it. */
export interface WorkerPort {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onMessage(listener: (message: unknown) => void): void;
  onError(listener: (error: unknown) => void): void;
  terminate(): void;
}

export type ReplyItem = { id: number; reply: EngineReply } | { id: number; failed: string };

export type HostMessage = { type: 'ready' } | { type: 'boot-failed'; message: string } | { type: 'replies'; replies: ReplyItem[] };

const nextTask: (f: () => void) => void = typeof setImmediate === 'function' ? setImmediate : (f) => setTimeout(f, 0);

interface Pending {
  resolve: (r: EngineReply) => void;
  reject: (e: unknown) => void;
}

export class WorkerEngine implements DbEngine {
  private pending = new Map<number, Pending>();
  private nextId = 1;
  private dead: string | undefined;
  private lastProgress = 0;
  /** Requests sent in this microtask, posted together. */
  private outbox: { id: number; req: EngineRequest }[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  onDeath?: (reason: string) => void;

  private constructor(
    readonly name: string,
    private readonly port: WorkerPort,
    private readonly watchdogMs: number,
  ) {}

  /** Starts the worker's PGlite from `boot` (the first message the host expects) and waits until ready. */
  static async start(name: string, port: WorkerPort, boot: unknown, watchdogMs: number, transfer: Transferable[] = []) {
    const engine = new WorkerEngine(name, port, watchdogMs);
    await new Promise<void>((resolve, reject) => {
      port.onError((e) => {
        reject(e);
        engine.die(`worker error: ${String((e as Error)?.message ?? e)}`);
      });
      port.onMessage((m) => {
        const msg = m as HostMessage;
        if (msg.type === 'ready') resolve();
        else if (msg.type === 'boot-failed') reject(new Error(`${name}: ${msg.message}`));
        else engine.settle(msg);
      });
      port.postMessage(boot, transfer);
    });
    engine.timer = setInterval(() => engine.watch(), Math.max(50, Math.min(500, watchdogMs / 4)));
    (engine.timer as { unref?: () => void }).unref?.();
    return engine;
  }

  get alive(): boolean {
    return this.dead === undefined;
  }

  request(req: EngineRequest): Promise<EngineReply> {
    if (this.dead !== undefined) return Promise.reject(new EngineDeadError(this.name, this.dead));
    const id = this.nextId++;
    if (this.pending.size === 0) this.lastProgress = performance.now();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Posted in the next macrotask: by then the sim has sent everything it can before it must wait.
      if (this.outbox.push({ id, req }) === 1) {
        nextTask(() => {
          const batch = this.outbox;
          this.outbox = [];
          if (this.dead === undefined) this.port.postMessage(batch);
        });
      }
    });
  }

  kill(): void {
    this.die('killed');
  }

  async close(): Promise<void> {
    this.die('closed');
  }

  private settle(msg: HostMessage): void {
    if (msg.type !== 'replies') return;
    this.lastProgress = performance.now();
    for (const item of msg.replies) {
      const p = this.pending.get(item.id);
      if (!p) continue;
      this.pending.delete(item.id);
      if ('reply' in item) p.resolve(item.reply);
      else p.reject(new Error(`${this.name}: ${item.failed}`));
    }
  }

  private watch(): void {
    if (this.pending.size > 0 && performance.now() - this.lastProgress > this.watchdogMs) {
      const reason = `a statement ran for more than ${this.watchdogMs} ms of real time`;
      this.die(reason);
      this.onDeath?.(reason);
    }
  }

  private die(reason: string): void {
    if (this.dead !== undefined) return;
    this.dead = reason;
    clearInterval(this.timer);
    this.port.terminate();
    for (const p of this.pending.values()) p.reject(new EngineDeadError(this.name, reason));
    this.pending.clear();
  }
}
