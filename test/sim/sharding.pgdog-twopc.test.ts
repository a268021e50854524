/**
 * A pgdog node's two_phase_commit (PgDog's setting in pgdog.toml's [general]): a transaction or a write over
 * two shards commits on both or on neither, by the coordinator an app's router uses (real PGlite shards).
 */
import { describe, expect, it } from 'vitest';
import { pgdogToml } from '../../sim/nodes/pgdog/deploy.ts';
import { pgdogSettings } from '../../sim/nodes/pgdog/settings.ts';
import { buildReport } from '../../sim/report.ts';
import { keyOf } from '../../sim/sharding/keys.ts';
import { shardLocator } from '../../sim/sharding/shardMap.ts';
import { scenario, scenarioFile, startSim } from './harness.ts';

const pgdog = scenarioFile('sharding-pgdog.json');
const locate = shardLocator(pgdog.sharding!);
const on = (shard: string) => Array.from({ length: 50 }, (_, i) => i + 1).filter((k) => locate(keyOf('bigint', k)).shard === shard);
const [a] = on('shard1');
const [b] = on('shard2');
const both = [{ dist: 'list', values: [a] }, { dist: 'list', values: [b] }];

/** One client, for half a second: a transaction marking `a` and `b`, one statement marking both, and one that fails on `b`. */
function twoShardWrites(twoPhaseCommit: 'true' | 'false') {
  const s = structuredClone(pgdog) as unknown as Record<string, any>;
  s.nodes.find((n: { id: string }) => n.id === 'pgdog').settings.two_phase_commit = twoPhaseCommit;
  s.workload = {
    mode: 'closed',
    clients: 1,
    think_time: '1ms',
    data: s.workload.data,
    operations: [
      { name: 'tx', weight: 1, sql: ["UPDATE users SET name = 'tx' WHERE id = $1", "UPDATE users SET name = 'tx' WHERE id = $2"], params: both },
      { name: 'fails', weight: 1, sql: ["UPDATE users SET email = 'failed' WHERE id = $1", `UPDATE users SET email = 'failed' || (1 / (id - ${b}))::text WHERE id = $2`], params: both },
      { name: 'one', weight: 1, sql: `UPDATE users SET email = 'failed' || (1 / (id - ${b}))::text WHERE id IN ($1, $2)`, params: both },
    ],
  };
  s.run.duration = '500ms';
  return scenario(s);
}

describe("a pgdog node's two_phase_commit", () => {
  it('on: a transaction over two shards commits on both; one whose part fails, on neither', async () => {
    const sim = await startSim(twoShardWrites('true'));
    await sim.runUntil(0.5e6);
    const report = buildReport(sim, [], 0);
    expect(report.completed).toBeGreaterThan(5);
    expect(report.errors).toEqual({ division_by_zero: report.failed });
    expect(report.failed).toBeGreaterThan(5);
    expect(report.sharding!.crossShardErrors).toBe(0);
    expect(report.sharding!.twoPhaseCommits).toBeGreaterThan(report.completed);
    const ids = async (node: string, where: string) => (await sim.apply({ do: 'runSql', node, sql: `SELECT id FROM users WHERE ${where} ORDER BY id` })).rows.map((r) => Number(r[0]));
    expect([await ids('shard1', "name = 'tx'"), await ids('shard2', "name = 'tx'")]).toEqual([[a], [b]]);
    for (const shard of ['shard1', 'shard2']) expect(await ids(shard, "email LIKE 'failed%'")).toEqual([]);
    // its console too
    const bad = await sim.apply({ do: 'runSql', node: 'pgdog', sql: `UPDATE users SET name = 'c' || (1 / (id - ${b}))::text WHERE id IN (${a}, ${b})` });
    expect(bad.error).toMatchObject({ code: 'division_by_zero' });
    expect([...(await ids('shard1', "name LIKE 'c%'")), ...(await ids('shard2', "name LIKE 'c%'"))]).toEqual([]);
  });

  it('off (the default): refused, naming both shards; exported in pgdog.toml', async () => {
    const sim = await startSim(twoShardWrites('false'));
    await sim.runUntil(0.2e6);
    const report = buildReport(sim, [], 0);
    expect(report.completed).toBe(0);
    expect(report.errors).toEqual({ cross_shard_transaction: report.failed });
    expect(report.sharding!.twoPhaseCommits).toBeUndefined();
    const settings = pgdogSettings.parse({ two_phase_commit: 'true' });
    expect(pgdogToml(settings, { id: 'pgdog', targets: [] } as never)).toContain('\ntwo_phase_commit = true\n');
    expect(pgdogToml(pgdogSettings.parse({}), { id: 'pgdog', targets: [] } as never)).toContain('\ntwo_phase_commit = false\n');
  });
});
