/**
 * One standby: its walreceiver (what it received and flushed of its upstream's stream, the replies it sends
 * back) and its startup process (replay in stream order, recovery_min_apply_delay, recovery conflicts).
 * The model's invariants are in Replication.ts.
 */
import { simError } from '../core/errors.ts';
import { Histogram } from '../metrics/Histogram.ts';
import type { Edge, Link } from '../net/Link.ts';
import { timeUs } from '../scenario/settings.ts';
import type { ReplicationMember } from './ports.ts';
import { appliedOn, type Cluster, type Stream, type WriteRecord } from './Stream.ts';

export type StandbyStateName = 'startup' | 'catchup' | 'streaming' | 'stopped' | 'disconnected' | 'diverged' | 'promoting' | 'promoted';

/** From the promote command's end of replay until the new primary accepts writes (fast promotion). */
const PROMOTE_US = 50_000;
/** wal_receiver_status_interval: lag figures are forgotten after a quiet interval fully caught up. */
export const STATUS_INTERVAL_US = 10e6;
const CONFLICT_POLL_US = 5_000;

export class Standby {
  state: StandbyStateName = 'startup';
  /** Bumped at every (re)connection and disconnection: deliveries and replies of an older one are dropped. */
  epoch = 0;
  connectedAt = 0;
  pid: number;
  received = 0;
  flushed = 0;
  applied = 0;
  /** Next seq the walsender sends to this standby. */
  sendNext = 1;
  private lastFlushUs = 0;
  private readonly arrivalOf = new Map<number, number>();
  replaying = false;
  lastSendUs: number | null = null;
  lastReceiptUs: number | null = null;
  // what the primary knows from the standby's replies
  ackWrite = 0;
  ackFlush = 0;
  ackApply = 0;
  replyTime: number | null = null;
  writeLag: number | null = null;
  flushLag: number | null = null;
  replayLag: number | null = null;
  lastProgressUs = 0;
  readonly replayLagHist = new Histogram();
  private catchupTarget = 0;
  /** The primary's commit time of the last record replayed (pg_last_xact_replay_timestamp). */
  replayTs: number | null = null;
  /** The record its walreceiver started streaming after (pg_stat_wal_receiver's receive_start_lsn; undefined: the stream's start). */
  receiveStart: WriteRecord | undefined;
  timeline = 1;
  /** A lag spike's replay slowdown. */
  applyFactor = 1;
  /** The walsender's connection: a Link over the standby's replication edge, new at each connection. */
  link: Link;

  /**
   * `edge`: its replication edge in the scenario; it keeps that edge's latency (and a lag spike's extra
   * delay) when it follows a promoted replica.
   */
  constructor(
    readonly node: ReplicationMember,
    public stream: Stream,
    readonly edge: Edge,
    private readonly cluster: Cluster,
  ) {
    this.pid = cluster.pids();
    this.link = this.newLink();
  }

  get id(): string {
    return this.node.id;
  }

  private get now(): number {
    return this.cluster.ctx.scheduler.now;
  }

  private newLink(): Link {
    return this.cluster.ctx.net.link(this.stream.primary.id, this.id, this.edge);
  }

  /** The walreceiver connects `delayUs` from now, if both ends are up then, and streams from what it flushed. */
  connect(delayUs: number): void {
    const epoch = ++this.epoch;
    this.state = 'startup';
    this.cluster.ctx.scheduler.after(delayUs, () => {
      if (this.epoch !== epoch) return;
      const stream = this.stream;
      if (stream.primary.status !== 'up' || this.node.status !== 'up') {
        this.state = 'disconnected';
        return;
      }
      this.connectedAt = this.now;
      this.pid = this.cluster.pids();
      this.link = this.newLink();
      this.receiveStart = stream.log.at(this.flushed);
      this.sendNext = this.flushed + 1;
      this.timeline = stream.timeline;
      this.catchupTarget = stream.sendable;
      this.state = this.flushed >= stream.sendable ? 'streaming' : 'catchup';
      stream.send(this);
      stream.recheckWaiters();
      this.kickReplay();
    });
  }

  disconnect(state: StandbyStateName): void {
    this.epoch++;
    this.state = state;
    this.received = this.flushed;
    this.stream.recheckWaiters();
  }

  /** A record of connection `epoch` arrives: written now, flushed after the disk's latency; each step is acknowledged. */
  receive(rec: WriteRecord, epoch: number): void {
    if (this.epoch !== epoch || rec.seq !== this.received + 1) return;
    const now = this.now;
    this.received = rec.seq;
    this.arrivalOf.set(rec.seq, now);
    this.lastReceiptUs = now;
    const back = this.link.latencyUs;
    this.cluster.ctx.scheduler.after(back, () => this.ack(epoch, 'write', rec));
    const flushAt = Math.max(now + this.node.flushUs(), this.lastFlushUs);
    this.lastFlushUs = flushAt;
    this.cluster.ctx.scheduler.at(flushAt, () => {
      if (this.epoch !== epoch || rec.seq <= this.flushed) return;
      this.flushed = rec.seq;
      this.cluster.ctx.scheduler.after(back, () => this.ack(epoch, 'flush', rec));
      this.kickReplay();
    });
  }

