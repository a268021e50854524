/**
 * A database node's real PostgreSQL: one PGlite, in this thread or in a worker of its own.
 *
 * Requests are answered in the order they were sent, which is the order of virtual time, so the
 * simulation may send a statement when its service starts and await the reply only at its completion
 * (pipelining). An engine that dies (a runaway statement killed by the watchdog) answers every
 * outstanding and later request with `EngineDeadError`.
 */
import type { EngineReply, EngineRequest } from './protocol.ts';

export interface EngineBootOptions {
  /** The data directory to start from (an uncompressed tar from `dump`). */
  snapshot: Uint8Array;
  /** Server settings fixed at start (`shared_buffers`), as postgresql.conf lines. */
  postgresqlConf: string[];
  /** A label for errors and events. */
  name: string;
  /** Real milliseconds without an answer before a worker's statement is a runaway; the factory's when omitted. */
  watchdogMs?: number;
}

export interface DbEngine {
  readonly name: string;
  readonly alive: boolean;
  request(req: EngineRequest): Promise<EngineReply>;
  /** Ends the engine at once (the worker is terminated); outstanding requests fail. */
  kill(): void;
  close(): Promise<void>;
  /** Called once when the engine dies on its own (watchdog). */
  onDeath?: (reason: string) => void;
}

export class EngineDeadError extends Error {
  constructor(
    readonly engine: string,
    readonly reason: string,
  ) {
    super(`engine ${engine} is dead: ${reason}`);
  }
}

/** Creates engines; the platform (Node, browser, tests) decides in-process or in a worker. */
export interface EngineFactory {
  readonly kind: 'in-process' | 'worker';
  create(options: EngineBootOptions): Promise<DbEngine>;
  /** Snapshots cached across runs (template and data directories), keyed by a content hash. */
  loadSnapshot(key: string): Promise<Uint8Array | undefined>;
  saveSnapshot(key: string, tar: Uint8Array): Promise<void>;
  /** A fresh data directory made by initdb (slow: done once, then cached as the template). */
  initdb(): Promise<DbEngine>;
}
