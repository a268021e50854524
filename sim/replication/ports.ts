/**
 * The two ports between replication and the database nodes it connects, so that replication imports no
 * node class: a node that can be a primary or a standby implements `ReplicationMember` (what replication
 * needs of it), and sees replication only through the `Membership` it is given when it is attached.
 */
import type { FaultCommand } from '../core/commands.ts';
import type { SimError } from '../core/errors.ts';
import type { Scheduler } from '../core/Scheduler.ts';
import type { Network, ReplicaApply } from '../net/Link.ts';
import type { ReplicationFigures } from './figures.ts';
import type { Rng } from '../core/rng.ts';
import type { SettingValue } from '../core/units.ts';
import type { ActivityRow } from '../monitoring/activity.ts';
import type { NodeStatus, SimEvent } from '../core/contracts.ts';
import type { PreparedOperation } from '../workload/operations.ts';
import type { WriteRecord } from './Stream.ts';

export type { WriteRecord };

/** synchronous_commit's values, PostgreSQL's names. */
export const SYNCHRONOUS_COMMIT = ['off', 'local', 'remote_write', 'on', 'remote_apply'] as const;
export type SynchronousCommit = (typeof SYNCHRONOUS_COMMIT)[number];

/** What a commit waits for on its synchronous standbys: they wrote, flushed or replayed it. */
export type SyncLevel = 'write' | 'flush' | 'apply';

/** The settings replication reads on a member (a primary's and a standby's), PostgreSQL's names. */
/** What a router knows of a database endpoint in a replicated cluster. */
export interface ReplicationState {
  role: 'primary' | 'replica';
  up: boolean;
  /** Stream position replayed (a primary: the last one it wrote). */
  replayedPosition: number;
  /** How long the oldest committed write it has not replayed has been committed; 0 when caught up. */
  lagUs: number;
}

/** What replication needs of the simulation: virtual time, named random streams, events, the network. */
export interface ReplicationContext {
  readonly scheduler: Scheduler;
  rng(name: string): Rng;
  emit(event: Omit<SimEvent, 'at'>): void;
  readonly net: Network;
}

export interface ReplicationSettings {
  readonly synchronous_standby_names: string;
  /** A standby's primary_conninfo application_name (undefined: its node id; '': PostgreSQL's default). */
  readonly application_name?: string;
  readonly cluster_name: string;
  readonly recovery_min_apply_delay: SettingValue;
  readonly max_standby_streaming_delay: SettingValue;
  readonly auto_failover_after: SettingValue;
}

/** The statements of a stream record, as a standby replays them: a workload operation, or console SQL. */
export interface ShippedStatements {
  readonly op?: PreparedOperation;
  readonly params: readonly unknown[];
  readonly sql?: string;
  /** When the primary ran it (virtual µs): the replay's now(). */
  readonly sentUs: number;
}

/** What replication needs of a database node (the postgres node implements it). */
export interface ReplicationMember {
  readonly id: string;
  readonly status: NodeStatus;
  readonly settings: ReplicationSettings;
  /** Called once, before boot: the node's view of replication. */
  attachReplication(membership: Membership): void;
  /** The engine's real WAL insert position now, as pg_current_wal_lsn() shows it (pipelined: awaited by whoever needs it). */
  currentLsn(): Promise<string>;
  /** How long one WAL flush takes on its disk, µs (a standby flushing what it received). */
  flushUs(): number;
  /** How long replaying a record of `walRecords` WAL records takes, µs (its cost model; cache misses drawn from `rng`). */
  replayUs(walRecords: number, rng: Rng): number;
  /** Runs replay work (the startup process) on one of its cores, then `done`. */
  replayCpu(us: number, done: () => void): void;
  /** Makes a replayed record's changes real on its engine (pipelined, in stream order). */
  replay(rec: ShippedStatements): void;
  /** Pids of statements running now that read any of `tables` and started before `beforeUs` (recovery conflicts). */
  conflictingStatements(tables: Set<string>, beforeUs: number): number[];
  /** Cancels the statement a backend is running with `error` (its connection stays). */
  cancelStatement(pid: number, error: SimError): void;
  /** The stream position its last restartpoint keeps (a standby's; undefined before its first, and on a primary). */
  restartPosition(): number | undefined;
  /** Ends recovery (its sessions become read-write); resolves to its engine's own WAL position ('0/0' without an engine). */
  becomePrimary(): Promise<string>;
}

