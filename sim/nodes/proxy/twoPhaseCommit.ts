/**
 * Two-phase commit over shards: the one coordinator of every router that commits a request over several
 * shards that way (an app's ShardRouter under the map's `transaction_mode: TWOPC`, a `pgdog` node with
 * `two_phase_commit`, their sharded consoles).
 *
 * Each shard first runs its part of the request through its node, rolled back (`PreparedOperation.twoPhase`):
 * the part's modelled costs and its errors, at the statement that fails, are the part's. Then, when every
 * part succeeded, phase one prepares every part for real (`BEGIN; ...; PREPARE TRANSACTION 'gid'` on each
 * shard's primary, sim/nodes/postgres/preparedTransaction.ts) and phase two commits them all (COMMIT
 * PREPARED), or rolls them all back (ROLLBACK PREPARED) when one failed to prepare. So a part that fails
 * leaves no shard changed, as PostgreSQL's two-phase commit does, and each shard's replicas get exactly
 * what committed on it.
 *
 * Invariants:
 * - Both phases run in one event: no other statement reaches a shard's engine while a part is prepared (its
 *   one session would wait forever on the prepared rows' locks), so one gid per router suffices.
 * - Modelled time: after the slowest part, each phase is a round trip that waits for the slowest shard
 *   (PREPARE TRANSACTION, then COMMIT PREPARED); a request whose part failed ends one round trip later
 *   (the ROLLBACK on the others), one whose PREPARE failed two (ROLLBACK PREPARED on the others).
 * - Not modelled: a shard failing between the phases (an in-doubt prepared transaction); a COMMIT PREPARED
 *   waiting for synchronous standbys.
 */
import { type SimError, simError } from '../../core/errors.ts';
import type { StatementResult } from '../../engine/protocol.ts';
import type { PreparedOperation } from '../../workload/operations.ts';
import { isSqlEndpoint, type PreparedPart, type SimContext } from '../types.ts';

/** One shard's part: its endpoint (the shard's primary) and what it runs. */
export interface TwoPhasePart {
  endpoint: string;
  op: PreparedOperation;
  params: readonly unknown[];
}

/** A two-phase commit's end: the first error in shard order, or each part's results and stream position. */
export interface TwoPhaseResult {
  error?: SimError;
  results: StatementResult[][];
  positions: (number | undefined)[];
}

/** The gid a router's prepared parts carry (one at a time per shard: see the invariants). */
export function twoPhaseGid(router: string): string {
  return `pglab_2pc_${router}`;
}

/**
 * Both phases now, in the caller's event: every part prepared, then all committed, or all rolled back when
 * one failed. Parts that only read have nothing to commit and are not prepared. `console`: the parts are
 * SQL typed in a console.
 */
export async function commitParts(ctx: SimContext, gid: string, parts: readonly TwoPhasePart[], console?: { maxRows: number }): Promise<TwoPhaseResult> {
  const prepared: PreparedPart[] = [];
  for (const p of parts) {
    if (p.op.readOnly) {
      prepared.push({ results: [], finish: async () => ({}) });
      continue;
    }
    const node = ctx.node(p.endpoint);
    const part = isSqlEndpoint(node) && node.prepareTransaction ? await node.prepareTransaction(gid, p.op, p.params, console) : undefined;
    prepared.push(part ?? { error: simError('no_route'), results: [], finish: async () => ({}) });
  }
  const failed = prepared.find((p) => p.error);
  const ends = await Promise.all(prepared.map((p): Promise<{ position?: number }> => (p.error ? Promise.resolve({}) : p.finish(!failed))));
  if (failed) return { error: failed.error, results: [], positions: [] };
  return { results: prepared.map((p) => p.results), positions: ends.map((e) => e.position) };
}

/**
 * The phases after every shard's part replied, `rttUs` a round trip to the slowest shard: `error`, a part's
 * error known now; `later`, those of parts known later (a statement outside a transaction: Reply.outcome).
 * `done` gets the end, at its modelled time.
 */
export function twoPhases(
  ctx: SimContext,
  gid: string,
  parts: readonly TwoPhasePart[],
  rttUs: number,
  error: SimError | undefined,
  later: readonly Promise<SimError | undefined>[],
  done: (r: TwoPhaseResult) => void,
): void {
  const failed = (e: SimError): TwoPhaseResult => ({ error: e, results: [], positions: [] });
  if (error) {
    ctx.scheduler.after(rttUs, () => done(failed(error)));
    return;
  }
  ctx.scheduler.after(rttUs, async () => {
    const partError = (await Promise.all(later)).find((e) => e);
    if (partError) return done(failed(partError));
    const r = await commitParts(ctx, gid, parts);
    ctx.scheduler.after(rttUs, () => done(r));
  });
}
