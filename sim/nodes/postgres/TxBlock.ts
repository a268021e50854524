/**
 * A real client's transaction block (serve/: BEGIN ... COMMIT over the wire) on a node whose engine has one
 * session, shared by every client: a block cannot stay open on it between the client's statements, which
 * come when the client likes. So:
 * - each statement of the block runs with the block's earlier statements before it, in one transaction
 *   that is rolled back (sequences included): its rows, row counts and errors are those it has in the
 *   block, and no other session ever sees the block's uncommitted rows;
 * - COMMIT runs the whole block again as one transaction that commits (a block that only read has nothing
 *   to commit and runs nothing); ROLLBACK runs nothing. Either way it is one engine request, sent in virtual
 *   order like every other, so the same calls give the same rows: deterministic.
 *
 * What this is not: a snapshot held open. The earlier statements run again each time, each under read
 * committed, so a row another session committed meanwhile is seen by them too, and a statement that
 * succeeded may fail when run again (its error is then the later statement's, or the COMMIT's, and the
 * block is rolled back, as PostgreSQL does with an error at COMMIT). now() is the virtual time each run
 * starts at, not the block's start. Locks are not held between statements: no other session waits on the
 * block's rows.
 */
import type { EngineStatement, RunReply, RunRequest } from '../../engine/protocol.ts';
import { isReadOnlySql, type PreparedOperation } from '../../workload/operations.ts';

export class TxBlock {
  /** The statements that succeeded so far, with their parameters. */
  private readonly done: EngineStatement[] = [];
  /** The WAL records of the profiles of those that write (for the redo log and the stream). */
  private walRecords = 0;

  /**
   * Sends (`send`) the request that answers the block's next statement: the earlier ones and it, rolled
   * back. Its reply is the statement's own; the statement joins the block when it succeeded.
   */
  attempt(next: readonly EngineStatement[], maxRows: number, clock: string, walRecords: number, send: (req: RunRequest) => Promise<RunReply>): Promise<RunReply> {
    const k = this.done.length;
    const reply = send({ op: 'run', client: true, transaction: true, rollback: true, statements: [...this.done, ...next], maxRows, clock }).then((r) => this.answer(r, k, next, walRecords));
    reply.catch(() => undefined);
    return reply;
  }

  private answer(reply: RunReply, k: number, next: readonly EngineStatement[], walRecords: number): RunReply {
    const results = reply.results.slice(k);
    if (reply.failedAt === undefined) {
      this.done.push(...next);
      this.walRecords += walRecords;
      return { results };
    }
    // an earlier statement that fails now (another session's commit changed what it meets) fails this one
    return { results, failedAt: Math.max(0, reply.failedAt - k), error: reply.error };
  }

  /**
   * The block's commit: the request that runs it, and the operation a replication stream ships (its
   * statements with their parameters in one list). Undefined when it has nothing to commit.
   */
  commit(name: string, clock: string): { req: RunRequest; op: PreparedOperation; params: unknown[]; walRecords: number } | undefined {
    if (this.done.every((s) => isReadOnlySql(s.sql))) return undefined;
    const params: unknown[] = [];
    const statements = this.done.map((s) => {
      const from = params.push(...(s.params ?? [])) - (s.params?.length ?? 0);
      return { sql: s.sql, paramIndexes: (s.params ?? []).map((_, i) => from + i) };
    });
    const op: PreparedOperation = { name, weight: 0, statements, transaction: true, readOnly: false, writes: true };
    return { req: { op: 'run', client: true, transaction: true, statements: this.done, clock }, op, params, walRecords: this.walRecords };
  }
}
