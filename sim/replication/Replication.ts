/**
 * Streaming replication between database nodes, in virtual time, with every replica's real data lagging
 * its primary's by a real amount. A replication edge is an edge from a postgres node (the primary) to
 * another postgres node (its replica); all replicas boot from the same data as the primary (a base backup
 * at time 0). Each primary has its own stream (Stream.ts); each standby (Standby.ts) is attached to its
 * upstream's. Nodes take part through the ports of ports.ts: this folder imports no node class.
 *
 * How changes are captured: statement shipping. PGlite has no walsender and logical decoding breaks it
 * (REFERENCE.md), and row-image triggers would add real writes to every statement the cost model profiles
 * (and cannot see DDL in single-user mode). So every write operation a primary's engine runs (and every
 * console statement that may write, DDL included) becomes one record of its stream, in the order the
 * primary's engine ran them, and a replica replays a record by running the same statements with the same
 * parameters on its own PGlite (inside a transaction marked read-write, the replica's sessions being
 * read-only). Operations that failed on the primary are shipped too and fail the same way on the replica,
 * so sequences stay in step. now() is the virtual clock, and a replay runs with the primary's (the record's
 * sentUs), so column defaults get the primary's timestamps. The known price of statement shipping (MySQL's
 * statement-based replication has it too): other volatile functions (random(), clock_timestamp()) are
 * evaluated again on the replica.
 *
 * Invariants:
 * - One stream per primary: a record is in the stream of the primary that wrote it, and a standby receives
 *   only its upstream's stream. A promoted replica starts a stream of its own on the next timeline,
 *   continuing its old stream's positions up to what it had received; the other standbys of the old
 *   primary follow it (or, if they received more than it did, have diverged and stay on the old one).
 * - Records get consecutive sequence numbers in the primary's engine order (which is virtual order of
 *   service start). A record is shipped when it and every record before it are resolved (committed or
 *   rolled back): the stream is the WAL, in order, and a replica replays it in the same order, so its
 *   data is always the primary's data as of some prefix of the stream.
 * - A stream keeps its records from the oldest position one of its standbys may still read or show: what it
 *   applied, what the primary knows it acknowledged, the restartpoint it would restart from after a crash
 *   (its walreceiver streams from what it flushed, its replay and stale-read checks start at what it applied,
 *   a promotion's history and lost writes at what the promoted standby received). Older records are
 *   trimmed (Stream.trim), so no figure depends on them; while the cache's stale-read check is on nothing is
 *   (a cached value's version may be of any age).
 * - Per standby: received >= flushed >= applied, all in stream order. Records travel over the standby's
 *   Link (in order, with the edge's latency and a lag spike's extra delay), its replies back over the same
 *   edge's latency; deliveries and replies of an older connection (epoch) are dropped.
 * - A record becomes visible on a replica when its replay ends (the statements are sent to the replica's
 *   engine in that event), never earlier; a read on a replica is checked against the records its primary
 *   had committed at that virtual moment.
 * - LSNs are the primary's real WAL positions: after each write operation the node's engine is asked for
 *   pg_current_wal_lsn() (pipelined; awaited only when a replica replays the record or a console shows it).
 *   A promoted replica continues the old timeline's positions (an offset onto its engine's own WAL).
 * - Commits wait for standbys exactly as synchronous_commit and synchronous_standby_names say; only
 *   standbys in state streaming count; with fewer than needed, commits wait (as PostgreSQL does).
 * - Replay is one process per replica (the startup process) on one of the replica's cores: a busy replica
 *   replays more slowly. It waits for recovery_min_apply_delay after each commit's primary timestamp, and
 *   for conflicting queries up to max_standby_streaming_delay after the record arrived, then cancels them.
 * - Nothing here reads the wall clock or Math.random: randomness comes from named streams.
 */
import type { FaultCommand } from '../core/commands.ts';
import type { Rng } from '../core/rng.ts';
import type { ReplicaApply } from '../net/Link.ts';
import { timeUs } from '../scenario/settings.ts';
import type { PreparedOperation } from '../workload/operations.ts';
import type { CacheChecks } from './cacheChecks.ts';
import { ConsistencyChecker } from './ConsistencyChecker.ts';
import { nodeFigures, replicaReport } from './figures.ts';
import { type Footprint, footprint, operationFootprint } from './footprint.ts';
import type { Membership, ReplicationContext, ReplicationMember, ReplicationState, SynchronousCommit, SyncLevel } from './ports.ts';
import { Standby } from './Standby.ts';
import { type Cluster, parseLsn, Stream, type WriteRecord } from './Stream.ts';
import { activityRows, refreshSql } from './views.ts';

/** A follower's walreceiver restart after a failover; a standby's reconnection after a start. */
const RECONNECT_US = 100_000;

