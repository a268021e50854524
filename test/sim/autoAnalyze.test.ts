/** Autovacuum's ANALYZE (sim/nodes/postgres/autoAnalyze.ts): when it is due, and its threshold on a real PGlite. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbEngine } from '../../sim/engine/DbEngine.ts';
import type { RunReply } from '../../sim/engine/protocol.ts';
import { dataSnapshot, ENGINE_CONF } from '../../sim/engine/snapshots.ts';
import { analyzeDue, autoAnalyze } from '../../sim/nodes/postgres/autoAnalyze.ts';
import { postgresSettings } from '../../sim/nodes/postgres/settings.ts';
import { engines } from './harness.ts';

const defaults = postgresSettings.parse({});

describe('autovacuum analyze: when the launcher looks', () => {
  it('every autovacuum_naptime of virtual time (1min by default), never with autovacuum off', () => {
    expect([59e6, 60e6, 61e6, 120e6].map((t) => analyzeDue(defaults, t))).toEqual([false, true, false, true]);
    const tenSeconds = postgresSettings.parse({ autovacuum_naptime: '10s' });
    expect([10e6, 15e6, 20e6].map((t) => analyzeDue(tenSeconds, t))).toEqual([true, false, true]);
    expect(analyzeDue(postgresSettings.parse({ autovacuum: 'off' }), 60e6)).toBe(false);
  });
});

describe('autovacuum analyze on a real PGlite', () => {
  let engine: DbEngine;
  const modSinceAnalyze = async () => {
    await engine.request({ op: 'exec', sql: 'SELECT pg_catalog.pg_stat_force_next_flush()' });
    const r = (await engine.request({ op: 'run', statements: [{ sql: "SELECT n_mod_since_analyze FROM pg_catalog.pg_stat_user_tables WHERE relname = 't'" }], transaction: false, maxRows: 1 })) as RunReply;
    return Number(r.results[0].rows?.[0]?.[0]);
  };
  const update = (ids: string) => engine.request({ op: 'exec', sql: `UPDATE t SET v = v + 1 WHERE id ${ids}` });

  beforeAll(async () => {
    // the data snapshot's setup ends with ANALYZE: t starts with no change since its last
    const snapshot = await dataSnapshot(engines, 'CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t SELECT g, g FROM generate_series(1, 1000) g');
    engine = await engines.create({ snapshot, postgresqlConf: ENGINE_CONF, name: 'pg1' });
  }, 60_000);
  afterAll(() => engine.close());

  it('analyzes a table once its changes exceed threshold + scale factor * reltuples, and n_mod_since_analyze resets', async () => {
    expect(await modSinceAnalyze()).toBe(0);
    // 50 + 0.1 * 1000 = 150: 150 changes are not over it
    await update('<= 150');
    autoAnalyze(engine, defaults, 60e6);
    expect(await modSinceAnalyze()).toBe(150);
    // not due at 61 s, whatever the changes
    await update('= 151');
    autoAnalyze(engine, defaults, 61e6);
    expect(await modSinceAnalyze()).toBe(151);
    autoAnalyze(engine, defaults, 120e6);
    expect(await modSinceAnalyze()).toBe(0);
    // a lower threshold analyzes a smaller change
    await update('<= 10');
    autoAnalyze(engine, postgresSettings.parse({ autovacuum_analyze_threshold: 5, autovacuum_analyze_scale_factor: 0 }), 60e6);
    expect(await modSinceAnalyze()).toBe(0);
  });
});
