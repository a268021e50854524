/**
 * One primary's stream: its write records in its engine's order (its WAL), what of it may be shipped, its
 * timeline and LSN offset, and the commits waiting for its synchronous standbys. Each standby is attached
 * to its upstream's stream; the walsender ships records to it over its replication edge's Link.
 */
import type { Rng } from '../core/rng.ts';
import type { ReplicaApply } from '../net/Link.ts';
import type { PreparedOperation } from '../workload/operations.ts';
import type { Footprint } from './footprint.ts';
import type { ReplicationContext, ReplicationMember, SynchronousCommit, SyncLevel } from './ports.ts';
import type { Standby } from './Standby.ts';
import { parseStandbyNames, type StandbyNames, standbyPriority, walreceiverName } from './standbyNames.ts';

export interface WriteRecord {
  seq: number;
  timeline: number;
  /** The primary that wrote it. */
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
  /** Open when its primary crashed: rolled back, never replayed. */
  crashed?: true;
  /** Followed requests' replica-apply hops waiting for a standby to apply it (see `appliedOn`). */
  waiting?: ReplicaApply[];
}

/** Standby `standby` applied `rec` now: the followed requests' hops that waited for it end. */
export function appliedOn(rec: WriteRecord, standby: string, now: number): void {
  for (const a of rec.waiting ?? []) {
    if (a.standby !== standby || a.appliedUs !== undefined) continue;
    a.committedUs = rec.resolvedUs;
    a.appliedUs = now;
  }
}

interface Waiter {
  seq: number;
  level: SyncLevel;
  release: () => void;
}

export type SyncState = { state: 'async' | 'potential' | 'sync' | 'quorum'; priority: number };

/** What a stream and its standbys need of the cluster around them. */
export interface Cluster {
  readonly ctx: ReplicationContext;
  /** Replay costs are drawn from it. */
  readonly rng: Rng;
  /** The standbys attached to `stream`, in the scenario's edge order. */
  standbysOf(stream: Stream): Standby[];
  /** The first of three pids: a walsender, its walreceiver (+1) and the standby's startup process (+2). */
  pids(): number;
  /** An id for a record on the wire: negative, apart from the workload's request ids. */
  traceId(): number;
  conflictCancelled(replica: string, n: number): void;
  /** A promoting standby has replayed everything it received: it becomes a primary. */
  promoted(s: Standby): Promise<void>;
  /** Something outside the stream reads its old records (the cache's stale-read check): nothing is trimmed. */
  readonly keepsLog: boolean;
}

/**
 * A write log: records with consecutive seqs from 1, of which the oldest may have been trimmed (no reader
 * needs them any more); `at` is the one way in, by seq.
 */
export class WriteLog {
  private records: WriteRecord[] = [];
  /** Records 1..base were trimmed: records[i] has seq base + i + 1. */
  private base = 0;

  /** The seq of the last record (0: none yet), trimmed ones counted. */
  get position(): number {
    return this.base + this.records.length;
  }

  /** The first seq still kept. */
  get first(): number {
    return this.base + 1;
  }

  /** The record with seq `seq`, unless it was trimmed (or is not written yet). */
  at(seq: number): WriteRecord | undefined {
    return seq > this.base ? this.records[seq - this.base - 1] : undefined;
  }

  push(rec: WriteRecord): void {
    this.records.push(rec);
  }

  /** The records kept, oldest first (a view: not to be changed). */
  get kept(): readonly WriteRecord[] {
    return this.records;
  }

  /** A log that continues this one up to `seq` (a promoted replica's history): the same record objects. */
  upTo(seq: number): WriteLog {
    const log = new WriteLog();
    log.base = this.base;
    log.records = this.records.slice(0, Math.max(0, seq - this.base));
    return log;
  }

  /** Forgets the records before seq `floor`. */
  trimBelow(floor: number): void {
    if (floor - 1 > this.base) this.base += this.records.splice(0, floor - 1 - this.base).length;
  }
}

/** How many records a stream writes between two looks at what it may trim. */
const TRIM_EVERY = 1024;

export const lsnText = (n: number | undefined) => (n === undefined ? null : `${Math.floor(n / 2 ** 32).toString(16).toUpperCase()}/${(n % 2 ** 32).toString(16).toUpperCase()}`);

export function parseLsn(s: string): number {
  const [hi, lo] = s.split('/');
  return Number.parseInt(hi, 16) * 2 ** 32 + Number.parseInt(lo, 16);
}

