/**
 * A postgres node's engine requests go in virtual order whatever the engine's pace (sim/nodes/postgres/Pipeline.ts):
 * at the bound of replies outstanding a statement's request waits for the oldest reply, and a later request (a
 * replica's replay) must not overtake it, or the engine runs statements in an order the wall clock chose.
 */
import { describe, expect, it } from 'vitest';
import type { DbEngine } from '../../sim/engine/DbEngine.ts';
import type { EngineReply, EngineRequest } from '../../sim/engine/protocol.ts';
import { Metrics } from '../../sim/metrics/Metrics.ts';
import type { SimContext } from '../../sim/nodes/types.ts';
import type { Backend } from '../../sim/nodes/postgres/Backends.ts';
import { Pipeline } from '../../sim/nodes/postgres/Pipeline.ts';
import { ReadReuse } from '../../sim/nodes/postgres/Reuse.ts';
import type { PreparedOperation } from '../../sim/workload/operations.ts';

/** An engine that answers only when told: the order requests reach it, and a way to answer the oldest. */
function slowEngine() {
  const sent: string[] = [];
  const answers: (() => void)[] = [];
  const engine = {
    request(req: EngineRequest): Promise<EngineReply> {
      sent.push('sql' in req ? String(req.sql) : (req as { statements: { sql: string }[] }).statements[0].sql);
      return new Promise((resolve) => answers.push(() => resolve({ results: [] } as unknown as EngineReply)));
    },
  } as unknown as DbEngine;
  return { engine, sent, answers };
}

const read = (sql: string): PreparedOperation => ({ name: sql, weight: 1, statements: [{ sql, paramIndexes: [] }], transaction: false, readOnly: true, writes: false });

describe('a node pipeline at its bound', () => {
  it('sends a later statement and a replay after the statement that waits for room, once the oldest reply comes', async () => {
    const { engine, sent, answers } = slowEngine();
    const ctx = { metrics: new Metrics(() => 0), scheduler: { now: 0 } } as unknown as SimContext;
    const pipeline = new Pipeline(ctx, () => ({ engine, recovery: undefined, replication: undefined, isReplica: true }), new ReadReuse(undefined, () => new Set()));
    const b = {} as Backend;
    for (let i = 0; i < 256; i++) await pipeline.send(b, read(`SELECT ${i}`), [], 0);
    await pipeline.send(b, read('SELECT waiting'), [], 0);
    await pipeline.send(b, read('SELECT later'), [], 0);
    pipeline.replay({ op: 'exec', sql: 'replayed' });
    await new Promise((r) => setImmediate(r));
    expect(sent).toHaveLength(256); // all wait: the first for room, the others for their turn
    answers[0]();
    answers[1]();
    await new Promise((r) => setImmediate(r));
    expect(sent.slice(256)).toEqual(['SELECT waiting', 'SELECT later', 'replayed']);
  });
});
