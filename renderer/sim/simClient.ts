/**
 * The renderer's one way to the simulation: a typed client of the sim worker. Commands (the sim's one
 * union, through `apply`, and the worker's load, reset and report) return promises; snapshots, progress
 * and state changes arrive through `subscribe`. Nothing else in the renderer talks to the sim worker.
 */
import type { Command } from '../../sim/index.ts';
import type { TimeCommand, WorkerCommand, WorkerMessage, WorkerResult } from './protocol.ts';

export class SimCommandError extends Error {
  constructor(
    message: string,
    readonly issues?: { path: string; message: string }[],
  ) {
    super(message);
  }
}

type Listener = (m: Exclude<WorkerMessage, { type: 'reply' }>) => void;

/** The subset of a Worker the client needs (tests pass a fake). */
export interface WorkerLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (e: MessageEvent) => void): void;
  terminate(): void;
}

export class SimClient {
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private listeners = new Set<Listener>();

  constructor(private readonly worker: WorkerLike) {
    worker.addEventListener('message', (e: MessageEvent<WorkerMessage>) => this.receive(e.data));
  }

  private receive(m: WorkerMessage) {
    if (m.type === 'reply') {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(new SimCommandError(m.error, m.issues));
      return;
    }
    for (const l of this.listeners) l(m);
  }

  private send<C extends WorkerCommand>(command: C): Promise<WorkerResult<C>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, command });
    });
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  load(scenario: unknown) {
    return this.send({ do: 'load', scenario });
  }
  reset() {
    return this.send({ do: 'reset' });
  }
  /** A finished run goes on for another `duration`. */
  continueRun() {
    return this.send({ do: 'continue' });
  }
  /** The running sim's JSON report and console history. */
  report() {
    return this.send({ do: 'report' });
  }
  /** Prepares the data `scenario`'s nodes boot from, in the background, so the first Run only boots them. */
  warm(scenario: unknown) {
    return this.send({ do: 'warm', scenario });
  }
  /** A whole run of `scenario` at full speed beside the loaded sim (the bench's): its report. */
  headless(scenario: unknown) {
    return this.send({ do: 'headless', scenario });
  }
  /** Stops the headless runs under way; each rejects with "cancelled". */
  cancelHeadless() {
    return this.send({ do: 'cancelHeadless' });
  }
  /**
   * A command of the sim's one union (sim/core/commands.ts): run control, settings, faults, console SQL,
   * topology and workload. Rejects with the sim's reason when it is refused.
   */
  apply<C extends Command>(command: C) {
    return this.send(command);
  }
  /** Route explain of a statement at a sharded app or shard router, with `params` bound to its `$n`. */
  explainRoute(node: string, sql: string, params?: unknown[]) {
    return this.send({ do: 'explainRoute', node, sql, params });
  }
  /** What a reshard onto `shards` (with `strategy`) would move, read on the running shards: changes nothing. */
  reshardPlan(shards: string[], strategy?: Record<string, unknown>) {
    return this.send({ do: 'reshardPlan', shards, strategy });
  }
  /** Time and trace: fork the run at an earlier moment, follow requests, fetch a followed request's path. */
  time<C extends TimeCommand>(command: C) {
    return this.send(command);
  }
}

let client: SimClient | undefined;

/** The app's sim client; the worker starts on first use. */
export function simClient(): SimClient {
  client ??= new SimClient(new Worker(new URL('./simWorker.ts', import.meta.url), { type: 'module', name: 'sim' }));
  return client;
}