export interface LostWrite {
  seq: number;
  op: string;
  params: readonly unknown[];
  committedAtSeconds: number;
  acknowledged: boolean;
  session?: number;
}

export class Replication implements Cluster {
  /** Every standby, by node id, in the scenario's edge order (a promoted one leaves). */
  readonly standbys = new Map<string, Standby>();
  /** Each primary's stream, by node id (a promoted replica adds its own). */
  readonly streams = new Map<string, Stream>();
  readonly checker: ConsistencyChecker;
  /** Committed writes lost in failovers. */
  readonly lost: LostWrite[] = [];
  /** The last replay timestamp of promoted replicas (pg_last_xact_replay_timestamp stays). */
  readonly promotedReplayTs = new Map<string, number | null>();
  readonly rng: Rng;
  private readonly members = new Map<string, ReplicationMember>();
  private readonly roles = new Map<string, 'primary' | 'replica'>();
  private nextPid = 3000;
  private nextTrace = -1;
  private readonly opFootprints = new WeakMap<PreparedOperation, Footprint[]>();

  constructor(
    readonly ctx: ReplicationContext,
    edges: readonly { from: string; to: string }[],
    members: ReplicationMember[],
    /** The cache's stale-read check: versions reads and writes against the logs (a lone primary's is kept there). */
    private readonly cacheChecks?: CacheChecks,
  ) {
    for (const n of members) this.members.set(n.id, n);
    this.rng = ctx.rng('replication');
    this.checker = new ConsistencyChecker(() => this.ctx.scheduler.now, this.lost);
    for (const e of edges) {
      const primary = this.members.get(e.from);
      const replica = this.members.get(e.to);
      if (!primary || !replica) continue;
      this.roles.set(e.from, 'primary');
      this.roles.set(e.to, 'replica');
      let stream = this.streams.get(e.from);
      if (!stream) this.streams.set(e.from, (stream = new Stream(primary, 1, this)));
      this.standbys.set(e.to, new Standby(replica, stream, ctx.net.edge(e.from, e.to)!, this));
    }
    for (const n of members) n.attachReplication(this.membership(n.id));
    if (cacheChecks) cacheChecks.streamLog = (origin) => this.streams.get(origin)?.log;
  }

  /** The cache's stale-read check reads old records (a cached value's version may be of any age): streams keep them. */
  get keepsLog(): boolean {
    return this.cacheChecks?.on ?? false;
  }

  /** Whether the scenario has any replication edge. */
  get active(): boolean {
    return this.streams.size > 0;
  }

  role(id: string): 'primary' | 'replica' | undefined {
    return this.roles.get(id);
  }

  /** The stream a node writes (a primary) or receives (a replica). */
  streamOf(id: string): Stream | undefined {
    return this.streams.get(id) ?? this.standbys.get(id)?.stream;
  }

  standbysOf(stream: Stream): Standby[] {
    return [...this.standbys.values()].filter((s) => s.stream === stream);
  }

  /** pg_stat_replication's client_addr of a node. */
  addr(id: string): string {
    return `10.0.1.${[...this.members.keys()].indexOf(id) + 1}`;
  }

  pids(): number {
    const first = this.nextPid;
    this.nextPid += 3;
    return first;
  }

  traceId(): number {
    return this.nextTrace--;
  }

  conflictCancelled(replica: string, n: number): void {
    this.checker.conflictCancelled(replica, n);
  }

  /** Called when every node has booted: the walreceivers connect. */
  start(): void {
    for (const s of this.standbys.values()) s.connect(s.link.latencyUs * 3);
  }

  private footprintsOf(op: PreparedOperation): Footprint[] {
    let f = this.opFootprints.get(op);
    if (!f) this.opFootprints.set(op, (f = operationFootprint(op.statements)));
    return f;
  }

  /** How far behind a replica's visible data is: now minus the oldest committed record it has not replayed. */
  visibleLagUs(replicaId: string): number {
    const s = this.standbys.get(replicaId);
    return s ? s.stream.visibleLagUs(s.applied) : 0;
  }