export class Stream {
  /** Its records, trimmed below what every standby may still need (see `trim`). */
  readonly log: WriteLog;
  /** The record with seq 1 (pg_stat_wal_receiver's receive_start_lsn of a standby that started from the beginning). */
  start: WriteRecord | undefined;
  /** Records 1..shippable are resolved, in order: what the walsender may send. */
  private shippable: number;
  private waiters: Waiter[] = [];
  /** The primary's engine-to-stream LSN offset (non-zero on a promoted replica, which continues the old positions). */
  lsnOffset = 0;
  /** An automatic failover of its primary is scheduled. */
  failoverPending = false;

  /** `history`: the stream a promoted replica's continues, up to its fork point (all resolved there). */
  constructor(
    readonly primary: ReplicationMember,
    readonly timeline: number,
    private readonly cluster: Cluster,
    history?: { stream: Stream; fork: number },
  ) {
    this.log = history ? history.stream.log.upTo(history.fork) : new WriteLog();
    this.start = history?.stream.start;
    this.shippable = this.log.position;
  }

  get standbys(): Standby[] {
    return this.cluster.standbysOf(this);
  }

  /** Records resolved in order, the walsender's horizon. */
  get sendable(): number {
    return this.shippable;
  }

  /**
   * A write sent to the primary's engine now: a new record, its LSN asked of the engine now. `applies`: a
   * followed write's list, which gets one hop per standby of this stream, ended when that standby applies it.
   */
  record(w: {
    op?: PreparedOperation;
    sql?: string;
    params: readonly unknown[];
    session?: number;
    walRecords: number;
    ok: Promise<boolean>;
    footprints: Footprint[];
    applies?: ReplicaApply[];
  }): WriteRecord {
    const offset = this.lsnOffset;
    const rec: WriteRecord = {
      seq: this.log.position + 1,
      timeline: this.timeline,
      origin: this.primary.id,
      op: w.op,
      params: w.params,
      sql: w.sql,
      session: w.session,
      footprints: w.footprints,
      walRecords: Math.max(1, w.walRecords),
      sentUs: this.cluster.ctx.scheduler.now,
      state: 'open',
      ok: w.ok.catch(() => false),
      lsn: this.primary.currentLsn().then(
        (t) => parseLsn(t) + offset,
        () => 0,
      ),
      acknowledged: false,
    };
    if (w.applies) {
      rec.waiting = this.standbys.map((s) => ({ standby: s.id }));
      w.applies.push(...rec.waiting);
    }
    rec.ok.then((v) => (rec.okValue = v));
    rec.lsn.then((v) => (rec.lsnValue = v));
    this.log.push(rec);
    if (rec.seq === 1) this.start = rec;
    if (rec.seq % TRIM_EVERY === 0) this.trim();
    return rec;
  }

  /**
   * Forgets the records no reader needs any more: those before the oldest position a standby may still ask
   * for or show (what it applied, the primary's acknowledgements of it, the restartpoint it would restart
   * from after a crash); a record is kept while its primary's engine has not answered for it (`settle`).
   * Readers of older records are bounded by these: the walsender sends from what a standby flushed, its
   * startup process replays from what it applied, the stale-read check looks at what it had not applied,
   * a promotion's history and lost writes start at what the promoted standby received.
   */
  private trim(): void {
    if (this.cluster.keepsLog) return;
    let floor = this.shippable;
    for (const s of this.standbys) floor = Math.min(floor, s.applied, s.ackWrite, s.ackFlush, s.ackApply, s.node.restartPosition() ?? 0);
    for (let seq = this.log.first; seq < floor; seq++) {
      const r = this.log.at(seq)!;
      if (r.okValue === undefined || r.lsnValue === undefined) floor = seq;
    }
    this.log.trimBelow(floor);
  }

  /** The record committed (or rolled back) on the primary now: the stream moves on as far as it is resolved. */
  resolve(rec: WriteRecord, committed: boolean): void {
    if (rec.state !== 'open') return;
    rec.state = committed ? 'committed' : 'aborted';
    rec.resolvedUs = this.cluster.ctx.scheduler.now;
    const before = this.shippable;
    while (this.shippable < this.log.position && this.log.at(this.shippable + 1)!.state !== 'open') this.shippable++;
    if (this.shippable === before) return;
    for (const s of this.standbys) this.send(s);
  }

  /** The primary is gone: its open transactions die with their connections. */
  abortOpen(): void {
    for (const r of this.log.kept) {
      if (r.origin !== this.primary.id || r.state !== 'open') continue;
      r.state = 'aborted';
      r.crashed = true;
    }
  }

  /** Waits until the primary's engine has answered for every record it wrote (whether they succeeded, their LSNs). */
  async settle(): Promise<void> {
    const id = this.primary.id;
    await Promise.all(this.log.kept.filter((r) => r.origin === id && (r.okValue === undefined || r.lsnValue === undefined)).flatMap((r) => [r.ok, r.lsn]));
  }

