/**
 * Streaming replication between `postgres` nodes, in virtual time, with every replica's real data lagging
 * its primary's by a real amount. A replication edge is an edge from a postgres node (the primary) to
 * another postgres node (its replica); all replicas boot from the same data as the primary (a base backup
 * at time 0).
 *
 * How changes are captured: statement shipping. PGlite has no walsender and logical decoding breaks it
 * (REFERENCE.md), and row-image triggers would add real writes to every statement the cost model profiles
 * (and cannot see DDL in single-user mode). So every write operation the primary's engine runs (and every
 * console statement that may write, DDL included) becomes one record of the stream, in the order the
 * primary's engine ran them, and a replica replays a record by running the same statements with the same
 * parameters on its own PGlite (inside a transaction marked read-write, the replica's sessions being
 * read-only). Operations that failed on the primary are shipped too and fail the same way on the replica,
 * so sequences stay in step. The known price of statement shipping (MySQL's statement-based replication
 * has it too): volatile functions (random(), clock_timestamp(), and now() of column defaults, which the
 * data set binds to pg_catalog.now(), the wall clock) are evaluated again on the replica.
 *
 * Invariants:
 * - Records get consecutive sequence numbers in the primary's engine order (which is virtual order of
 *   service start). A record is shipped when it and every record before it are resolved (committed or
 *   rolled back): the stream is the WAL, in order, and a replica replays it in the same order, so its
 *   data is always the primary's data as of some prefix of the stream.
 * - Per standby: received >= flushed >= applied, all in stream order; a link delivers in order (an
 *   arrival is never earlier than the previous one); deliveries of an older connection (epoch) are dropped.
 * - A record becomes visible on a replica when its replay ends (the statements are sent to the replica's
 *   engine in that event), never earlier; a read on a replica is checked against the records the primary
 *   had committed at that virtual moment.
 * - LSNs are the primary's real WAL positions: after each write operation the node asks its engine for
 *   pg_current_wal_lsn() (pipelined; awaited only when a replica replays the record or a console shows it).
 *   A promoted replica continues the old timeline's positions (an offset onto its engine's own WAL).
 * - Commits wait for standbys exactly as synchronous_commit and synchronous_standby_names say; only
 *   standbys in state streaming count; with fewer than needed, commits wait (as PostgreSQL does).
 * - Replay is one process per replica (the startup process) on one of the replica's cores: a busy replica
 *   replays more slowly. It waits for recovery_min_apply_delay after each commit's primary timestamp, and
 *   for conflicting queries up to max_standby_streaming_delay after the record arrived, then cancels them.
 * - Nothing here reads the wall clock or Math.random: randomness comes from named streams.
 */