  /** What node `id` sees of replication (a primary is the node whose id keys a stream). */
  private membership(id: string): Membership {
    const roles = this.roles;
    return {
      get role() {
        return roles.get(id);
      },
      state: () => this.state(id),
      recordWrite: (w) => {
        const stream = this.streams.get(id);
        const rec = stream ? stream.record({ ...w, footprints: this.footprintsOf(w.op) }) : roles.get(id) ? undefined : this.cacheChecks?.localRecord(id, w);
        if (rec) this.cacheChecks?.saw(w.params, rec.origin, rec.seq);
        return rec;
      },
      consoleWrote: (sql, ok) => {
        const rec = this.streams.get(id)?.record({ sql, params: [], walRecords: 1, ok: Promise.resolve(ok), footprints: footprint(sql) });
        if (rec) this.resolve(rec, true, undefined);
      },
      resolve: (rec, committed, level) => this.resolve(rec, committed, level),
      waitForStandbys: (rec, level, answer) => this.waitForStandbys(rec, level, answer),
      checkRead: (op, params, session, applies) => this.checkRead(id, op, params, session, applies),
      processes: () => activityRows(this, id),
      refreshSql: async () => {
        await this.streamOf(id)?.settleLsns();
        return refreshSql(this, id);
      },
      figures: () => nodeFigures(this, id),
      report: () => replicaReport(this, id),
      settingChanged: () => {
        for (const s of this.streams.values()) s.recheckWaiters();
      },
      down: (how) => this.nodeDown(id, how),
      up: () => this.nodeUp(id),
      appliedPosition: () => (this.roles.get(id) === 'replica' ? this.standbys.get(id)?.applied : undefined),
      recovered: (position) => this.nodeRecovered(id, position),
      settle: async () => this.streams.get(id)?.settle(),
      promote: () => this.promote(id),
      lagSpike: (f) => this.lagSpike(id, f),
    };
  }

  // ---- writes, commits, reads ----

  private resolve(rec: WriteRecord, committed: boolean, level: SynchronousCommit | undefined): SyncLevel | undefined {
    if (this.cacheChecks?.isLocal(rec)) {
      this.cacheChecks.resolveLocal(rec, committed);
      return undefined;
    }
    const stream = this.streams.get(rec.origin)!;
    stream.resolve(rec, committed);
    const wait = committed && level ? stream.commitWait(level) : undefined;
    if (!wait) rec.acknowledged = committed;
    return wait;
  }

  private waitForStandbys(rec: WriteRecord, level: SyncLevel, answer: () => boolean): void {
    this.streams.get(rec.origin)!.waitForStandbys(rec, level, () => {
      if (answer()) rec.acknowledged = true;
    });
  }

  private checkRead(id: string, op: PreparedOperation, params: readonly unknown[], session: number | undefined, applies?: ReplicaApply[]): Promise<void> | undefined {
    const role = this.roles.get(id);
    const s = this.standbys.get(id);
    if (this.cacheChecks?.on) {
      const stream = this.streams.get(id);
      if (stream) this.cacheChecks.saw(params, id, stream.log.position);
      else if (s) this.cacheChecks.saw(params, s.stream.primary.id, s.applied);
      else if (!role) this.cacheChecks.saw(params, id, this.cacheChecks.localPosition(id));
    }
    if (role === 'primary') {
      this.checker.primaryRead();
      return undefined;
    }
    if (!s) return undefined;
    return this.checker.check(s.id, s.stream, s.applied, this.footprintsOf(op), op.name, params, session, applies);
  }

  /** For the router: a database endpoint's role, health, replay position and lag. */
  private state(id: string): ReplicationState | undefined {
    const role = this.roles.get(id);
    if (!role) return undefined;
    const s = this.standbys.get(id);
    return {
      role,
      up: this.members.get(id)!.status === 'up',
      replayedPosition: role === 'primary' ? (this.streams.get(id)?.log.position ?? 0) : (s?.applied ?? 0),
      lagUs: role === 'primary' ? 0 : this.visibleLagUs(id),
    };
  }

  // ---- faults ----

  /** The node stopped (clean shutdown or crash) or died. */
  private nodeDown(id: string, how: 'stopped' | 'killed'): void {
    const s = this.standbys.get(id);
    if (s && this.roles.get(id) === 'replica') {
      s.disconnect('stopped');
      s.replaying = false;
    }
    const stream = this.roles.get(id) === 'primary' ? this.streams.get(id) : undefined;
    if (!stream) return;
    for (const st of stream.standbys) if (st.state !== 'stopped') st.disconnect('disconnected');
    stream.abortOpen();
    const delay = timeUs(stream.primary.settings.auto_failover_after);
    if (how === 'killed' && delay > 0 && !stream.failoverPending) {
      stream.failoverPending = true;
      this.ctx.scheduler.after(delay, () => {
        stream.failoverPending = false;
        const best = stream.bestCandidate();
        if (best) this.promote(best.id, true);
        else this.ctx.emit({ type: 'failover', node: id, message: `automatic failover of ${id}: no replica to promote` });
      });
    }
  }

  /** The node is up again after a stop: a replica reconnects, and so do a primary's disconnected standbys. */
  private nodeUp(id: string): void {
    const s = this.standbys.get(id);
    if (s && this.roles.get(id) === 'replica') s.connect(RECONNECT_US);
    if (this.roles.get(id) === 'primary') for (const st of this.streams.get(id)?.standbys ?? []) if (st.state === 'disconnected') st.connect(RECONNECT_US);
  }

