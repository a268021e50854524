/**
 * The renderer's one way to the simulation: a typed client of the sim worker. Commands return promises;
 * snapshots, progress and state changes arrive through `subscribe`. Nothing else in the renderer talks
 * to the sim worker.
 */
import type { CommandResults, FaultCommand, SimCommand, WorkerMessage } from './protocol.ts';

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

  send<C extends SimCommand>(command: C): Promise<CommandResults[C['type']]> {
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
    return this.send({ type: 'load', scenario });
  }
  run() {
    return this.send({ type: 'run' });
  }
  pause() {
    return this.send({ type: 'pause' });
  }
  step(us?: number) {
    return this.send({ type: 'step', us });
  }
  setSpeed(speed: 'max' | number) {
    return this.send({ type: 'speed', speed });
  }
  setNodeSetting(node: string, name: string, value: unknown) {
    return this.send({ type: 'setNodeSetting', node, name, value });
  }
  runSql(node: string, sql: string) {
    return this.send({ type: 'runSql', node, sql });
  }
  reset() {
    return this.send({ type: 'reset' });
  }
  /** A fault on a postgres node now; rejects with the sim's reason when it is refused. */
  fault(fault: FaultCommand) {
    return this.send({ type: 'fault', fault });
  }
}

let client: SimClient | undefined;

/** The app's sim client; the worker starts on first use. */
export function simClient(): SimClient {
  client ??= new SimClient(new Worker(new URL('./simWorker.ts', import.meta.url), { type: 'module', name: 'sim' }));
  return client;
}
