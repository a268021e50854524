/**
 * A node's crash recovery, as PostgreSQL's: checkpoints (restartpoints on a standby) on the schedule of
 * `checkpoint_timeout` and `max_wal_size`, and after a crash a start from the last one with the redo of what
 * came after it, so no committed write is lost.
 *
 * Invariants:
 * - A checkpoint is the engine's data directory (CHECKPOINT, then its dump) taken in the engine's order at a
 *   virtual moment: it holds every request sent before it. The engine's own WAL is removed up to it, so it
 *   stays bounded (wal_recycle is off). It is kept as an incremental backup of the base backup the node
 *   booted from (what changed since: the workload's tables, WAL, transaction status), so that keeping it
 *   costs what the workload wrote, not a whole data directory a node.
 * - Between the node's checkpoints the engine checkpoints on its own, as its checkpointer would at its own
 *   max_wal_size (ENGINE_CONF): that keeps its WAL, which lives in memory, small, and changes no restartpoint.
 * - The redo log is statement shipping, as replication's stream is: the write requests (workload operations
 *   with their virtual clock, console writes) sent to the engine since the checkpoint, in the engine's order.
 *   An entry is redone when its transaction ended (committed, or failed as it will fail again) before the
 *   crash, in virtual time; one still running then was never committed, and is forgotten.
 * - A standby's redo is its stream: its restartpoint keeps the stream position it had applied, and after a
 *   crash it replays from there what its walreceiver streams again.
 * - Redo takes virtual time: each entry's replay as the cost model prices a standby's (`replayTime`).
 * - WAL positions never go backwards: after the redo, the engine's WAL is carried past the furthest position
 *   its crashed predecessor showed (a write's LSN, a console's, a measure's).
 *
 * Known price: a write in flight when a checkpoint is taken is in it, even if a crash then ends it before
 * its commit (a window of one statement's service time, once per checkpoint).
 */
import type { DbEngine } from '../../engine/DbEngine.ts';
import { IncrementalTar } from '../../engine/incrementalTar.ts';
import type { EngineRequest, RunReply } from '../../engine/protocol.ts';
import { ENGINE_CHECKPOINT_WAL_BYTES } from '../../engine/snapshots.ts';
import { parseLsn } from '../../replication/Stream.ts';
import { memoryBytes, timeUs } from '../../scenario/settings.ts';
import type { SimContext } from '../types.ts';
import type { PostgresSettings } from './settings.ts';

/** One write request the engine ran since the last checkpoint. */
export interface RedoEntry {
  readonly req: EngineRequest;
  readonly walRecords: number;
  /** Virtual time its transaction ended (committed or rolled back); unset while it runs. */
  endedUs?: number;
}

export interface Restartpoint {
  /** The data directory, against the base backup (`image.full()`: the tar to start from). */
  readonly image: IncrementalTar;
  readonly atUs: number;
  /** The engine's WAL position when it was taken (bytes); unknown for the base backup until first measured. */
  lsn?: number;
  /** A standby's: the stream position it had applied. */
  readonly position?: number;
}

/** How often the schedule is looked at (the checkpointer's nap, coarser: figures come with the size check). */
export const CHECKPOINT_CHECK_US = 10e6;

export class Recovery {
  private redo: RedoEntry[] = [];
  private last: Restartpoint;
  /** The engine's WAL insert position measured at the last look at the schedule, taken in at the next. */
  private walMeasured: Promise<number> | undefined;
  /** The furthest WAL position the node's engine has shown (bytes): a recovered engine's WAL goes on past it. */
  private walSeen = 0;
  /** The engine's WAL position at its last checkpoint (the node's, or its own: `engineCheckpoint`), as measured. */
  private engineCheckpointLsn: number | undefined;

  /** `base`: the base backup the node booted from, its first checkpoint. */
  constructor(
    private readonly ctx: SimContext,
    private readonly node: string,
    private readonly base: Uint8Array,
  ) {
    this.last = { image: IncrementalTar.base(base), atUs: 0 };
  }

  get restartpoint(): Restartpoint {
    return this.last;
  }

  /** Entries waiting for the next checkpoint (bounded by the schedule). */
  get pending(): number {
    return this.redo.length;
  }

  /** Page writes since the last checkpoint, one a WAL record and at least one a write (pg_buffercache's dirty buffers). */
  get pagesWritten(): number {
    return this.redo.reduce((n, e) => n + Math.max(1, e.walRecords), 0);
  }

  /** A write request sent to the engine now. */
  log(req: EngineRequest, walRecords: number): RedoEntry {
    const e: RedoEntry = { req, walRecords };
    this.redo.push(e);
    return e;
  }

  /** Its transaction ended at `nowUs` (a console write: at once). */
  ended(e: RedoEntry | undefined, nowUs: number): void {
    if (e && e.endedUs === undefined) e.endedUs = nowUs;
  }

  /**
   * The checkpointer's look at its schedule, every CHECKPOINT_CHECK_US: a checkpoint when one is due, on the
   * WAL position measured at the last look (`measureWal`). A standby's is a restartpoint that keeps `position`,
   * the stream position it applied. Awaited: the next event sees it.
   */
  async look(engine: DbEngine, settings: PostgresSettings, standby: boolean, position: number | undefined): Promise<void> {
    const lsn = await this.walMeasured?.catch(() => undefined);
    if (!this.due(settings, this.ctx.scheduler.now, lsn)) return this.engineCheckpoint(engine, lsn);
    this.ctx.metrics.realQueries += 3;
    const walBytes = await this.checkpoint(engine, this.ctx.scheduler.now, position);
    const what = standby ? 'restartpoint' : 'checkpoint';
    this.ctx.emit({ type: 'checkpoint', node: this.node, message: `${this.node}: ${what} complete (${(walBytes / 2 ** 20).toFixed(1)} MB of WAL since the last)` });
  }