import { simError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import { Histogram } from '../metrics/Histogram.ts';
import { virtualTimestamp } from '../monitoring/activity.ts';
import type { ActivityRow } from '../monitoring/activity.ts';
import { cacheFractions } from '../nodes/postgres/costModel.ts';
import type { PostgresNode } from '../nodes/postgres/PostgresNode.ts';
import type { SynchronousCommit } from '../nodes/postgres/settings.ts';
import type { ReplicationState, SimContext } from '../nodes/types.ts';
import { timeUs } from '../scenario/settings.ts';
import type { PreparedOperation } from '../workload/operations.ts';
import { ConsistencyChecker } from './ConsistencyChecker.ts';
import { type Footprint, footprint, operationFootprint } from './footprint.ts';
import { parseStandbyNames, type StandbyNames, standbyPriority } from './standbyNames.ts';

/** Replay CPU: a commit record (visibility, clog) and each WAL record (redo of a heap or index change). */
export const REPLAY_COST = { commitUs: 15, walRecordUs: 4 } as const;
/** From the promote command's end of replay until the new primary accepts writes (fast promotion). */
const PROMOTE_US = 50_000;
/** A server start (stop/start fault); a follower's walreceiver restart after a failover. */
const START_US = 500_000;
const RECONNECT_US = 100_000;
/** wal_receiver_status_interval: lag figures are forgotten after a quiet interval fully caught up. */
const STATUS_INTERVAL_US = 10e6;
const CONFLICT_POLL_US = 5_000;

export type StandbyStateName = 'startup' | 'catchup' | 'streaming' | 'stopped' | 'disconnected' | 'diverged' | 'promoting' | 'promoted';

export interface WriteRecord {
  seq: number;
  timeline: number;
  origin: string;
  /** A workload operation, or console SQL. */
  op?: PreparedOperation;
  params: readonly unknown[];
  sql?: string;
  /** The workload client that sent it (read-your-writes). */
  session?: number;
  footprints: Footprint[];
  walRecords: number;
  sentUs: number;
  /** Local commit (or rollback) time on the primary, virtual. */
  resolvedUs?: number;
  state: 'open' | 'committed' | 'aborted';
  /** Whether the statements succeeded on the primary's engine. */
  ok: Promise<boolean>;
  okValue?: boolean;
  lsn: Promise<number>;
  lsnValue?: number;
  /** The client got its commit acknowledged. */
  acknowledged: boolean;
}

export interface LostWrite {
  seq: number;
  op: string;
  params: readonly unknown[];
  committedAtSeconds: number;
  acknowledged: boolean;
  session?: number;
}

interface Standby {
  id: string;
  upstream: string;
  state: StandbyStateName;
  epoch: number;
  connectedAt: number;
  pid: number;
  received: number;
  flushed: number;
  applied: number;
  /** Next seq the walsender sends to this standby. */
  sendNext: number;
  lastArrivalUs: number;
  lastFlushUs: number;
  arrivalOf: Map<number, number>;
  replaying: boolean;
  lastSendUs: number | null;
  lastReceiptUs: number | null;
  // what the primary knows from the standby's replies
  ackWrite: number;
  ackFlush: number;
  ackApply: number;
  replyTime: number | null;
  writeLag: number | null;
  flushLag: number | null;
  replayLag: number | null;
  lastProgressUs: number;
  replayLagHist: Histogram;
  catchupTarget: number;
  replayTs: number | null;
  receiveStartSeq: number;
  timeline: number;
  applyFactor: number;
  linkExtraUs: number;
}

interface Waiter {
  seq: number;
  level: 'write' | 'flush' | 'apply';
  release: () => void;
}

const lsnText = (n: number | undefined) => (n === undefined ? null : `${Math.floor(n / 2 ** 32).toString(16).toUpperCase()}/${(n % 2 ** 32).toString(16).toUpperCase()}`);
export function parseLsn(s: string): number {
  const [hi, lo] = s.split('/');
  return Number.parseInt(hi, 16) * 2 ** 32 + Number.parseInt(lo, 16);
}
const interval = (us: number | null) => (us === null ? null : `${(us / 1e6).toFixed(6)} seconds`);

export class Replication {
  /** Stream records; log[i] has seq i + 1 (records beyond a failover's fork point are removed). */
  readonly log: WriteRecord[] = [];
  readonly standbys = new Map<string, Standby>();
  readonly checker: ConsistencyChecker;
  readonly lost: LostWrite[] = [];
  private readonly nodes = new Map<string, PostgresNode>();
  private roles = new Map<string, 'primary' | 'replica'>();
  private shippable = 0;
  private waiters: Waiter[] = [];
  private timeline = 1;
  private rng: Rng;
  private nextPid = 3000;
  private readonly opFootprints = new WeakMap<PreparedOperation, Footprint[]>();
  /** The primary's engine-to-stream LSN offset (non-zero after a promotion). */
  private readonly lsnOffset = new Map<string, number>();
  private failoverTimer = false;

  constructor(
    private readonly ctx: SimContext,
    edges: { from: string; to: string }[],
    nodes: PostgresNode[],
  ) {
    for (const n of nodes) this.nodes.set(n.id, n);
    this.rng = ctx.rng('replication');
    this.checker = new ConsistencyChecker(this);
    for (const e of edges) {
      if (!this.nodes.has(e.from) || !this.nodes.has(e.to)) continue;
      this.roles.set(e.from, 'primary');
      this.roles.set(e.to, 'replica');
      this.standbys.set(e.to, this.newStandby(e.to, e.from));
    }
    for (const n of nodes) n.attachReplication(this);
  }

  private newStandby(id: string, upstream: string): Standby {
    return {
      id,
      upstream,
      state: 'startup',
      epoch: 0,
      connectedAt: 0,
      pid: (this.nextPid += 3),
      received: 0,
      flushed: 0,
      applied: 0,
      sendNext: 1,
      lastArrivalUs: 0,
      lastFlushUs: 0,
      arrivalOf: new Map(),
      replaying: false,
      lastSendUs: null,
      lastReceiptUs: null,
      ackWrite: 0,
      ackFlush: 0,
      ackApply: 0,
      replyTime: null,
      writeLag: null,
      flushLag: null,
      replayLag: null,
      lastProgressUs: 0,
      replayLagHist: new Histogram(),
      catchupTarget: 0,
      replayTs: null,
      receiveStartSeq: 0,
      timeline: 1,
      applyFactor: 1,
      linkExtraUs: 0,
    };
  }

  get now(): number {
    return this.ctx.scheduler.now;
  }

  /** The LSN of a stream position, when the primary's engine has told it. */
  lsnOf(seq: number): string | null {
    return lsnText(this.lsnAt(seq));
  }

  /** Whether the scenario has any replication edge. */
  get active(): boolean {
    return this.standbys.size > 0;
  }

  role(id: string): 'primary' | 'replica' | undefined {
    return this.roles.get(id);
  }

  /** Called when every node has booted: the walreceivers connect. */
  start(): void {
    for (const s of this.standbys.values()) this.connect(s, this.latency(s.upstream, s.id) * 3);
  }

  private node(id: string): PostgresNode | undefined {
    return this.nodes.get(id);
  }

  private latency(from: string, to: string): number {
    const net = this.ctx.net;
    return net.edge(from, to)?.latencyUs ?? net.edge(to, from)?.latencyUs ?? this.originalLatency(to);
  }

  /** A follower of a promoted replica keeps the latency of its original link. */
  private originalLatency(replica: string): number {
    for (const [id, r] of this.roles) {
      const e = r === 'primary' ? this.ctx.net.edge(id, replica) : undefined;
      if (e) return e.latencyUs;
    }
    return 0;
  }

  /** The standbys that currently stream (or try to) from `primary`. */
  private standbysOf(primary: string): Standby[] {
    return [...this.standbys.values()].filter((s) => s.upstream === primary);
  }

  // ---- the primary side ----

  private footprintsOf(op: PreparedOperation): Footprint[] {
    let f = this.opFootprints.get(op);
    if (!f) this.opFootprints.set(op, (f = operationFootprint(op.statements)));
    return f;
  }

  /**
   * A write sent to a primary's engine: a new stream record, its LSN asked of the engine only then
   * (undefined, and nothing asked, when the node has no standby to ship to).
   */
  recordWrite(
    nodeId: string,
    w: { op?: PreparedOperation; sql?: string; params: readonly unknown[]; session?: number; walRecords: number; ok: Promise<boolean>; lsn: () => Promise<string> },
  ): WriteRecord | undefined {
    if (this.roles.get(nodeId) !== 'primary') return undefined;
    const offset = this.lsnOffset.get(nodeId) ?? 0;
    const rec: WriteRecord = {
      seq: this.log.length + 1,
      timeline: this.timeline,
      origin: nodeId,
      op: w.op,
      params: w.params,
      sql: w.sql,
      session: w.session,
      footprints: w.op ? this.footprintsOf(w.op) : footprint(w.sql ?? ''),
      walRecords: Math.max(1, w.walRecords),
      sentUs: this.ctx.scheduler.now,
      state: 'open',
      ok: w.ok.catch(() => false),
      lsn: w.lsn().then(
        (t) => parseLsn(t) + offset,
        () => 0,
      ),
      acknowledged: false,
    };
    rec.ok.then((v) => (rec.okValue = v));
    rec.lsn.then((v) => (rec.lsnValue = v));
    this.log.push(rec);
    return rec;
  }

  /** The record committed (or rolled back) on its primary now. */
  resolve(rec: WriteRecord, committed: boolean): void {
    if (rec.state !== 'open') return;
    rec.state = committed ? 'committed' : 'aborted';
    rec.resolvedUs = this.ctx.scheduler.now;
    if (this.log[rec.seq - 1] !== rec) return; // lost in a failover
    this.advanceStream(rec.origin);
  }

  private advanceStream(primary: string): void {
    const before = this.shippable;
    while (this.shippable < this.log.length && this.log[this.shippable].state !== 'open') this.shippable++;
    if (this.shippable === before) return;
    for (const s of this.standbysOf(primary)) this.send(s);
  }

  /** The walsender sends what the standby does not have yet. */
  private send(s: Standby): void {
    if (s.state !== 'streaming' && s.state !== 'catchup') return;
    const primary = this.node(s.upstream);
    if (primary?.status !== 'up') return;
    const now = this.ctx.scheduler.now;
    const epoch = s.epoch;
    for (; s.sendNext <= this.shippable; s.sendNext++) {
      const rec = this.log[s.sendNext - 1];
      const arrival = Math.max(now + this.latency(s.upstream, s.id) + s.linkExtraUs, s.lastArrivalUs);
      s.lastArrivalUs = arrival;
      s.lastSendUs = now;
      this.ctx.scheduler.at(arrival, () => this.arrive(s, rec, epoch));
    }
  }

  /** How a commit waits: the level its synchronous_commit asks of synchronous standbys, if any. */
  commitWait(nodeId: string, level: SynchronousCommit): Waiter['level'] | undefined {
    if (this.roles.get(nodeId) !== 'primary' || level === 'off' || level === 'local') return undefined;
    if (!this.standbyNames(nodeId)) return undefined;
    return level === 'remote_write' ? 'write' : level === 'on' ? 'flush' : 'apply';
  }

  /** Holds a commit's reply until the synchronous standbys have reached `level` for it. */
  waitForStandbys(rec: WriteRecord, level: Waiter['level'], release: () => void): void {
    const w = { seq: rec.seq, level, release };
    if (this.released(rec.origin, w)) release();
    else this.waiters.push(w);
  }

  private standbyNames(nodeId: string): StandbyNames | undefined {
    const p = parseStandbyNames(this.node(nodeId)?.settings.synchronous_standby_names ?? '');
    return p && !('error' in p) ? p : undefined;
  }

  /** sync_state and sync_priority of each standby of `primary`, as pg_stat_replication shows them. */
  syncStates(primary: string): Map<string, { state: 'async' | 'potential' | 'sync' | 'quorum'; priority: number }> {
    const out = new Map<string, { state: 'async' | 'potential' | 'sync' | 'quorum'; priority: number }>();
    const names = this.standbyNames(primary);
    const standbys = this.standbysOf(primary).filter((s) => s.state === 'streaming' || s.state === 'catchup');
    if (!names) {
      for (const s of standbys) out.set(s.id, { state: 'async', priority: 0 });
      return out;
    }
    const ranked = standbys
      .map((s) => ({ s, p: standbyPriority(names, s.id) }))
      .filter((x) => x.p > 0)
      .sort((a, b) => a.p - b.p || a.s.id.localeCompare(b.s.id));
    let chosen = 0;
    for (const s of standbys) out.set(s.id, { state: 'async', priority: 0 });
    for (const { s, p } of ranked) {
      if (names.method === 'any') out.set(s.id, { state: 'quorum', priority: p });
      else if (s.state === 'streaming' && chosen < names.num) {
        out.set(s.id, { state: 'sync', priority: p });
        chosen++;
      } else out.set(s.id, { state: 'potential', priority: p });
    }
    return out;
  }

  private released(primary: string, w: Waiter): boolean {
    const names = this.standbyNames(primary);
    if (!names) return true;
    const pos = (s: Standby) => (w.level === 'write' ? s.ackWrite : w.level === 'flush' ? s.ackFlush : s.ackApply);
    const states = this.syncStates(primary);
    const eligible = this.standbysOf(primary).filter((s) => s.state === 'streaming' && states.get(s.id)?.state !== 'async');
    if (names.method === 'first') {
      const sync = eligible.filter((s) => states.get(s.id)?.state === 'sync');
      return sync.length >= names.num && sync.every((s) => pos(s) >= w.seq);
    }
    return eligible.filter((s) => pos(s) >= w.seq).length >= names.num;
  }

  /** Re-evaluates waiting commits (an ack came, a standby changed state, a setting changed). */
  recheckWaiters(): void {
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    const go: Waiter[] = [];
    for (const w of this.waiters) {
      const rec = this.log[w.seq - 1];
      if (!rec || this.released(rec.origin, w)) go.push(w);
      else still.push(w);
    }
    this.waiters = still;
    for (const w of go) w.release();
  }

  // ---- the standby side ----

  private connect(s: Standby, delayUs: number): void {
    const epoch = ++s.epoch;
    s.state = 'startup';
    this.ctx.scheduler.after(delayUs, () => {
      if (s.epoch !== epoch) return;
      const primary = this.node(s.upstream);
      const replica = this.node(s.id);
      if (primary?.status !== 'up' || replica?.status !== 'up') {
        s.state = 'disconnected';
        return;
      }
      s.connectedAt = this.ctx.scheduler.now;
      s.pid = this.nextPid;
      this.nextPid += 3; // walsender, walreceiver (+1), startup (+2)
      s.receiveStartSeq = s.flushed;
      s.sendNext = s.flushed + 1;
      s.lastArrivalUs = 0;
      s.timeline = this.timeline;
      s.catchupTarget = this.shippable;
      s.state = s.flushed >= this.shippable ? 'streaming' : 'catchup';
      this.send(s);
      this.recheckWaiters();
      this.kickReplay(s);
    });
  }

  private disconnect(s: Standby, state: StandbyStateName): void {
    s.epoch++;
    s.state = state;
    s.received = s.flushed;
    this.recheckWaiters();
  }

  private arrive(s: Standby, rec: WriteRecord, epoch: number): void {
    if (s.epoch !== epoch || rec.seq !== s.received + 1) return;
    const now = this.ctx.scheduler.now;
    s.received = rec.seq;
    s.arrivalOf.set(rec.seq, now);
    s.lastReceiptUs = now;
    const back = this.latency(s.upstream, s.id) + s.linkExtraUs;
    this.ctx.scheduler.after(back, () => this.ack(s, epoch, 'write', rec));
    const disk = this.node(s.id)?.hardware().diskLatencyUs ?? 0;
    const flushAt = Math.max(now + disk, s.lastFlushUs);
    s.lastFlushUs = flushAt;
    this.ctx.scheduler.at(flushAt, () => {
      if (s.epoch !== epoch || rec.seq <= s.flushed) return;
      s.flushed = rec.seq;
      this.ctx.scheduler.after(back, () => this.ack(s, epoch, 'flush', rec));
      this.kickReplay(s);
    });
  }

  /** A standby's reply reaches the primary. */
  private ack(s: Standby, epoch: number, what: 'write' | 'flush' | 'apply', rec: WriteRecord): void {
    if (s.epoch !== epoch) return;
    const now = this.ctx.scheduler.now;
    const lag = rec.resolvedUs !== undefined ? now - rec.resolvedUs : null;
    s.replyTime = now;
    if (what === 'write' && rec.seq > s.ackWrite) {
      s.ackWrite = rec.seq;
      s.writeLag = lag;
    } else if (what === 'flush' && rec.seq > s.ackFlush) {
      s.ackFlush = rec.seq;
      s.flushLag = lag;
    } else if (what === 'apply' && rec.seq > s.ackApply) {
      s.ackApply = rec.seq;
      s.replayLag = lag;
      if (lag !== null) s.replayLagHist.record(lag);
    }
    s.lastProgressUs = now;
    if (s.state === 'catchup' && s.ackWrite >= s.catchupTarget) s.state = 'streaming';
    this.recheckWaiters();
  }

  /** The startup process: replays flushed records one at a time. */
  private kickReplay(s: Standby): void {
    if (s.replaying || s.state === 'stopped' || s.state === 'promoted' || s.applied >= s.flushed) return;
    const replica = this.node(s.id);
    if (replica?.status !== 'up') return;
    const rec = this.log[s.applied];
    if (!rec) return;
    s.replaying = true;
    const now = this.ctx.scheduler.now;
    const delay = s.state === 'promoting' ? 0 : timeUs(replica.settings.recovery_min_apply_delay);
    if (rec.state === 'committed' && delay > 0 && rec.resolvedUs! + delay > now) {
      this.ctx.scheduler.at(rec.resolvedUs! + delay, () => this.replayConflicts(s, rec));
      return;
    }
    void this.replayConflicts(s, rec);
  }

  /** Waits for queries that conflict with replaying `rec`, up to max_standby_streaming_delay, then cancels them. */
  private replayConflicts(s: Standby, rec: WriteRecord): void {
    const replica = this.node(s.id);
    if (replica?.status !== 'up' || s.state === 'stopped') {
      s.replaying = false;
      return;
    }
    const cleanup = rec.state === 'committed' && rec.footprints.some((f) => f.kind === 'update' || f.kind === 'delete' || f.kind === 'ddl' || f.kind === 'other');
    if (cleanup) {
      const tables = new Set(rec.footprints.filter((f) => f.kind !== 'insert').map((f) => f.table));
      const conflicting = replica.conflictingStatements(tables, rec.resolvedUs!);
      if (conflicting.length > 0) {
        const setting = replica.settings.max_standby_streaming_delay;
        const maxDelay = setting === -1 ? Number.POSITIVE_INFINITY : timeUs(setting);
        const deadline = (s.arrivalOf.get(rec.seq) ?? this.ctx.scheduler.now) + maxDelay;
        if (this.ctx.scheduler.now < deadline) {
          this.ctx.scheduler.after(Math.min(CONFLICT_POLL_US, deadline - this.ctx.scheduler.now), () => this.replayConflicts(s, rec));
          return;
        }
        const ddl = rec.footprints.some((f) => f.kind === 'ddl');
        for (const pid of conflicting) {
          replica.cancelStatement(
            pid,
            simError('serialization_failure', {
              detail: ddl ? 'User was holding a relation lock for too long.' : 'User query might have needed to see row versions that must be removed.',
              hint: 'In a moment you should be able to reconnect to the database and repeat your command.',
            }),
          );
        }
        this.checker.conflictCancelled(s.id, conflicting.length);
      }
    }
    replica.replayCpu(this.replayUs(replica, rec) * s.applyFactor, () => this.replayed(s, rec));
  }

  private replayUs(replica: PostgresNode, rec: WriteRecord): number {
    const f = cacheFractions(replica.hardware());
    const h = replica.hardware();
    const misses = this.rng.binomial(rec.walRecords, 1 - f.sharedBuffers);
    const disk = this.rng.binomial(misses, f.sharedBuffers >= 1 ? 0 : f.disk / (1 - f.sharedBuffers));
    return REPLAY_COST.commitUs + rec.walRecords * REPLAY_COST.walRecordUs + (misses - disk) * 5 + disk * h.diskLatencyUs;
  }

  private replayed(s: Standby, rec: WriteRecord): void {
    s.replaying = false;
    const replica = this.node(s.id);
    if (replica?.status !== 'up' || rec.seq !== s.applied + 1) return;
    replica.replayOnEngine(rec);
    s.applied = rec.seq;
    s.arrivalOf.delete(rec.seq);
    if (rec.resolvedUs !== undefined) s.replayTs = rec.resolvedUs;
    const epoch = s.epoch;
    if (s.state !== 'promoting' && s.state !== 'promoted') {
      this.ctx.scheduler.after(this.latency(s.upstream, s.id) + s.linkExtraUs, () => {
        if (s.epoch === epoch) this.ack(s, epoch, 'apply', rec);
      });
    }
    if (s.state === 'promoting' && s.applied >= s.received) {
      this.ctx.scheduler.after(PROMOTE_US, () => this.finishPromotion(s));
      return;
    }
    this.kickReplay(s);
  }

  // ---- reads, for the router and the checker ----

  /** How far behind a replica's visible data is: now minus the oldest committed record it has not replayed. */
  visibleLagUs(replicaId: string): number {
    const s = this.standbys.get(replicaId);
    if (!s) return 0;
    const now = this.ctx.scheduler.now;
    for (let i = s.applied; i < this.log.length; i++) {
      const r = this.log[i];
      if (r.state === 'committed' && r.resolvedUs! <= now) return now - r.resolvedUs!;
    }
    return 0;
  }

  /** For the router: a database endpoint's role, health, replay position and lag. */
  state(nodeId: string): ReplicationState | undefined {
    const role = this.roles.get(nodeId);
    if (!role) return undefined;
    const n = this.node(nodeId);
    const s = this.standbys.get(nodeId);
    return {
      role,
      up: n?.status === 'up',
      replayedPosition: role === 'primary' ? this.log.length : (s?.applied ?? 0),
      lagUs: role === 'primary' ? 0 : this.visibleLagUs(nodeId),
    };
  }

  // ---- faults ----

  /** The node stopped (clean shutdown) or died. */
  nodeDown(nodeId: string, how: 'stopped' | 'killed'): void {
    const s = this.standbys.get(nodeId);
    if (s && this.roles.get(nodeId) === 'replica') {
      this.disconnect(s, 'stopped');
      s.replaying = false;
    }
    if (this.roles.get(nodeId) === 'primary') {
      for (const st of this.standbysOf(nodeId)) if (st.state !== 'stopped') this.disconnect(st, 'disconnected');
      // commits still waiting die with their connections
      for (const r of this.log) if (r.origin === nodeId && r.state === 'open') r.state = 'aborted';
      const delay = timeUs(this.node(nodeId)?.settings.auto_failover_after ?? 0);
      if (how === 'killed' && delay > 0 && !this.failoverTimer) {
        this.failoverTimer = true;
        this.ctx.scheduler.after(delay, () => {
          this.failoverTimer = false;
          const best = this.bestCandidate(nodeId);
          if (best) this.promote(best.id, true);
          else this.ctx.emit({ type: 'failover', node: nodeId, message: `automatic failover of ${nodeId}: no replica to promote` });
        });
      }
    }
  }

  /**
   * Waits until the engine of `nodeId` has answered for every record it wrote (before it is killed, so
   * whether they succeeded and their LSNs are known, deterministically).
   */
  async settleNode(nodeId: string): Promise<void> {
    await Promise.all(this.log.filter((r) => r.origin === nodeId && (r.okValue === undefined || r.lsnValue === undefined)).flatMap((r) => [r.ok, r.lsn]));
  }

  /** The node is up again after a stop. */
  nodeUp(nodeId: string): void {
    const s = this.standbys.get(nodeId);
    if (s && this.roles.get(nodeId) === 'replica') this.connect(s, RECONNECT_US);
    if (this.roles.get(nodeId) === 'primary') for (const st of this.standbysOf(nodeId)) if (st.state === 'disconnected') this.connect(st, RECONNECT_US);
  }

  /** A replica that restarted from the scenario's data snapshot has replayed nothing: it streams from the start again. */
  nodeRestartedFromSnapshot(nodeId: string): void {
    const s = this.standbys.get(nodeId);
    if (!s || this.roles.get(nodeId) !== 'replica') return;
    s.received = s.flushed = s.applied = 0;
    s.replayTs = null;
    this.connect(s, RECONNECT_US);
  }

  private bestCandidate(primary: string): Standby | undefined {
    // the most advanced; on a tie a synchronous standby (by its priority), as Patroni's synchronous_mode does
    const names = this.standbyNames(primary);
    const prio = (s: Standby) => (names ? standbyPriority(names, s.id) || Number.MAX_SAFE_INTEGER : Number.MAX_SAFE_INTEGER);
    let best: Standby | undefined;
    for (const s of this.standbysOf(primary)) {
      if (s.state === 'stopped' || s.state === 'diverged' || this.node(s.id)?.status !== 'up') continue;
      if (!best || s.received > best.received || (s.received === best.received && prio(s) < prio(best))) best = s;
    }
    return best;
  }

  /** A lag spike on a replica: its replay slowed by `applyFactor` and/or its link delayed, for `durationUs`. */
  lagSpike(replicaId: string, o: { applyFactor?: number; linkDelayUs?: number; durationUs?: number }): string | undefined {
    const s = this.standbys.get(replicaId);
    if (!s) return `${replicaId} is not a replica`;
    s.applyFactor = Math.max(1, o.applyFactor ?? 1);
    s.linkExtraUs = Math.max(0, o.linkDelayUs ?? 0);
    this.ctx.emit({
      type: 'replication',
      node: replicaId,
      message: `lag spike on ${replicaId}: replay ${s.applyFactor}x slower, link +${s.linkExtraUs / 1000} ms${o.durationUs ? ` for ${o.durationUs / 1e6} s` : ''}`,
    });
    if (o.durationUs) {
      this.ctx.scheduler.after(o.durationUs, () => {
        s.applyFactor = 1;
        s.linkExtraUs = 0;
        this.ctx.emit({ type: 'replication', node: replicaId, message: `lag spike on ${replicaId} is over` });
      });
    }
    return undefined;
  }

  /**
   * Promotes a replica: its walreceiver stops, it replays everything it received, then it is a primary on
   * a new timeline; the other replicas follow it (those that received more than it did have diverged);
   * committed writes it never received are lost.
   */
  promote(replicaId: string, automatic = false): string | undefined {
    const s = this.standbys.get(replicaId);
    if (!s || this.roles.get(replicaId) !== 'replica') return `${replicaId} is not a replica`;
    const n = this.node(replicaId);
    if (n?.status !== 'up') return `${replicaId} is not running`;
    if (s.state === 'promoting') return `${replicaId} is already being promoted`;
    s.epoch++;
    s.state = 'promoting';
    s.flushed = s.received;
    this.ctx.emit({
      type: 'failover',
      node: replicaId,
      message: `${automatic ? 'automatic failover: ' : ''}promoting ${replicaId} (received up to record ${s.received}, replayed ${s.applied})`,
    });
    if (s.replaying) return undefined; // replayed() finishes the promotion
    if (s.applied >= s.received) this.ctx.scheduler.after(PROMOTE_US, () => this.finishPromotion(s));
    else this.kickReplay(s);
    return undefined;
  }

  private async finishPromotion(s: Standby): Promise<void> {
    if (s.state !== 'promoting') return;
    const node = this.node(s.id)!;
    const old = s.upstream;
    const fork = s.received;
    // committed writes the new primary never received are lost
    const lostRecords = this.log.slice(fork);
    for (const r of lostRecords) {
      if (r.state !== 'committed') continue;
      if (!(await r.ok)) continue;
      this.lost.push({
        seq: r.seq,
        op: r.op?.name ?? (r.sql ?? '').slice(0, 200),
        params: r.params,
        committedAtSeconds: r.resolvedUs! / 1e6,
        acknowledged: r.acknowledged,
        session: r.session,
      });
    }
    this.log.length = fork;
    this.shippable = Math.min(this.shippable, fork);
    for (const w of this.waiters) w.release();
    this.waiters = [];
    this.timeline++;
    s.state = 'promoted';
    this.promotedReplayTs.set(s.id, s.replayTs);
    this.roles.set(s.id, 'primary');
    this.standbys.delete(s.id);
    const forkLsn = fork > 0 ? ((await this.log[fork - 1].lsn) ?? 0) : 0;
    this.lsnOffset.set(s.id, Math.max(0, forkLsn + 40 - (await node.becomePrimary())));
    this.ctx.emit({
      type: 'promoted',
      node: s.id,
      message: `${s.id} is the primary now (timeline ${this.timeline}); ${this.lost.length} committed write(s) of ${old} were never received and are lost`,
    });
    for (const o of this.standbys.values()) {
      if (o.upstream !== old) continue;
      o.upstream = s.id;
      if (o.received > fork) {
        this.disconnect(o, 'diverged');
        this.ctx.emit({
          type: 'replication',
          node: o.id,
          message: `${o.id} cannot follow ${s.id}: new timeline ${this.timeline} forked off before its recovery point (it needs pg_rewind)`,
        });
      } else if (o.state !== 'stopped') {
        this.connect(o, RECONNECT_US);
        this.ctx.emit({ type: 'replication', node: o.id, message: `${o.id} follows the new primary ${s.id}` });
      }
    }
  }

  /** Starts a stopped node (START_US later it accepts connections, and a replica reconnects). */
  get startDelayUs(): number {
    return START_US;
  }

  // ---- monitoring views ----

  /** Waits until every LSN the views may show is known (console only, between events). */
  async settleLsns(): Promise<void> {
    await Promise.all(this.log.slice(-2000).map((r) => r.lsn));
  }

  private lsnAt(seq: number): number | undefined {
    if (seq <= 0) return undefined;
    return this.log[Math.min(seq, this.log.length) - 1]?.lsnValue;
  }

  /** Whether the lag figures are still shown (PostgreSQL forgets them after a quiet, caught-up interval). */
  private lagShown(s: Standby): boolean {
    return !(s.ackApply >= this.shippable && this.ctx.scheduler.now - s.lastProgressUs >= STATUS_INTERVAL_US);
  }

  /** SQL that sets the replication views and functions of a node before a console statement. */
  refreshSql(nodeId: string): string {
    const ts = (us: number | null) => (us === null ? null : virtualTimestamp(us));
    const repl: unknown[] = [];
    let walReceiver: unknown[] = [];
    const role = this.roles.get(nodeId);
    if (role === 'primary') {
      const states = this.syncStates(nodeId);
      for (const s of this.standbysOf(nodeId)) {
        if (s.state !== 'streaming' && s.state !== 'catchup') continue;
        const shown = this.lagShown(s);
        const st = states.get(s.id) ?? { state: 'async', priority: 0 };
        repl.push({
          pid: s.pid,
          usesysid: 10,
          usename: 'postgres',
          application_name: s.id,
          client_addr: this.addr(s.id),
          client_hostname: null,
          client_port: 40000 + (s.pid % 20000),
          backend_start: ts(s.connectedAt),
          backend_xmin: null,
          state: s.state,
          sent_lsn: lsnText(this.lsnAt(s.sendNext - 1) ?? this.lsnAt(s.flushed)),
          write_lsn: lsnText(this.lsnAt(s.ackWrite)),
          flush_lsn: lsnText(this.lsnAt(s.ackFlush)),
          replay_lsn: lsnText(this.lsnAt(s.ackApply)),
          write_lag: shown ? interval(s.writeLag) : null,
          flush_lag: shown ? interval(s.flushLag) : null,
          replay_lag: shown ? interval(s.replayLag) : null,
          sync_priority: st.priority,
          sync_state: st.state,
          reply_time: ts(s.replyTime),
        });
      }
    }
    const s = this.standbys.get(nodeId);
    if (s && role === 'replica' && (s.state === 'streaming' || s.state === 'catchup')) {
      walReceiver = [
        {
          pid: s.pid + 1,
          status: 'streaming',
          receive_start_lsn: lsnText(this.lsnAt(s.receiveStartSeq) ?? this.lsnAt(1)),
          receive_start_tli: s.timeline,
          written_lsn: lsnText(this.lsnAt(s.received)),
          flushed_lsn: lsnText(this.lsnAt(s.flushed)),
          received_tli: s.timeline,
          last_msg_send_time: ts(s.lastSendUs),
          last_msg_receipt_time: ts(s.lastReceiptUs),
          latest_end_lsn: lsnText(this.lsnAt(s.received)),
          latest_end_time: ts(s.lastReceiptUs),
          slot_name: null,
          sender_host: s.upstream,
          sender_port: 5432,
          conninfo: `user=postgres passfile=/var/lib/postgresql/.pgpass channel_binding=prefer dbname=replication host=${s.upstream} port=5432 fallback_application_name=${s.id} sslmode=prefer`,
        },
      ];
    }
    const replica = role === 'replica';
    const standby = this.standbys.get(nodeId);
    const replayTs = standby?.replayTs ?? this.promotedReplayTs.get(nodeId) ?? null;
    const quote = (v: string) => `'${v.replace(/'/g, "''")}'`;
    const set = (k: string, v: string) => `set_config('sim.${k}', ${quote(v)}, false)`;
    return `SELECT ${[
      set('replication', JSON.stringify(repl)),
      set('wal_receiver', JSON.stringify(walReceiver)),
      set('in_recovery', replica ? 'on' : 'off'),
      set('replay_ts', replayTs === null ? '' : virtualTimestamp(replayTs)),
      set('replay_lsn', replica && standby ? (lsnText(this.lsnAt(standby.applied)) ?? '') : ''),
      set('receive_lsn', replica && standby ? (lsnText(this.lsnAt(standby.flushed)) ?? '') : ''),
      set('lsn_offset', String(this.lsnOffset.get(nodeId) ?? 0)),
    ].join(', ')}`;
  }

  private readonly promotedReplayTs = new Map<string, number | null>();

  private addr(id: string): string {
    const i = [...this.nodes.keys()].indexOf(id);
    return `10.0.1.${i + 1}`;
  }

  /** Replication processes for pg_stat_activity: walsenders on a primary; startup and walreceiver on a replica. */
  activityRows(nodeId: string): ActivityRow[] {
    const rows: ActivityRow[] = [];
    const role = this.roles.get(nodeId);
    if (role === 'primary') {
      for (const s of this.standbysOf(nodeId)) {
        if (s.state !== 'streaming' && s.state !== 'catchup') continue;
        rows.push({
          pid: s.pid,
          datname: null,
          usename: 'postgres',
          applicationName: s.id,
          clientAddr: this.addr(s.id),
          clientPort: 40000 + (s.pid % 20000),
          backendStart: s.connectedAt,
          xactStart: null,
          queryStart: s.connectedAt,
          stateChange: s.connectedAt,
          waitEventType: 'Activity',
          waitEvent: 'WalSenderMain',
          state: 'active',
          query: `START_REPLICATION 0/3000000 TIMELINE ${s.timeline}`,
          backendType: 'walsender',
        });
      }
    }
    const s = this.standbys.get(nodeId);
    if (s && role === 'replica') {
      rows.push({
        pid: s.pid + 2,
        datname: null,
        usename: null,
        applicationName: '',
        clientAddr: null,
        clientPort: null,
        backendStart: 0,
        xactStart: null,
        queryStart: null,
        stateChange: null,
        waitEventType: s.replaying ? null : 'IPC',
        waitEvent: s.replaying ? null : 'RecoveryWalStream',
        state: null,
        query: '',
        backendType: 'startup',
      });
      if (s.state === 'streaming' || s.state === 'catchup') {
        rows.push({
          pid: s.pid + 1,
          datname: null,
          usename: null,
          applicationName: '',
          clientAddr: null,
          clientPort: null,
          backendStart: s.connectedAt,
          xactStart: null,
          queryStart: null,
          stateChange: null,
          waitEventType: 'Activity',
          waitEvent: 'WalReceiverMain',
          state: null,
          query: '',
          backendType: 'walreceiver',
        });
      }
    }
    return rows;
  }

  // ---- figures ----

  /** Live figures of a node's replication, for its snapshot. */
  nodeFigures(nodeId: string): Record<string, unknown> | undefined {
    const role = this.roles.get(nodeId);
    if (!role) return undefined;
    if (role === 'primary') {
      const states = this.syncStates(nodeId);
      return {
        role,
        timeline: this.timeline,
        position: this.log.length,
        lsn: lsnText(this.lsnAt(this.log.length)),
        waitingCommits: this.waiters.length,
        standbys: this.standbysOf(nodeId).map((s) => ({ id: s.id, state: s.state, syncState: states.get(s.id)?.state ?? null })),
      };
    }
    const s = this.standbys.get(nodeId)!;
    const st = this.syncStates(s.upstream).get(s.id);
    return {
      role,
      upstream: s.upstream,
      state: s.state,
      syncState: st?.state ?? null,
      received: s.received,
      flushed: s.flushed,
      applied: s.applied,
      primaryPosition: this.log.length,
      replayLsn: lsnText(this.lsnAt(s.applied)),
      receiveLsn: lsnText(this.lsnAt(s.received)),
      /** Visible lag: how long the oldest committed write it has not replayed has been committed. */
      replayDelayMs: this.visibleLagUs(s.id) / 1000,
      writeLagMs: s.writeLag === null ? null : s.writeLag / 1000,
      flushLagMs: s.flushLag === null ? null : s.flushLag / 1000,
      replayLagMs: s.replayLag === null ? null : s.replayLag / 1000,
      recordsBehind: this.log.length - s.applied,
      applyFactor: s.applyFactor,
      linkExtraMs: s.linkExtraUs / 1000,
      consistency: this.checker.replicaFigures(s.id),
      staleSamples: this.checker.samples(s.id),
    };
  }

  /** The report's `replication` of a replica: replay_lag distribution (as pg_stat_replication measures it), state, sync_state. */
  replicaReport(nodeId: string): Record<string, unknown> | undefined {
    const s = this.standbys.get(nodeId);
    if (!s) {
      if (this.roles.get(nodeId) === 'primary') return { role: 'primary', timeline: this.timeline, records: this.log.length };
      return undefined;
    }
    const h = s.replayLagHist;
    const ms = (us: number) => Math.round(us) / 1000;
    return {
      role: 'replica',
      upstream: s.upstream,
      replayLagMs: { p50: ms(h.percentile(50)), p95: ms(h.percentile(95)), max: ms(h.max) },
      state: s.state,
      syncState: this.syncStates(s.upstream).get(s.id)?.state ?? null,
      recordsApplied: s.applied,
      recordsBehind: this.log.length - s.applied,
      consistency: this.checker.replicaFigures(s.id),
    };
  }

  /** A read ran on `nodeId` now: checked against what the primary had committed. */
  checkRead(nodeId: string, op: PreparedOperation, params: readonly unknown[], session: number | undefined): Promise<void> | undefined {
    const role = this.roles.get(nodeId);
    if (role === 'primary') {
      this.checker.primaryRead();
      return undefined;
    }
    const s = this.standbys.get(nodeId);
    if (!s) return undefined;
    return this.checker.check(s.id, s.applied, this.footprintsOf(op), op.name, params, session);
  }
}
