/**
 * The stale-read checker. Every read a replica serves is checked against what the primary had committed
 * at that virtual moment: the committed writes the replica had not replayed yet whose footprint may cover
 * the rows the read returns (same table; keys not proven different: see footprint.ts). A read is stale
 * when there is at least one; how stale: how many such writes (versions) and how long the oldest of them
 * had been committed (ms). A read-your-writes violation is a stale read one of whose missing writes was
 * the same client's.
 */
import { Histogram } from '../metrics/Histogram.ts';
import type { ReplicaApply } from '../net/Link.ts';
import { conflicts, type Footprint } from './footprint.ts';
import type { LostWrite } from './Replication.ts';
import { lsnText, type WriteLog, type WriteRecord } from './Stream.ts';

/** The stream a replica's read is checked against: its primary's records. */
interface CheckedStream {
  readonly log: WriteLog;
}

export interface StaleSample {
  /** Virtual time of the read, seconds. */
  at: number;
  replica: string;
  op: string;
  params: readonly unknown[];
  session?: number;
  /** The replica's replayed position (stream record) when the read ran, and the primary's committed one. */
  readPosition: number;
  primaryPosition: number;
  readLsn: string | null;
  primaryLsn: string | null;
  staleMs: number;
  versions: number;
  readYourWrites: boolean;
}

interface Figures {
  reads: number;
  staleReads: number;
  rywViolations: number;
  versions: number;
  maxVersions: number;
  staleMs: Histogram;
  conflictCancels: number;
  /** With the records at the read's and the primary's positions, whose LSNs the engine may tell later (the stream may have trimmed them by then). */
  samples: { sample: StaleSample; read?: WriteRecord; primary?: WriteRecord }[];
}

const MAX_SAMPLES = 50;

export class ConsistencyChecker {
  private readonly per = new Map<string, Figures>();
  private readonly total = emptyFigures();
  primaryReads = 0;

  constructor(
    private readonly now: () => number,
    private readonly lost: readonly LostWrite[],
  ) {}

  private figures(id: string): Figures {
    let f = this.per.get(id);
    if (!f) {
      f = emptyFigures();
      this.per.set(id, f);
    }
    return f;
  }

  primaryRead(): void {
    this.primaryReads++;
  }

  conflictCancelled(replica: string, n: number): void {
    this.figures(replica).conflictCancels += n;
    this.total.conflictCancels += n;
  }

  /**
   * Checks one read that a replica runs now with `applied` records of `stream` replayed. `applies`: a
   * followed read's; a stale one gets the hop of the oldest write it missed, ended when the replica applies it.
   */
  async check(
    replica: string,
    stream: CheckedStream,
    applied: number,
    reads: Footprint[],
    op: string,
    params: readonly unknown[],
    session: number | undefined,
    applies?: ReplicaApply[],
  ): Promise<void> {
    const f = this.figures(replica);
    const t = this.total;
    f.reads++;
    t.reads++;
    const log = stream.log;
    const now = this.now();
    let versions = 0;
    let oldest = Number.POSITIVE_INFINITY;
    let missed: WriteRecord | undefined;
    let own = false;
    let primaryPosition = applied;
    // the scheduler awaits this check before its next event: no record is written or trimmed meanwhile
    for (let seq = applied + 1; seq <= log.position; seq++) {
      const w = log.at(seq)!;
      if (w.state !== 'committed' || w.resolvedUs! > now) continue;
      primaryPosition = Math.max(primaryPosition, w.seq);
      if (!w.footprints.some((wf) => reads.some((rf) => conflicts(wf, w.params, rf, params)))) continue;
      if (!(w.okValue ?? (await w.ok))) continue;
      versions++;
      if (w.resolvedUs! < oldest) [oldest, missed] = [w.resolvedUs!, w];
      if (session !== undefined && w.session === session) own = true;
    }
    if (versions === 0) return;
    if (applies && missed) {
      const hop: ReplicaApply = { standby: replica, committedUs: oldest, missed: true };
      applies.push(hop);
      (missed.waiting ??= []).push(hop);
    }
    const staleUs = now - oldest;
    for (const x of [f, t]) {
      x.staleReads++;
      x.versions += versions;
      x.maxVersions = Math.max(x.maxVersions, versions);
      x.staleMs.record(staleUs);
      if (own) x.rywViolations++;
    }
    const sample = {
      at: now / 1e6,
      replica,
      op,
      params,
      session,
      readPosition: applied,
      primaryPosition,
      readLsn: null,
      primaryLsn: null,
      staleMs: staleUs / 1000,
      versions,
      readYourWrites: own,
    };
    const at = (seq: number) => (seq > 0 ? log.at(Math.min(seq, log.position)) : undefined);
    f.samples.push({ sample, read: at(applied), primary: at(primaryPosition) });
    if (f.samples.length > MAX_SAMPLES) f.samples.shift();
  }

  replicaFigures(replica: string): ReplicaConsistency {
    const f = this.figures(replica);
    return summary(f);
  }

  /** The last stale reads on a replica, with their read position against the primary's (LSNs where known). */
  samples(replica: string): StaleSample[] {
    return this.figures(replica).samples.map(({ sample, read, primary }) => ({
      ...sample,
      readLsn: lsnText(read?.lsnValue),
      primaryLsn: lsnText(primary?.lsnValue),
    }));
  }

  /** The report's `consistency`. */
  report(): Record<string, unknown> {
    const all = this.total;
    const perReplica: Record<string, unknown> = {};
    for (const [id, f] of [...this.per.entries()].sort(([a], [b]) => a.localeCompare(b))) perReplica[id] = summary(f);
    const lost = this.lost;
    const { staleReads, rywViolations, ...rest } = summary(all);
    return {
      staleReads,
      rywViolations,
      lostWrites: lost.length,
      ...rest,
      primaryReads: this.primaryReads,
      perReplica,
      lost: lost.slice(0, 200),
    };
  }
}

function emptyFigures(): Figures {
  return { reads: 0, staleReads: 0, rywViolations: 0, versions: 0, maxVersions: 0, staleMs: new Histogram(), conflictCancels: 0, samples: [] };
}

/** A replica's consistency figures: reads checked, stale ones, read-your-writes violations, how stale. */
export type ReplicaConsistency = ReturnType<typeof summary>;

function summary(f: Figures) {
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    replicaReads: f.reads,
    staleReads: f.staleReads,
    staleRate: f.reads > 0 ? Math.round((f.staleReads / f.reads) * 1e4) / 1e4 : 0,
    rywViolations: f.rywViolations,
    staleMs: { p50: ms(f.staleMs.percentile(50)), p95: ms(f.staleMs.percentile(95)), max: ms(f.staleMs.max) },
    staleVersions: { mean: f.staleReads > 0 ? Math.round((f.versions / f.staleReads) * 100) / 100 : 0, max: f.maxVersions },
    conflictCancels: f.conflictCancels,
  };
}