  /** The standby's reply reaches the primary (it travelled back over the same edge). */
  private ack(epoch: number, what: 'write' | 'flush' | 'apply', rec: WriteRecord): void {
    if (this.epoch !== epoch) return;
    const now = this.now;
    const lag = rec.resolvedUs !== undefined ? now - rec.resolvedUs : null;
    this.replyTime = now;
    if (what === 'write' && rec.seq > this.ackWrite) {
      this.ackWrite = rec.seq;
      this.writeLag = lag;
    } else if (what === 'flush' && rec.seq > this.ackFlush) {
      this.ackFlush = rec.seq;
      this.flushLag = lag;
    } else if (what === 'apply' && rec.seq > this.ackApply) {
      this.ackApply = rec.seq;
      this.replayLag = lag;
      if (lag !== null) this.replayLagHist.record(lag);
    }
    this.lastProgressUs = now;
    if (this.state === 'catchup' && this.ackWrite >= this.catchupTarget) this.state = 'streaming';
    this.stream.recheckWaiters();
  }

  /** Whether pg_stat_replication still shows its lags (PostgreSQL forgets them after a quiet, caught-up interval). */
  get lagShown(): boolean {
    return !(this.ackApply >= this.stream.sendable && this.now - this.lastProgressUs >= STATUS_INTERVAL_US);
  }

  // ---- the startup process ----

  /** Starts a promotion: the walreceiver stops, everything received is replayed, then the cluster makes it a primary. */
  promote(): void {
    this.epoch++;
    this.state = 'promoting';
    this.flushed = this.received;
    if (this.replaying) return; // replayed() finishes the promotion
    if (this.applied >= this.received) this.cluster.ctx.scheduler.after(PROMOTE_US, () => this.cluster.promoted(this));
    else this.kickReplay();
  }

  /** Replays the next flushed record, if it is not replaying one already. */
  kickReplay(): void {
    if (this.replaying || this.state === 'stopped' || this.state === 'promoted' || this.applied >= this.flushed) return;
    if (this.node.status !== 'up') return;
    const rec = this.stream.log.at(this.applied + 1);
    if (!rec) return;
    this.replaying = true;
    const delay = this.state === 'promoting' ? 0 : timeUs(this.node.settings.recovery_min_apply_delay);
    if (rec.state === 'committed' && delay > 0 && rec.resolvedUs! + delay > this.now) {
      this.cluster.ctx.scheduler.at(rec.resolvedUs! + delay, () => this.replayConflicts(rec));
      return;
    }
    this.replayConflicts(rec);
  }

  /** Waits for queries that conflict with replaying `rec`, up to max_standby_streaming_delay, then cancels them. */
  private replayConflicts(rec: WriteRecord): void {
    const replica = this.node;
    if (replica.status !== 'up' || this.state === 'stopped') {
      this.replaying = false;
      return;
    }
    const cleanup = rec.state === 'committed' && rec.footprints.some((f) => f.kind === 'update' || f.kind === 'delete' || f.kind === 'ddl' || f.kind === 'other');
    if (cleanup) {
      const tables = new Set(rec.footprints.filter((f) => f.kind !== 'insert').map((f) => f.table));
      const conflicting = replica.conflictingStatements(tables, rec.resolvedUs!);
      if (conflicting.length > 0) {
        const setting = replica.settings.max_standby_streaming_delay;
        const maxDelay = setting === -1 ? Number.POSITIVE_INFINITY : timeUs(setting);
        const deadline = (this.arrivalOf.get(rec.seq) ?? this.now) + maxDelay;
        if (this.now < deadline) {
          this.cluster.ctx.scheduler.after(Math.min(CONFLICT_POLL_US, deadline - this.now), () => this.replayConflicts(rec));
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
        this.cluster.conflictCancelled(this.id, conflicting.length);
      }
    }
    replica.replayCpu(replica.replayUs(rec.walRecords, this.cluster.rng) * this.applyFactor, () => this.replayed(rec));
  }

  private replayed(rec: WriteRecord): void {
    this.replaying = false;
    if (this.node.status !== 'up' || rec.seq !== this.applied + 1) return;
    // a write its primary's crash rolled back never reached the WAL: nothing to replay
    if (!rec.crashed) this.node.replay(rec);
    this.applied = rec.seq;
    appliedOn(rec, this.id, this.now);
    this.arrivalOf.delete(rec.seq);
    if (rec.resolvedUs !== undefined) this.replayTs = rec.resolvedUs;
    const epoch = this.epoch;
    if (this.state !== 'promoting' && this.state !== 'promoted') {
      this.cluster.ctx.scheduler.after(this.link.latencyUs, () => this.ack(epoch, 'apply', rec));
    }
    if (this.state === 'promoting' && this.applied >= this.received) {
      this.cluster.ctx.scheduler.after(PROMOTE_US, () => this.cluster.promoted(this));
      return;
    }
    this.kickReplay();
  }

  /** It recovered from a crash to its restartpoint: what it had received after `position` is gone. */
  restartFrom(position: number): void {
    this.received = this.flushed = this.applied = position;
    this.arrivalOf.clear();
  }
}