  /** Waits until every LSN the views may show is known (console only, between events). */
  async settleLsns(): Promise<void> {
    await Promise.all(this.log.kept.slice(-2000).map((r) => r.lsn));
  }

  /** The LSN of a stream position, when the primary's engine has told it (and it is kept). */
  lsnAt(seq: number): number | undefined {
    if (seq <= 0) return undefined;
    return this.log.at(Math.min(seq, this.log.position))?.lsnValue;
  }

  lsnOf(seq: number): string | null {
    return lsnText(this.lsnAt(seq));
  }

  /** How far behind a standby's visible data is: now minus the oldest committed record it has not replayed. */
  visibleLagUs(applied: number): number {
    const now = this.cluster.ctx.scheduler.now;
    for (let seq = applied + 1; seq <= this.log.position; seq++) {
      const r = this.log.at(seq)!;
      if (r.state === 'committed' && r.resolvedUs! <= now) return now - r.resolvedUs!;
    }
    return 0;
  }

  // ---- the walsender ----

  /** Sends what the standby does not have yet, in order, over its link; each record is a trace while on the wire. */
  send(s: Standby): void {
    if (s.state !== 'streaming' && s.state !== 'catchup') return;
    if (this.primary.status !== 'up') return;
    const net = this.cluster.ctx.net;
    const now = this.cluster.ctx.scheduler.now;
    const epoch = s.epoch;
    for (; s.sendNext <= this.shippable; s.sendNext++) {
      const rec = this.log.at(s.sendNext)!;
      s.lastSendUs = now;
      // a message of an older connection still arrives (its trace ends) and is dropped by its epoch
      const trace = { id: this.cluster.traceId(), op: `wal:${rec.op?.name ?? 'console'}`, at: s.link.from };
      net.begin(trace);
      s.link.send(() => {
        net.end(trace);
        s.receive(rec, epoch);
      }, trace);
    }
  }

  // ---- synchronous commit ----

  private standbyNames(): StandbyNames | undefined {
    const p = parseStandbyNames(this.primary.settings.synchronous_standby_names);
    return p && !('error' in p) ? p : undefined;
  }

  /** How a commit waits: the level its synchronous_commit asks of synchronous standbys, if any. */
  commitWait(level: SynchronousCommit): SyncLevel | undefined {
    if (level === 'off' || level === 'local' || !this.standbyNames()) return undefined;
    return level === 'remote_write' ? 'write' : level === 'on' ? 'flush' : 'apply';
  }

  /** Holds a commit's reply until the synchronous standbys have reached `level` for it. */
  waitForStandbys(rec: WriteRecord, level: SyncLevel, release: () => void): void {
    const w = { seq: rec.seq, level, release };
    if (this.released(w)) release();
    else this.waiters.push(w);
  }

  /** Commits waiting for standbys now. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Releases every waiting commit (its standbys left it for a promoted replica). */
  releaseAll(): void {
    for (const w of this.waiters) w.release();
    this.waiters = [];
  }

  /** sync_state and sync_priority of each standby, as pg_stat_replication shows them. */
  syncStates(): Map<string, SyncState> {
    const out = new Map<string, SyncState>();
    const names = this.standbyNames();
    const standbys = this.standbys.filter((s) => s.state === 'streaming' || s.state === 'catchup');
    if (!names) {
      for (const s of standbys) out.set(s.id, { state: 'async', priority: 0 });
      return out;
    }
    const ranked = standbys
      .map((s) => ({ s, p: standbyPriority(names, walreceiverName(s.id, s.node.settings)) }))
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

  private released(w: Waiter): boolean {
    const names = this.standbyNames();
    if (!names) return true;
    const pos = (s: Standby) => (w.level === 'write' ? s.ackWrite : w.level === 'flush' ? s.ackFlush : s.ackApply);
    const states = this.syncStates();
    const eligible = this.standbys.filter((s) => s.state === 'streaming' && states.get(s.id)?.state !== 'async');
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
    for (const w of this.waiters) (this.released(w) ? go : still).push(w);
    this.waiters = still;
    for (const w of go) w.release();
  }

  /** The standby to promote when the primary dies: the most advanced; on a tie a synchronous one (by priority), as Patroni's synchronous_mode does. */
  bestCandidate(): Standby | undefined {
    const names = this.standbyNames();
    const prio = (s: Standby) => (names ? standbyPriority(names, walreceiverName(s.id, s.node.settings)) || Number.MAX_SAFE_INTEGER : Number.MAX_SAFE_INTEGER);
    let best: Standby | undefined;
    for (const s of this.standbys) {
      if (s.state === 'stopped' || s.state === 'diverged' || s.node.status !== 'up') continue;
      if (!best || s.received > best.received || (s.received === best.received && prio(s) < prio(best))) best = s;
    }
    return best;
  }
}
