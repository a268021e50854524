/**
 * A shard's part of a two-phase commit on its primary, for real (the coordinator: sim/nodes/proxy/twoPhaseCommit.ts):
 * `BEGIN; <the part's statements>; PREPARE TRANSACTION 'gid'` on the engine, then COMMIT PREPARED or ROLLBACK
 * PREPARED. The coordinator runs both phases in one event, so no other statement reaches the engine while the
 * part is prepared: PGlite has one session, and a statement that met the prepared transaction's row locks
 * would wait forever for a COMMIT PREPARED queued behind it (lock_timeout does not end that wait: checked).
 *
 * A committed part is a write like any other: its replicas get it (a stream record, committed at once) and
 * the node's redo log keeps it (as the plain transaction it was, so a crash's redo runs it again).
 */
import { type SimError, simError } from '../../core/errors.ts';
import { type DbEngine, EngineDeadError } from '../../engine/DbEngine.ts';
import type { EngineStatement, RunReply, RunRequest } from '../../engine/protocol.ts';
import { virtualTimestamp } from '../../monitoring/activity.ts';
import type { Membership } from '../../replication/ports.ts';
import { boundStatements, type PreparedOperation } from '../../workload/operations.ts';
import type { PreparedPart, SimContext } from '../types.ts';
import { fromEngineError } from './console.ts';
import type { Recovery } from './Recovery.ts';

/** What of its node a prepared part meets. */
export interface PreparingNode {
  engine: DbEngine;
  recovery: Recovery | undefined;
  replication: Membership | undefined;
  /** The engine died: the node crashes at its next event. */
  died(reason: string): void;
}

/**
 * Phase one on `node`: the part `op` with `params` runs and is prepared as `gid`. `console`: SQL typed in a
 * console (run as the console's role, shipped and redone as console SQL), `maxRows` rows of it come back.
 */
export async function prepareTransaction(
  ctx: SimContext,
  node: PreparingNode,
  gid: string,
  op: PreparedOperation,
  params: readonly unknown[],
  console?: { maxRows: number },
): Promise<PreparedPart> {
  const clock = virtualTimestamp(ctx.scheduler.now);
  const statements: EngineStatement[] = boundStatements(op, params);
  const req: RunRequest = {
    op: 'run',
    transaction: false,
    statements: [{ sql: 'BEGIN' }, ...statements, { sql: `PREPARE TRANSACTION '${gid}'` }],
    clock,
    ...(console ? { client: true, maxRows: console.maxRows } : {}),
  };
  const reply = await request(ctx, node, req);
  if ('dead' in reply) return { error: reply.dead, results: [], finish: async () => ({}) };
  const results = reply.results.slice(1, 1 + statements.length);
  if (reply.failedAt !== undefined) {
    return { error: fromEngineError(reply.error!), results, finish: async () => ({}) };
  }
  return {
    results,
    finish: async (commit) => {
      const end = await request(ctx, node, { op: 'run', transaction: false, statements: [{ sql: `${commit ? 'COMMIT' : 'ROLLBACK'} PREPARED '${gid}'` }] });
      if (!commit || 'dead' in end || end.failedAt !== undefined) return {};
      const now = ctx.scheduler.now;
      if (console) {
        const sql = op.statements.map((s) => s.sql).join(';\n');
        node.replication?.consoleWrote(sql, true);
        node.recovery?.ended(node.recovery.log({ op: 'console', sql, maxRows: 0, clock }, 1), now);
        return {};
      }
      node.recovery?.ended(node.recovery.log({ op: 'run', transaction: true, statements, clock }, statements.length), now);
      const rec = node.replication?.recordWrite({ op, params, walRecords: statements.length, ok: Promise.resolve(true) });
      if (!rec) return {};
      node.replication!.resolve(rec, true);
      return { position: rec.seq };
    },
  };
}

/** One request to the engine; a dead engine is the part's error (crash_shutdown) and the node's crash. */
async function request(ctx: SimContext, node: PreparingNode, req: RunRequest): Promise<RunReply | { dead: SimError }> {
  ctx.metrics.realQueries += req.statements.length;
  try {
    return (await node.engine.request(req)) as RunReply;
  } catch (e) {
    if (!(e instanceof EngineDeadError)) throw e;
    node.died(e.reason);
    return { dead: simError('crash_shutdown') };
  }
}