  /**
   * The engine's own checkpointer, which a single-user backend lacks: a CHECKPOINT of the engine alone (no
   * restartpoint, nothing modelled) once it has written ENGINE_CHECKPOINT_WAL_BYTES of WAL since its last
   * (`lsn`: its last measured position), so it removes its old segments. Without it the engine held every
   * segment written between the node's checkpoints (~4 MB a minute a node on read-replicas, ~20 MB by
   * checkpoint_timeout's 5 min, more for a longer one) in memory that its worker's allocator kept once freed.
   */
  private engineCheckpoint(engine: DbEngine, lsn: number | undefined): void {
    if (lsn === undefined) return;
    this.engineCheckpointLsn ??= lsn;
    if (lsn - this.engineCheckpointLsn < ENGINE_CHECKPOINT_WAL_BYTES) return;
    this.engineCheckpointLsn = lsn;
    this.ctx.metrics.realQueries += 1;
    // in the engine's order, like every request: what it changes (the WAL's full-page images) is the same on every run
    engine.request({ op: 'exec', sql: 'CHECKPOINT' }).catch(() => undefined);
  }

  /** Measures the engine's WAL insert position now (in its order), for the next look. */
  measureWal(engine: DbEngine): void {
    this.ctx.metrics.realQueries += 1;
    this.walMeasured = walInsertLsn(engine);
    this.walMeasured.then((lsn) => this.sawWal(lsn)).catch(() => undefined);
  }

  /** The engine showed WAL position `lsn` (a write's, a console's, a measure's). */
  sawWal(lsn: number): void {
    this.walSeen = Math.max(this.walSeen, lsn);
  }

  /** Whether a checkpoint is due: checkpoint_timeout since the last, or max_wal_size of WAL written since (`lsn`: the engine's last measured). */
  private due(settings: PostgresSettings, nowUs: number, lsn: number | undefined): boolean {
    if (lsn !== undefined) this.last.lsn ??= lsn;
    if (nowUs - this.last.atUs >= timeUs(settings.checkpoint_timeout, 's')) return true;
    return lsn !== undefined && lsn - this.last.lsn! >= memoryBytes(settings.max_wal_size, 'MB');
  }

  /**
   * Takes a checkpoint on `engine` now (in its order, awaited: the next event sees it). `position`: a standby's
   * applied stream position. The redo log keeps only what was sent after it. Returns the WAL bytes written
   * since the last one.
   */
  private async checkpoint(engine: DbEngine, nowUs: number, position?: number): Promise<number> {
    const sent = this.redo.length;
    // all three awaited together: an engine that dies under one fails them all, and none is left unhandled
    const [, lsn, dumped] = await Promise.all([engine.request({ op: 'exec', sql: 'CHECKPOINT' }), walInsertLsn(engine), engine.request({ op: 'dump' })]);
    const tar = (dumped as { tar: Uint8Array }).tar;
    this.sawWal(lsn);
    this.engineCheckpointLsn = lsn;
    const walBytes = lsn - (this.last.lsn ?? lsn);
    this.last = { image: IncrementalTar.of(this.base, tar), atUs: nowUs, lsn, position };
    this.redo = this.redo.slice(sent);
    return walBytes;
  }

  /**
   * A crash now: what to redo on an engine started from the restartpoint (entries whose transaction had
   * ended), and how long that redo takes. Entries still running are forgotten: they never committed.
   */
  crashed(replayUs: (walRecords: number) => number): { redo: RedoEntry[]; redoUs: number } {
    this.redo = this.redo.filter((e) => e.endedUs !== undefined);
    // the engine that restarts from the restartpoint last checkpointed there
    this.engineCheckpointLsn = this.last.lsn;
    return { redo: [...this.redo], redoUs: this.redo.reduce((us, e) => us + replayUs(e.walRecords), 0) };
  }

  /**
   * `engine`, started from the restartpoint, once it has run `redo` in order and its WAL goes on past every
   * position the crashed engine showed, once its answers (`answered`) are all in. As in
   * PostgreSQL, whose WAL after a crash recovery starts after the old WAL's end: what the crashed engine
   * wrote and the redo does not write again (rolled-back profiles, hint bits, writes that never committed)
   * keeps its place, here as a WAL message of that size, flushed as the end of recovery is.
   */
  async redone(engine: DbEngine, redo: readonly RedoEntry[], answered?: Promise<void>): Promise<DbEngine> {
    await Promise.all(redo.map((e) => engine.request(e.req)));
    await answered;
    const gap = this.walSeen - (await walInsertLsn(engine));
    if (gap >= 0) {
      const sql = "SELECT pg_catalog.pg_logical_emit_message(false, 'sim.recovery', pg_catalog.repeat(' ', $1), true)";
      await engine.request({ op: 'run', statements: [{ sql, params: [gap] }], transaction: false });
    }
    return engine;
  }
}

/** The engine's WAL insert position, in bytes (what max_wal_size is measured against). */
async function walInsertLsn(engine: DbEngine): Promise<number> {
  const r = (await engine.request({ op: 'run', statements: [{ sql: 'SELECT pg_catalog.pg_current_wal_insert_lsn()::text' }], transaction: false, maxRows: 1 })) as RunReply;
  return parseLsn(String(r.results[0]?.rows?.[0]?.[0] ?? '0/0'));
}
