/**
 * What a postgres node sends its engine for its clients' statements, and the replies not yet received, oldest
 * first. Requests are sent when a statement starts service (in virtual order) and their replies awaited at its
 * completion, so many may be in flight; at MAX_OUTSTANDING a new statement's request waits for the oldest
 * reply, awaited in the statement's event, which bounds the engine's queue (and its memory): no later event runs
 * meanwhile, so the engine runs requests in virtual order whatever its pace. A write goes to the redo log when it is sent; a
 * real client's statement runs as the console's role, and in its transaction block after the block's earlier
 * statements (TxBlock.ts).
 */
import type { DbEngine } from '../../engine/DbEngine.ts';
import type { EngineRequest, RunReply, RunRequest } from '../../engine/protocol.ts';
import { virtualTimestamp } from '../../monitoring/activity.ts';
import type { Membership } from '../../replication/ports.ts';
import { boundStatements, type PreparedOperation } from '../../workload/operations.ts';
import type { SimContext } from '../types.ts';
import type { Backend } from './Backends.ts';
import type { Recovery } from './Recovery.ts';
import type { ReadReuse } from './Reuse.ts';
import { TxBlock } from './TxBlock.ts';

const MAX_OUTSTANDING = 256;
const noop = () => undefined;

/** The statements a run request makes the engine run: its own, and BEGIN and COMMIT around a transaction. */
const sentQueries = (statements: number, transaction: boolean | undefined) => statements + (transaction ? 2 : 0);

/** The node's parts a request meets, as they are when it is sent. */
export interface EngineSide {
  engine: DbEngine;
  recovery: Recovery | undefined;
  replication: Membership | undefined;
  isReplica: boolean;
}

export class Pipeline {
  private outstanding: Promise<unknown>[] = [];

  constructor(
    private readonly ctx: SimContext,
    private readonly node: () => EngineSide,
    private readonly reuse: ReadReuse,
  ) {}

  /**
   * Sends an operation's statements (a real client's: `maxRows`); the reply is awaited at their completion.
   * A read that an identical earlier one answers (Reuse.ts) is not sent: it takes that one's reply.
   */
  async send(b: Backend, op: PreparedOperation, params: readonly unknown[], walRecords: number): Promise<{ reply: Promise<RunReply> }> {
    const statements = boundStatements(op, params);
    const reuse = this.reuse.lookup(op, params);
    if (reuse && 'reply' in reuse) {
      this.ctx.metrics.reusedReads += 1;
      this.ctx.metrics.realQueries += sentQueries(statements.length, op.transaction); // counted as run: the report is the same with reuse off
      return { reply: reuse.reply };
    }
    if (op.maxRows && op.transaction) {
      const clock = virtualTimestamp(this.ctx.scheduler.now);
      return { reply: (b.block ??= new TxBlock(op.begin)).attempt(statements, op.maxRows, clock, walRecords, !!op.neutral, (req) => this.request(req)) };
    }
    const req: EngineRequest = {
      op: 'run',
      transaction: op.transaction || !!op.twoPhase,
      statements,
      // a part of a two-phase commit is rolled back here: its coordinator commits it (preparedTransaction.ts)
      ...(op.twoPhase ? { rollback: true } : {}),
      ...(op.maxRows ? { maxRows: op.maxRows, client: true, neutral: op.neutral } : {}),
      // a write's now() (its columns' defaults) is the virtual time it runs at
      ...(op.writes ? { clock: virtualTimestamp(this.ctx.scheduler.now) } : {}),
    };
    // room, awaited in the statement's event: no later event's request (a replay, housekeeping) goes before it
    while (this.outstanding.length >= MAX_OUTSTANDING) {
      const oldest = this.outstanding[0];
      await oldest.then(noop, noop);
      if (this.outstanding[0] === oldest) this.outstanding.shift();
    }
    const node = this.node();
    if (op.writes && !op.twoPhase && !node.isReplica) b.redo = node.recovery?.log(req, walRecords);
    const reply = this.request(req);
    if (reuse) this.reuse.keep(reuse, reply);
    return { reply };
  }

  /** A real client's block ends: a COMMIT runs it for real (awaited at the COMMIT's completion: `blockCommit`), a ROLLBACK drops it. */
  endBlock(b: Backend, commit: boolean, name: string): void {
    const c = commit ? b.block!.commit(name, virtualTimestamp(this.ctx.scheduler.now)) : undefined;
    b.block = undefined;
    if (!c) return;
    this.reuse.clear();
    const node = this.node();
    if (!node.isReplica) b.redo = node.recovery?.log(c.req, c.walRecords);
    b.blockCommit = this.request(c.req);
    b.record = node.replication?.recordWrite({ ...c, ok: b.blockCommit.then((r) => r.failedAt === undefined, () => false) });
  }

  /** Sends a run request now (the reply is the engine's own promise, not one wrapping it). */
  private request(req: RunRequest): Promise<RunReply> {
    this.ctx.metrics.realQueries += sentQueries(req.statements.length, req.transaction);
    return this.add(this.node().engine.request(req) as Promise<RunReply>);
  }

  /** A replica's replay request, in stream order; the oldest reply is forgotten past the bound. */
  replay(req: EngineRequest): void {
    this.add(this.node().engine.request(req), false);
  }

  /**
   * A request's reply joins the pipeline (its failure is seen where it is awaited, not here). `waited`: the
   * caller waited for room; otherwise (a replica's replay, in stream order) the oldest is forgotten past the
   * bound.
   */
  add<T>(p: Promise<T>, waited = true): Promise<T> {
    p.catch(() => undefined);
    this.outstanding.push(p);
    if (!waited && this.outstanding.length > MAX_OUTSTANDING) this.outstanding.shift();
    return p;
  }

  /** The engine is gone: nothing is outstanding any more. */
  clear(): void {
    this.outstanding = [];
  }
}
