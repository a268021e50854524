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
 *
 * Savepoints are statements of the block like any other: SAVEPOINT, RELEASE and ROLLBACK TO run again with
 * it, so the engine gives them PostgreSQL's meaning (a ROLLBACK TO undoes what followed its SAVEPOINT in
 * every later run) and errors (3B001 for a savepoint that does not exist). A statement that failed never
 * joins the block, so after `ROLLBACK TO` the block goes on as in PostgreSQL. The block's BEGIN, with its
 * modes (READ ONLY, ISOLATION LEVEL), starts every run.
 *
 * A block is capped at MAX_BLOCK_STATEMENTS: its runs cost the engine n(n+1)/2 statements, and the engine
 * serves every client of the node one request at a time, so a block of thousands (a dump loaded with
 * psql -1) would stall them all. The statement past the cap fails with PostgreSQL's
 * program_limit_exceeded (54000), which aborts the block as any error does.
 */
import type { EngineStatement, RunReply, RunRequest } from '../../engine/protocol.ts';
import { isReadOnlySql, type PreparedOperation } from '../../workload/operations.ts';

/** Statements a real client's block may hold (see the file's comment). */
export const MAX_BLOCK_STATEMENTS = 100;

export class TxBlock {
  /** The statements that succeeded so far, with their parameters. */
  private readonly done: EngineStatement[] = [];
  /** The WAL records of the profiles of those that write (for the redo log and the stream). */
  private walRecords = 0;
  /** Every statement so far leaves the session alone: the runs take the engine's cheap path (protocol.ts `neutral`). */
  private neutral = true;

  /** `begin`: the block's BEGIN as the client wrote it (`START TRANSACTION READ ONLY`), undefined for a bare one. */
  constructor(private readonly begin: string | undefined) {}

  /**
   * Sends (`send`) the request that answers the block's next statement: the earlier ones and it, rolled
   * back. Its reply is the statement's own; the statement joins the block when it succeeded. `neutral`:
   * the statement leaves the session alone.
   */
  attempt(next: readonly EngineStatement[], maxRows: number, clock: string, walRecords: number, neutral: boolean, send: (req: RunRequest) => Promise<RunReply>): Promise<RunReply> {
    const k = this.done.length;
    if (k + next.length > MAX_BLOCK_STATEMENTS) {
      const message = `a transaction block on the simulated server holds at most ${MAX_BLOCK_STATEMENTS} statements`;
      const hint = 'Commit in smaller transactions (psql without --single-transaction); each statement of a block runs again with the ones before it.';
      return Promise.resolve({ results: [], failedAt: 0, error: { sqlstate: '54000', severity: 'ERROR', message, hint } });
    }
    const req: RunRequest = { op: 'run', client: true, neutral: this.neutral && neutral, transaction: true, rollback: true, statements: [...this.done, ...next], maxRows, clock };
    if (this.begin) req.begin = this.begin;
    const reply = send(req).then((r) => this.answer(r, k, next, walRecords, neutral));
    reply.catch(() => undefined);
    return reply;
  }

  private answer(reply: RunReply, k: number, next: readonly EngineStatement[], walRecords: number, neutral: boolean): RunReply {
    const results = reply.results.slice(k);
    if (reply.failedAt === undefined) {
      this.done.push(...next);
      this.walRecords += walRecords;
      this.neutral &&= neutral;
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
      return { sql: s.sql, paramIndexes: (s.params ?? []).map((_, i) => from + i), ...(s.copy ? { copy: s.copy } : {}) };
    });
    const op: PreparedOperation = { name, weight: 0, statements, transaction: true, readOnly: false, writes: true };
    const req: RunRequest = { op: 'run', client: true, neutral: this.neutral, transaction: true, statements: this.done, clock };
    if (this.begin) req.begin = this.begin;
    return { req, op, params, walRecords: this.walRecords };
  }
}
