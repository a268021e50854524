/** The workload's wire protocol session (sim/engine/wire.ts) on a real PGlite. */
import { afterAll, describe, expect, it } from 'vitest';
import type { DbEngine } from '../../sim/engine/DbEngine.ts';
import type { RunReply } from '../../sim/engine/protocol.ts';
import { ENGINE_CONF, templateSnapshot } from '../../sim/engine/snapshots.ts';
import { engines } from './harness.ts';

let engine: DbEngine;
afterAll(() => engine?.close());

const run = (statements: { sql: string; params?: unknown[] }[], transaction = false, maxRows?: number) =>
  engine.request({ op: 'run', statements, transaction, maxRows }) as Promise<RunReply>;

describe('wire protocol session', () => {
  it('returns row counts, the first rows as text when asked, and the real error of a failed statement', async () => {
    engine = await engines.create({ snapshot: await templateSnapshot(engines), postgresqlConf: ENGINE_CONF, name: 'wire' });
    await run([{ sql: 'CREATE TABLE w (id int PRIMARY KEY, v text)' }]);
    const ins = await run([{ sql: 'INSERT INTO w SELECT g, CASE WHEN g % 2 = 0 THEN NULL ELSE g::text END FROM generate_series(1, $1::int) g', params: [5] }]);
    expect(ins).toEqual({ results: [{ command: 'INSERT', rowCount: 5 }] });

    const counted = await run([{ sql: 'SELECT id, v FROM w WHERE id <= $1 ORDER BY id', params: [3] }]);
    expect(counted.results).toEqual([{ command: 'SELECT', rowCount: 3 }]);

    const rows = await run([{ sql: 'SELECT id, v AS "the value" FROM w WHERE id <= $1 ORDER BY id', params: [3] }], false, 2);
    // with rows: the columns' type OIDs (int4, text) and the server's tag, for a real client's RowDescription
    expect(rows.results).toEqual([
      { command: 'SELECT', rowCount: 3, tag: 'SELECT 3', columns: ['id', 'the value'], types: [23, 25], rows: [['1', '1'], ['2', null]], truncated: true },
    ]);

    const tx = await run([{ sql: 'UPDATE w SET v = $1 WHERE id = 1', params: ['x'] }, { sql: 'SELECT v FROM w WHERE id = 1' }], true, 10);
    expect(tx.results).toEqual([
      { command: 'UPDATE', rowCount: 1, tag: 'UPDATE 1' },
      { command: 'SELECT', rowCount: 1, tag: 'SELECT 1', columns: ['v'], types: [25], rows: [['x']] },
    ]);

    const failed = await run([{ sql: 'UPDATE w SET v = $1 WHERE id = 1', params: ['y'] }, { sql: 'INSERT INTO w VALUES (1)' }], true, 10);
    expect(failed).toMatchObject({ failedAt: 1, error: { sqlstate: '23505' } });
    const after = await run([{ sql: 'SELECT v FROM w WHERE id = 1' }], false, 1);
    expect(after.results[0].rows).toEqual([['x']]); // the transaction was rolled back
  });
});

describe('runs sent together', () => {
  it('answer as one by one: a failed transaction refuses none after it, a statement first parsed by an earlier run is known', async () => {
    engine ??= await engines.create({ snapshot: await templateSnapshot(engines), postgresqlConf: ENGINE_CONF, name: 'wire' });
    await run([{ sql: 'CREATE TABLE b (id int PRIMARY KEY, n int)' }]);
    // sent in one task: the engine's queue answers them in as few round trips as it can
    const replies = await Promise.all([
      run([{ sql: 'INSERT INTO b VALUES ($1, 0)', params: [1] }], true),
      run([{ sql: 'INSERT INTO b VALUES ($1, 0)', params: [1] }, { sql: 'UPDATE b SET n = n + 1' }], true), // fails: duplicate key
      run([{ sql: 'UPDATE b SET n = n + 10 WHERE id = $1', params: [1] }], true),
      run([{ sql: 'SELECT 1 FROM b WHERE id = $1 AND n = 10', params: [1] }]),
      run([{ sql: 'SELECT 1/$1::int', params: [0] }]), // fails outside a transaction block
      run([{ sql: 'UPDATE b SET n = n + 100 WHERE id = $1', params: [1] }]),
      run([{ sql: 'SELECT n FROM b WHERE id = $1', params: [1] }]),
      run([{ sql: 'SELECT n FROM b WHERE id = $1', params: [2] }]),
    ]);
    expect(replies.map((r) => r.failedAt ?? r.results.map((x) => x.rowCount).join())).toEqual(['1', 0, '1', '1', 0, '1', '1', '0']);
    // parsed once, as one by one: the second run used the first's statement
    const prepared = await run([{ sql: 'SELECT 1 FROM pg_prepared_statements WHERE statement = $1', params: ['SELECT n FROM b WHERE id = $1'] }]);
    expect(prepared.results[0].rowCount).toBe(1);
    expect(replies[1].error?.sqlstate).toBe('23505');
    expect(replies[4].error?.sqlstate).toBe('22012');
    const n = await run([{ sql: 'SELECT n FROM b WHERE id = 1' }], false, 1);
    expect(n.results[0].rows).toEqual([['110']]);
  });
});
