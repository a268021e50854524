/**
 * A postgres node's engine requests go in virtual order whatever the engine's pace (sim/nodes/postgres/Pipeline.ts):
 * at the bound of replies outstanding a statement waits for the oldest reply before it is sent (in its event: the
 * scheduler awaits it), and a later statement must not overtake it, or the engine runs statements in an order the
 * wall clock chose.
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
  it('sends a statement waiting for room once the oldest reply comes, and a later one after it', async () => {
    const { engine, sent, answers } = slowEngine();
    const ctx = { metrics: new Metrics(() => 0), scheduler: { now: 0 } } as unknown as SimContext;
    const pipeline = new Pipeline(ctx, () => ({ engine, recovery: undefined, replication: undefined, isReplica: true }), new ReadReuse(undefined, () => new Set()));
    const b = {} as Backend;
    const flush = () => new Promise((r) => setImmediate(r));
    for (let i = 0; i < 256; i++) await pipeline.send(b, read(`SELECT ${i}`), [], 0);
    const waiting = pipeline.send(b, read('SELECT waiting'), [], 0);
    const later = pipeline.send(b, read('SELECT later'), [], 0);
    await flush();
    expect(sent).toHaveLength(256); // both wait for room
    answers[0]();
    await waiting;
    await flush();
    expect(sent.slice(256)).toEqual(['SELECT waiting']);
    answers[1]();
    await later;
    pipeline.replay({ op: 'exec', sql: 'replayed' });
    expect(sent.slice(256)).toEqual(['SELECT waiting', 'SELECT later', 'replayed']);
  });
});
