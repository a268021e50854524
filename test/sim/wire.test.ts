/** The workload's wire protocol session (sim/engine/wire.ts) on a real PGlite. */
import { afterAll, describe, expect, it } from 'vitest';
import type { DbEngine } from '../../sim/engine/DbEngine.ts';
import type { EngineStatement, RunReply } from '../../sim/engine/protocol.ts';
import { ENGINE_CONF, templateSnapshot } from '../../sim/engine/snapshots.ts';
import { engines } from './harness.ts';

let engine: DbEngine;
afterAll(() => engine?.close());

const run = (statements: EngineStatement[], transaction = false, maxRows?: number) =>
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

describe('COPY', () => {
  it('FROM STDIN takes its data after its Execute (in a run with other statements too); TO STDOUT returns its CopyData', async () => {
    engine ??= await engines.create({ snapshot: await templateSnapshot(engines), postgresqlConf: ENGINE_CONF, name: 'wire' });
    await run([{ sql: 'CREATE TABLE c (id int PRIMARY KEY, v text)' }]);
    const bytes = (s: string) => new TextEncoder().encode(s);
    const copied = await run([{ sql: 'COPY c FROM STDIN', copy: bytes('1\ta\n2\t\\N\n') }, { sql: 'COPY c FROM STDIN (FORMAT csv)', copy: bytes('3,"c, d"\n') }, { sql: 'SELECT count(*) FROM c' }], true, 5);
    expect(copied.results.map((r) => r.tag)).toEqual(['COPY 2', 'COPY 1', 'SELECT 1']);
    expect(copied.results[2].rows).toEqual([['3']]);
    // bad data fails the statement with the server's error, and the transaction with it
    const bad = await run([{ sql: 'COPY c FROM STDIN', copy: bytes('4\td\nx\te\n') }, { sql: 'SELECT 1' }], true, 5);
    expect(bad).toMatchObject({ failedAt: 0, error: { sqlstate: '22P02', message: 'invalid input syntax for type integer: "x"' } });
    const out = await run([{ sql: 'COPY (SELECT * FROM c ORDER BY id) TO STDOUT (FORMAT csv)' }], false, 5);
    const { copyOut, tag } = out.results[0];
    expect(tag).toBe('COPY 3');
    expect({ ...copyOut, data: copyOut?.data.map((d) => new TextDecoder().decode(d)) }).toEqual({ format: 0, columns: 2, data: ['1,a\n', '2,\n', '3,"c, d"\n'] });
    // binary: what COPY TO gives, COPY FROM takes
    const binary = (await run([{ sql: 'COPY c TO STDOUT (FORMAT binary)' }], false, 5)).results[0].copyOut!;
    expect([binary.format, binary.columns]).toEqual([1, 2]);
    await run([{ sql: 'CREATE TABLE c2 (LIKE c)' }, { sql: 'COPY c2 FROM STDIN (FORMAT binary)', copy: new Uint8Array(Buffer.concat(binary.data)) }]);
    expect((await run([{ sql: 'SELECT count(*), count(v) FROM c2' }], false, 1)).results[0].rows).toEqual([['3', '2']]);
  });
});

describe('messages and replies', () => {
  it('an empty statement has its result; text beyond ASCII and messages past the first buffer go through whole', async () => {
    engine ??= await engines.create({ snapshot: await templateSnapshot(engines), postgresqlConf: ENGINE_CONF, name: 'wire' });
    // EmptyQueryResponse ends the empty statement: it has a result of its own, the SELECT after it keeps its own
    const empty = await run([{ sql: '' }, { sql: 'SELECT 1' }], true, 1);
    expect(empty.results).toEqual([{ rowCount: 0 }, { command: 'SELECT', rowCount: 1, tag: 'SELECT 1', columns: ['?column?'], types: [23], rows: [['1']] }]);
    const long = 'é'.repeat(3000);
    const echoed = await run([{ sql: 'SELECT $1::text AS a, length($1::text) AS n, $2::text AS b', params: [long, 'ünïcode ✓'] }], false, 1);
    expect(echoed.results[0].rows).toEqual([[long, '3000', 'ünïcode ✓']]);
    // a statement without rows then one with: each its own rows
    const two = await run([{ sql: 'SELECT 1 WHERE false' }, { sql: 'SELECT 2' }], true, 5);
    expect(two.results.map((r) => r.rows)).toEqual([[], [['2']]]);
  });
});