/** What a node sees of replication: its role, its duties on writes, reads and commits, its views and figures, its faults. */
export interface Membership {
  /** Undefined: a database node outside any replication edge. */
  readonly role: 'primary' | 'replica' | undefined;
  /** For the app's router: role, health, replay position and lag. */
  state(): ReplicationState | undefined;
  /** A write operation sent to the engine of a primary now becomes a stream record (undefined on any other node); `applies`: a followed write's (sim/net/Link.ts). */
  recordWrite(w: { op: PreparedOperation; params: readonly unknown[]; session?: number; walRecords: number; ok: Promise<boolean>; applies?: ReplicaApply[] }): WriteRecord | undefined;
  /** Console SQL that may have written (DDL included) ran on the engine now: a primary ships it, committed at once. */
  consoleWrote(sql: string, ok: boolean): void;
  /**
   * The record's transaction committed (or rolled back) on the primary now. Returns what the commit waits
   * for, as `synchronousCommit` and synchronous_standby_names say (then call `waitForStandbys`), or undefined.
   */
  resolve(rec: WriteRecord, committed: boolean, synchronousCommit?: SynchronousCommit): SyncLevel | undefined;
  /** Holds a commit until its synchronous standbys reached `level`; `answer` tells the client and says whether it was still there. */
  waitForStandbys(rec: WriteRecord, level: SyncLevel, answer: () => boolean): void;
  /** A read ran on this node now: a replica's is checked against what its primary had committed (`applies`: a followed read's, which a stale read's missed writes join). */
  checkRead(op: PreparedOperation, params: readonly unknown[], session: number | undefined, applies?: ReplicaApply[]): Promise<void> | undefined;
  /** Replication processes for pg_stat_activity: walsenders on a primary; startup and walreceiver on a replica. */
  processes(): ActivityRow[];
  /** SQL that sets the replication views and functions before a console statement (once the LSNs they show are known). */
  refreshSql(): Promise<string>;
  /** Live figures for the node's snapshot (undefined outside a replicated scenario). */
  figures(): ReplicationFigures | undefined;
  /** The node's `replication` in the report. */
  report(): Record<string, unknown> | undefined;
  /** A replication setting changed: waiting commits are looked at again. */
  settingChanged(): void;
  /** The node stopped (clean shutdown or crash) or was killed. */
  down(how: 'stopped' | 'killed'): void;
  /** The node is up again after a stop. */
  up(): void;
  /** A standby's applied stream position (what its restartpoint keeps); undefined on any other node. */
  appliedPosition(): number | undefined;
  /**
   * The node recovered from a crash (nothing committed lost): a primary's standbys reconnect; a standby, at
   * `position` (its restartpoint's), replays what its walreceiver streams again.
   */
  recovered(position: number | undefined): void;
  /** Waits until the engine has answered for every record it wrote (before it is killed). */
  settle(): Promise<void>;
  /** Promotes this replica; an error message when refused. */
  promote(): string | undefined;
  /** A lag spike on this replica (see FaultCommand); an error message when refused. */
  lagSpike(f: Extract<FaultCommand, { kind: 'lag-spike' }>): string | undefined;
}

/** Whether a node takes part in replication (implements the member port: a postgres node does). */
export function isReplicationMember<T extends object>(n: T | undefined): n is T & ReplicationMember {
  return !!n && typeof (n as ReplicationMember).attachReplication === 'function' && typeof (n as ReplicationMember).replay === 'function';
}