  /**
   * A node recovered from a crash. A primary redid every write committed before it (its stream goes on; what
   * was open then was rolled back, and no standby replays it): its standbys reconnect. A standby is back at
   * its restartpoint's position and streams the rest again.
   */
  private nodeRecovered(id: string, position: number | undefined): void {
    if (this.roles.get(id) === 'primary') {
      this.nodeUp(id);
      return;
    }
    const s = this.standbys.get(id);
    if (!s || this.roles.get(id) !== 'replica') return;
    s.restartFrom(position ?? 0);
    s.connect(RECONNECT_US);
  }

  /** The committed writes of `records` are lost. */
  private async countLost(records: readonly WriteRecord[]): Promise<void> {
    for (const r of records) {
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
  }

  /** A lag spike on a replica: its replay slowed by `applyFactor` and/or its edge's latency raised, for `duration`. */
  private lagSpike(id: string, f: Extract<FaultCommand, { kind: 'lag-spike' }>): string | undefined {
    const s = this.standbys.get(id);
    if (!s) return `${id} is not a replica`;
    const durationUs = f.duration === undefined ? undefined : timeUs(f.duration, 's');
    const edge = s.edge;
    s.applyFactor = Math.max(1, f.applyFactor ?? 1);
    edge.extraUs = Math.max(0, f.linkDelay === undefined ? 0 : timeUs(f.linkDelay));
    this.ctx.emit({
      type: 'replication',
      node: id,
      message: `lag spike on ${id}: replay ${s.applyFactor}x slower, link +${edge.extraUs / 1000} ms${durationUs ? ` for ${durationUs / 1e6} s` : ''}`,
    });
    if (durationUs) {
      this.ctx.scheduler.after(durationUs, () => {
        s.applyFactor = 1;
        edge.extraUs = 0;
        this.ctx.emit({ type: 'replication', node: id, message: `lag spike on ${id} is over` });
      });
    }
    return undefined;
  }

  /**
   * Promotes a replica: its walreceiver stops, it replays everything it received, then it is a primary on
   * a new timeline with a stream of its own; the other replicas follow it (those that received more than
   * it did have diverged); committed writes it never received are lost.
   */
  private promote(id: string, automatic = false): string | undefined {
    const s = this.standbys.get(id);
    if (!s || this.roles.get(id) !== 'replica') return `${id} is not a replica`;
    if (s.node.status !== 'up') return `${id} is not running`;
    if (s.state === 'promoting') return `${id} is already being promoted`;
    this.ctx.emit({
      type: 'failover',
      node: id,
      message: `${automatic ? 'automatic failover: ' : ''}promoting ${id} (received up to record ${s.received}, replayed ${s.applied})`,
    });
    s.promote();
    return undefined;
  }

  /** A promoting standby replayed all it received: it becomes a primary with a stream of its own. */
  async promoted(s: Standby): Promise<void> {
    if (s.state !== 'promoting') return;
    const old = s.stream;
    const fork = s.received;
    // committed writes the new primary never received are lost
    await this.countLost(old.log.kept.filter((r) => r.seq > fork));
    // its standbys leave the old primary: commits waiting for them are released
    old.releaseAll();
    const stream = new Stream(s.node, old.timeline + 1, this, { stream: old, fork });
    this.streams.set(s.id, stream);
    s.state = 'promoted';
    this.promotedReplayTs.set(s.id, s.replayTs);
    this.roles.set(s.id, 'primary');
    this.standbys.delete(s.id);
    const forkLsn = fork > 0 ? ((await old.log.at(fork)!.lsn) ?? 0) : 0;
    stream.lsnOffset = Math.max(0, forkLsn + 40 - parseLsn(await s.node.becomePrimary()));
    this.ctx.emit({
      type: 'promoted',
      node: s.id,
      message: `${s.id} is the primary now (timeline ${stream.timeline}); ${this.lost.length} committed write(s) of ${old.primary.id} were never received and are lost`,
    });
    for (const o of old.standbys) {
      if (o.received > fork) {
        // its WAL is the old timeline's: it keeps replaying what it has, and cannot stream from the new primary
        o.disconnect('diverged');
        this.ctx.emit({
          type: 'replication',
          node: o.id,
          message: `${o.id} cannot follow ${s.id}: new timeline ${stream.timeline} forked off before its recovery point (it needs pg_rewind)`,
        });
        continue;
      }
      o.stream = stream;
      if (o.state !== 'stopped') {
        o.connect(RECONNECT_US);
        this.ctx.emit({ type: 'replication', node: o.id, message: `${o.id} follows the new primary ${s.id}` });
      }
    }
  }
}
