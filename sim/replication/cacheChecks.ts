/**
 * The stale-read check for cached values, the cache's side of the consistency checker. A value in a cache
 * is the answer of one database read; its version is where that read stood in its primary's write log
 * (the engine's order, which is what the real PGlite data showed it). A cached read is stale when its
 * primary has, by the moment the cache answers, committed a write after that version whose footprint may
 * cover the rows the read returns (footprint.ts), exactly as a replica's read is checked against the
 * records it had not replayed.
 *
 * The write log: a primary with replicas has its stream; a database node outside replication gets a log
 * of its own here once an app caches (`enable`), so a lone primary's commits are known too. The version
 * of a read (or of a write, for write-through) is found by its parameters array, which every hop passes
 * on unchanged from the workload to the engine: one array per request.
 *
 * Invariants:
 * - A version `{ origin, seq }` covers the records 1..seq of origin's log, and no other.
 * - A cached read is counted once, when it is answered; its staleness is decided by whether the
 *   candidate writes succeeded on the engine, which may be known only later: the verdict is then deferred
 *   through the metrics (settled before any report), so the figures never depend on engine timing.
 */
import type { Metrics } from '../metrics/Metrics.ts';
import type { PreparedOperation } from '../workload/operations.ts';
import { conflicts, type Footprint, operationFootprint } from './footprint.ts';
import { WriteLog, type WriteRecord } from './Stream.ts';

/** Where a database read (or write) stood in its primary's write log. */
export interface Version {
  /** The primary whose log it is. */
  origin: string;
  /** Records 1..seq of that log are in the value. */
  seq: number;
}

/** What a stale cached read missed: the committed writes after its version, oldest first, and the primary's position. */
export interface Missed {
  writes: WriteRecord[];
  primaryPosition: number;
}

export class CacheChecks {
  private enabled = false;
  /** Logs of database nodes outside replication (the streams keep the others'). */
  private readonly local = new Map<string, WriteLog>();
  private readonly versions = new WeakMap<readonly unknown[], Version>();
  private readonly footprints = new WeakMap<PreparedOperation, Footprint[]>();

  constructor(
    private readonly metrics: Metrics,
    private readonly now: () => number,
  ) {}

  /** `streamLog`: a primary's stream log, when it has one (set by replication). */
  streamLog: (origin: string) => WriteLog | undefined = () => undefined;

  /** An app caches: from now on writes and reads are versioned (values cached later are all checked). */
  enable(): void {
    this.enabled = true;
  }

  get on(): boolean {
    return this.enabled;
  }

  /** A write sent now to the engine of a node outside replication: a record of its own log (undefined when off). */
  localRecord(origin: string, w: { op: PreparedOperation; params: readonly unknown[]; session?: number; walRecords: number; ok: Promise<boolean> }): WriteRecord | undefined {
    if (!this.enabled) return undefined;
    let log = this.local.get(origin);
    if (!log) this.local.set(origin, (log = new WriteLog()));
    const rec: WriteRecord = {
      seq: log.position + 1,
      timeline: 1,
      origin,
      op: w.op,
      params: w.params,
      session: w.session,
      footprints: this.footprintsOf(w.op),
      walRecords: Math.max(1, w.walRecords),
      sentUs: this.now(),
      state: 'open',
      ok: w.ok.catch(() => false),
      lsn: Promise.resolve(0),
      acknowledged: false,
    };
    rec.ok.then((v) => (rec.okValue = v));
    log.push(rec);
    return rec;
  }

  /** Whether `rec` is a record of a local log (it is resolved here, not in a stream). */
  isLocal(rec: WriteRecord): boolean {
    return this.local.get(rec.origin)?.at(rec.seq) === rec;
  }

  /** A local record's transaction committed or rolled back now. */
  resolveLocal(rec: WriteRecord, committed: boolean): void {
    if (rec.state !== 'open') return;
    rec.state = committed ? 'committed' : 'aborted';
    rec.resolvedUs = this.now();
    rec.acknowledged = committed;
  }

  /** A request's statements reached `origin`'s log at `seq` now (a read: what it saw; a write: its own record). */
  saw(params: readonly unknown[], origin: string, seq: number): void {
    if (this.enabled) this.versions.set(params, { origin, seq });
  }

  /** The length of a node's local log (a lone primary's position). */
  localPosition(origin: string): number {
    return this.local.get(origin)?.position ?? 0;
  }

  /** The version the request with these parameters saw, once its statements ran. */
  versionOf(params: readonly unknown[]): Version | undefined {
    return this.versions.get(params);
  }

  private footprintsOf(op: PreparedOperation): Footprint[] {
    let f = this.footprints.get(op);
    if (!f) this.footprints.set(op, (f = operationFootprint(op.statements)));
    return f;
  }

  private log(origin: string): WriteLog | undefined {
    return this.streamLog(origin) ?? this.local.get(origin);
  }

  /**
   * Checks a cached answer of `op(params)` made at `v`, served now: `verdict` gets what it missed (the
   * writes that succeeded, oldest first), or undefined when it was fresh; at once, or once the engine has
   * said whether the candidate writes succeeded.
   */
  check(v: Version, op: PreparedOperation, params: readonly unknown[], verdict: (missed: Missed | undefined) => void): void {
    const log = this.log(v.origin) ?? new WriteLog();
    const reads = this.footprintsOf(op);
    const now = this.now();
    const candidates: WriteRecord[] = [];
    let primaryPosition = v.seq;
    for (let seq = v.seq + 1; seq <= log.position; seq++) {
      const w = log.at(seq)!;
      if (w.state !== 'committed' || w.resolvedUs! > now) continue;
      primaryPosition = Math.max(primaryPosition, w.seq);
      if (w.okValue === false) continue;
      if (w.footprints.some((wf) => reads.some((rf) => conflicts(wf, w.params, rf, params)))) candidates.push(w);
    }
    const decide = (oks: readonly boolean[]) => {
      const writes = candidates.filter((_, i) => oks[i]);
      verdict(writes.length > 0 ? { writes, primaryPosition } : undefined);
    };
    if (candidates.every((w) => w.okValue !== undefined)) decide(candidates.map((w) => w.okValue!));
    else this.metrics.defer(Promise.all(candidates.map((w) => w.ok)), decide);
  }
}
