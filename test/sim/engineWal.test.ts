/**
 * Issue 17: a node's engine, a single-user PostgreSQL without a checkpointer, checkpoints on its own once it
 * has written its max_wal_size's worth of WAL (Recovery.ts `engineCheckpoint`), so the WAL segments it keeps
 * in memory between the node's checkpoints stay few; the node's restartpoint is not moved by it. Real PGlite,
 * in this thread; the engine's memory as the `memory` request reports it (sim/engine/engineMemory.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { DbEngine } from '../../sim/engine/DbEngine.ts';
import type { EngineMemory } from '../../sim/engine/engineMemory.ts';
import { dataSnapshot, ENGINE_CHECKPOINT_WAL_BYTES, ENGINE_CONF } from '../../sim/engine/snapshots.ts';
import { Recovery } from '../../sim/nodes/postgres/Recovery.ts';
import { postgresSettings } from '../../sim/nodes/postgres/settings.ts';
import type { SimContext } from '../../sim/nodes/types.ts';
import { engines } from './harness.ts';

const open: DbEngine[] = [];
afterAll(async () => {
  await Promise.all(open.map((e) => e.close()));
});

const memory = async (e: DbEngine) => ((await e.request({ op: 'memory' })) as { memory: EngineMemory }).memory;

describe("a node's engine between the node's checkpoints", { timeout: 60_000 }, () => {
  it("checkpoints on its own at its max_wal_size, keeping few WAL segments, and leaves the node's restartpoint where it was", async () => {
    const snapshot = await dataSnapshot(engines, 'CREATE TABLE t (id int PRIMARY KEY, v text)');
    const engine = await engines.create({ snapshot, postgresqlConf: ENGINE_CONF, name: 'n' });
    open.push(engine);
    const ctx = { scheduler: { now: 10e6 }, metrics: { realQueries: 0 }, emit: () => undefined } as unknown as SimContext;
    const recovery = new Recovery(ctx, 'n', snapshot);
    // the node's own schedule (5 min, 1 GB) is far: only the engine's can act
    const settings = postgresSettings.parse({});
    const writeWal = async (from: number) => {
      const reply = await engine.request({ op: 'exec', sql: `INSERT INTO t SELECT g, repeat(md5(g::text), 20) FROM generate_series(${from}, ${from + 9_999}) g` });
      expect(reply).toEqual({});
    };

    recovery.measureWal(engine);
    await recovery.look(engine, settings, false, undefined);
    await writeWal(1);
    await writeWal(10_001);
    recovery.measureWal(engine);
    const written = (await memory(engine)).wal.used;
    await recovery.look(engine, settings, false, undefined);
    const after = await memory(engine);

    // ~14 MB of WAL was written: every segment was still there before the look, two at most after it
    expect(written).toBeGreaterThan(ENGINE_CHECKPOINT_WAL_BYTES);
    expect(after.wal.used).toBeLessThanOrEqual(2 * 2 ** 20);
    expect(recovery.restartpoint.atUs).toBe(0);
    expect(recovery.pending).toBe(0);
  });
});
