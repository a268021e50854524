/** The model tests' stand-in engine (sim/engine/StandInEngine.ts) and TestSim's one-line topologies. */
import { describe, expect, it } from 'vitest';
import { EngineDeadError } from '../../sim/engine/DbEngine.ts';
import type { ConsoleReply, ProfileReply, RunReply } from '../../sim/engine/protocol.ts';
import { dataSnapshot } from '../../sim/engine/snapshots.ts';
import { StandInEngine, standInEngineFactory, WAL_BYTES_PER_WRITE } from '../../sim/engine/StandInEngine.ts';
import { profileFromPlan } from '../../sim/nodes/postgres/costModel.ts';
import { parseTopology, TestSim } from './TestSim.ts';

const engine = () => new StandInEngine('pg', 1234567);
const run = async (e: StandInEngine, sql: string) => ((await e.request({ op: 'run', statements: [{ sql }], transaction: false, maxRows: 1 })) as RunReply).results[0];

describe('the stand-in engine', () => {
  it('profiles a query and a write as the fixed costs its documentation gives, and pg_sleep as sleep', async () => {
    const reply = (await engine().request({
      op: 'profile',
      statements: [
        { sql: 'SELECT id FROM users WHERE id = $1', params: [7] },
        { sql: 'UPDATE users SET name = $2 WHERE id = $1', params: [7, 'Ada'] },
        { sql: 'SELECT pg_sleep(0.25), pg_sleep($1)', params: [0.5] },
        { sql: 'SET work_mem = 4096' },
      ],
    })) as ProfileReply;
    const [query, write, sleep, utility] = reply.statements.map((s) => profileFromPlan(s.plan, s.sleptSeconds, 0));
    expect(query.cpuUs).toBeCloseTo(25.95, 6);
    expect(query).toMatchObject({ rows: 1, randomPages: 3, walRecords: 0 });
    expect(write.cpuUs).toBeCloseTo(27.75, 6);
    expect(write).toMatchObject({ rows: 1, randomPages: 4, walRecords: 1 });
    expect(sleep.sleepSeconds).toBe(0.75);
    expect(reply.statements[3].plan).toBeNull();
    expect(utility.cpuUs).toBe(25);
  });

  it('moves pg_current_wal_lsn by WAL_BYTES_PER_WRITE per write statement, and answers the configured pg_database_size', async () => {
    const e = engine();
    const lsn = async () => Number.parseInt(String((await run(e, 'SELECT pg_catalog.pg_current_wal_lsn()::text')).rows![0][0]).split('/')[1], 16);
    const start = await lsn();
    await e.request({ op: 'run', transaction: true, statements: [{ sql: 'INSERT INTO orders (user_id) VALUES ($1)', params: [1] }, { sql: 'SELECT 1' }] });
    await run(e, 'WITH d AS (DELETE FROM orders RETURNING id) SELECT count(*) FROM d');
    expect((await lsn()) - start).toBe(2 * WAL_BYTES_PER_WRITE);
    expect((await run(e, 'SELECT pg_database_size(current_database())::float8')).rows).toEqual([[1234567]]);
    expect(await run(e, 'UPDATE users SET name = name')).toEqual({ command: 'UPDATE', rowCount: 1 });
  });

  it('refuses console SQL with a clear answer, and every request once killed', async () => {
    const e = engine();
    const reply = (await e.request({ op: 'console', sql: 'SELECT 1', maxRows: 10 })) as ConsoleReply;
    expect(reply.error).toMatchObject({ sqlstate: '0A000', message: 'the stand-in engine runs no SQL' });
    e.kill();
    expect(e.alive).toBe(false);
    await expect(e.request({ op: 'exec', sql: 'SELECT 1' })).rejects.toBeInstanceOf(EngineDeadError);
  });

  it('builds a data snapshot through the usual path', async () => {
    expect(await dataSnapshot(standInEngineFactory(), 'CREATE TABLE t (id int)')).toEqual(new Uint8Array(0));
  });

  it('gives the same report for the same seed, and another for another seed', async () => {
    const report = async (seed: number) => {
      const t = await TestSim.start('app -> pgbouncer -> primary -> replica1, app -> replica1', { seed, workload: { clients: 10 } });
      await t.advance('1s');
      return JSON.stringify(t.report());
    };
    const a = await report(3);
    expect(await report(3)).toBe(a);
    expect(await report(4)).not.toBe(a);
  });
});

describe('TestSim topologies', () => {
  it('infer kinds from ids, take explicit ones, and chain edges', () => {
    expect(parseTopology('app -> pgb1 -> primary -> replica1, app2 -> db:postgres, app2 -> replica1')).toEqual({
      nodes: [
        { id: 'app', kind: 'app' },
        { id: 'pgb1', kind: 'pgbouncer' },
        { id: 'primary', kind: 'postgres' },
        { id: 'replica1', kind: 'postgres' },
        { id: 'app2', kind: 'app' },
        { id: 'db', kind: 'postgres' },
      ],
      edges: [
        { from: 'app', to: 'pgb1' },
        { from: 'pgb1', to: 'primary' },
        { from: 'primary', to: 'replica1' },
        { from: 'app2', to: 'db' },
        { from: 'app2', to: 'replica1' },
      ],
    });
  });

  it('refuse an id whose kind they cannot tell', () => {
    expect(() => parseTopology('app -> db')).toThrow('no kind for node "db"');
  });
});
