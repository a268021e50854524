/**
 * A PGlite in a worker of its own (worker_threads in Node, a Web Worker in the browser), so a runaway
 * statement blocks only that worker, and a watchdog in real time can kill it.
 *
 * Watchdog rule: if the worker has requests outstanding and has answered none of them for `watchdogMs`,
 * the statement at its head is a runaway; the worker is terminated and every outstanding request fails
 * with EngineDeadError. The node then recovers from its last checkpoint (nodes/postgres/Recovery.ts). Where
 * the platform can measure the CPU time its threads get (Node), `watchdogMs` is counted in CPU time, capped
 * by wall time: on a loaded machine a legitimate statement's wall time stretches while the CPU it is given
 * does not, and it is no runaway while the engine is making progress. Where it cannot (a browser), the
 * share of a core a thread gets is measured once `watchdogMs` of wall time have passed, and the wall time
 * times that share is the statement's CPU time. A statement that waits without using CPU (a real sleep) is
 * still killed after WALL_LIMIT times `watchdogMs` of wall time.
 */
import { type DbEngine, EngineDeadError } from './DbEngine.ts';
import type { EngineReply, EngineRequest } from './protocol.ts';
import { nextTask } from './nextTask.ts';

/** The few things the engine needs of a worker, whatever hosts it. */
export interface WorkerPort {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onMessage(listener: (message: unknown) => void): void;
  onError(listener: (error: unknown) => void): void;
  terminate(): void;
}

export type ReplyItem = { id: number; reply: EngineReply } | { id: number; failed: string };

/** How the watchdog measures an engine's progress: the process's CPU time in ms, or the share of a core a thread gets now (0..1]. */
export type ProgressMeasure = { cpuMs: () => number } | { shareOfCore: () => number };

export type HostMessage = { type: 'ready' } | { type: 'boot-failed'; message: string } | { type: 'replies'; replies: ReplyItem[] };

/** Wall time, in multiples of the watchdog's limit, after which a statement is a runaway whatever its CPU time. */
export const WALL_LIMIT = 6;

interface Pending {
  resolve: (r: EngineReply) => void;
  reject: (e: unknown) => void;
}

export class WorkerEngine implements DbEngine {
  private pending = new Map<number, Pending>();
  private nextId = 1;
  private dead: string | undefined;
  private lastProgress = 0;
  private lastProgressCpu: number | undefined;
  /** Requests sent in this microtask, posted together. */
  private outbox: { id: number; req: EngineRequest }[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  onDeath?: (reason: string) => void;

  private constructor(
    readonly name: string,
    private readonly port: WorkerPort,
    private readonly watchdogMs: number,
    private readonly measure: ProgressMeasure | undefined,
  ) {}

  /**
   * Starts the worker's PGlite from `boot` (the first message the host expects) and waits until ready.
   * `measure`: how the platform tells the CPU a statement gets (none: wall time).
   */
  static async start(name: string, port: WorkerPort, boot: unknown, watchdogMs: number, transfer: Transferable[] = [], measure?: ProgressMeasure) {
    const engine = new WorkerEngine(name, port, watchdogMs, measure);
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
    if (this.pending.size === 0) this.progressed();
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
    this.progressed();
    for (const item of msg.replies) {
      const p = this.pending.get(item.id);
      if (!p) continue;
      this.pending.delete(item.id);
      if ('reply' in item) p.resolve(item.reply);
      else p.reject(new Error(`${this.name}: ${item.failed}`));
    }
  }

  /**
   * A reply came (or work began): the wall clock is read now, the CPU time at the watchdog's next look
   * (reading it costs more than a reply's other work); the CPU counted is then short by at most one
   * interval of the watchdog, which errs towards sparing the statement.
   */
  private progressed(): void {
    this.lastProgress = performance.now();
    this.lastProgressCpu = undefined;
  }

  private watch(): void {
    if (this.pending.size === 0) return;
    const wall = performance.now() - this.lastProgress;
    const m = this.measure;
    let busy = wall;
    if (m && 'cpuMs' in m) {
      const cpu = m.cpuMs();
      this.lastProgressCpu ??= cpu;
      busy = Math.min(wall, cpu - this.lastProgressCpu);
    } else if (m && wall > this.watchdogMs) busy = wall * m.shareOfCore();
    if (busy > this.watchdogMs || wall > WALL_LIMIT * this.watchdogMs) {
      // one text whichever limit it passed: which one depends on the machine's load, and the reason goes into
      // the run's events and report, which are a function of the scenario, seed and journal
      const reason = `a statement ran past the watchdog (${this.watchdogMs} ms of CPU time, or ${WALL_LIMIT * this.watchdogMs} ms of real time)`;
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
