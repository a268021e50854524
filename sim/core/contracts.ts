/**
 * The contracts every layer of the sim shares: events, a console statement's result, a node's status.
 * Plain data, importing nothing but the error catalogue.
 */
import type { SimError } from './errors.ts';

/** A node's state: booting, serving, restarting after a crash, or down (stopped, killed, paused). */
export type NodeStatus = 'booting' | 'up' | 'restarting' | 'down';

/** What a console statement returns: rows (capped) or the real system's error. */
export interface ConsoleResult {
  node: string;
  query: string;
  columns: string[];
  /** Each column's type OID, where the node knows it. */
  types?: number[];
  rows: unknown[][];
  rowCount: number;
  command?: string;
  truncated?: boolean;
  error?: SimError;
}

export interface SimEvent {
  /** Virtual time, microseconds. */
  at: number;
  type:
    | 'node-booted'
    | 'node-crashed'
    | 'node-restarted'
    | 'setting-applied'
    | 'restart-required'
    | 'console'
    /** A command of a replayed journal that the simulation refused (sim/core/commands.ts). */
    | 'command-refused'
    | 'run-finished'
    /** A postgres node's checkpoint (a restartpoint on a standby), as log_checkpoints logs it. */
    | 'checkpoint'
    // replication (sim/replication/): a node stopped, started or was killed; a promotion; stream changes
    | 'node-stopped'
    | 'node-started'
    | 'node-killed'
    | 'failover'
    | 'promoted'
    | 'replication'
    /** A node re-pointed at another database node (the `repoint` command: a VIP or DNS name moved). */
    | 'repointed'
    /** A reshard's copy started or its cutover happened (sim/sharding/reshard.ts). */
    | 'reshard';
  node?: string;
  message: string;
}

