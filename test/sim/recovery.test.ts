/**
 * Issues 17 and 18: a primary that crashes with writes going on recovers from its checkpoint and the redo of
 * what committed since, and then its standbys hold exactly its data (every row, every value), the WAL
 * positions shown never go backwards, and the report counts nothing lost. Real PGlite, in process: the
 * crash is its engine's death (the machine under it fails), which the node finds at its next request.
 */
import { describe, expect, it } from 'vitest';
import { buildReport, type Simulation } from '../../sim/index.ts';
import { parseLsn } from '../../sim/replication/Stream.ts';
import { killable, readReplicas, startSim } from './harness.ts';

const NODES = ['primary', 'replica1', 'replica2'];
/** Each table's rows in primary-key order, every column, as one digest. */
const DIGESTS = `SELECT
  (SELECT md5(string_agg(concat_ws('|', id, user_id, amount, status, created_at), ',' ORDER BY id)) FROM orders),
  (SELECT md5(string_agg(concat_ws('|', id, email, name, region, created_at), ',' ORDER BY id)) FROM users),
  (SELECT count(*) FROM orders)`;

async function sql(sim: Simulation, node: string, text: string): Promise<unknown[][]> {
  const r = await sim.apply({ do: 'runSql', node, sql: text });
  expect(r.error, `${node}: ${text}`).toBeUndefined();
  return r.rows;
}

const lsn = async (sim: Simulation, text: string) => parseLsn(String((await sql(sim, 'primary', text))[0][0]));
const SENT = "SELECT max(sent_lsn)::text FROM pg_stat_replication WHERE state = 'streaming'";

describe('a primary that crashes with writes going on', { timeout: 120_000 }, () => {
  it('recovers every committed write, its standbys converge to exactly its data, and its WAL positions never go back', async () => {
    const { factory, live } = killable();
    const sim = await startSim(readReplicas({}, 21), { engines: factory });
    await sim.runUntil(1.5e6);
    // a console write takes its column defaults (now()) at the virtual time it ran, here and in every replay
    await sql(sim, 'primary', 'INSERT INTO orders (user_id, amount) VALUES (1, 1.5)');
    await sim.runUntil(2e6);
    const walBefore = await lsn(sim, 'SELECT pg_current_wal_lsn()::text');
    const sentBefore = await lsn(sim, SENT);
    const stream = sim.replication.streams.get('primary')!;
    const before = buildReport(sim, [], 0).consistency!;

    live.get('primary')!.kill();
    await sim.runUntil(2.1e6);
    const crash = sim.events.find((e) => e.type === 'node-crashed' && e.message.includes('crash recovery'));
    expect(crash?.message).toMatch(/from its checkpoint at 0 s, redoing \d+ write/);
    // the console waits for the restart; the positions go on from where they were: the recovered WAL ends after the crashed one
    expect(await lsn(sim, 'SELECT pg_current_wal_lsn()::text')).toBeGreaterThan(walBefore);
    expect(sim.events.some((e) => e.type === 'node-restarted' && e.node === 'primary' && e.at > crash!.at)).toBe(true);
    await sim.runUntil(2.5e6);
    expect(await lsn(sim, SENT)).toBeGreaterThan(sentBefore);
    const recovered = buildReport(sim, [], 0).consistency!;

    await sim.runUntil(6e6);
    // the standbys streamed again, and reads on them are as stale as before the crash, not stuck in the past
    expect([...sim.replication.standbys.values()].map((s) => s.state)).toEqual(['streaming', 'streaming']);
    const after = buildReport(sim, [], 0).consistency!;
    const rate = (a: typeof before, b: typeof before) => ((b.staleReads as number) - (a.staleReads as number)) / ((b.replicaReads as number) - (a.replicaReads as number));
    expect((after.replicaReads as number) - (recovered.replicaReads as number)).toBeGreaterThan(500);
    expect(rate(recovered, after)).toBeLessThan(Math.max(0.05, 3 * (before.staleReads as number) / (before.replicaReads as number)));
    expect(after.lostWrites).toBe(0);

    await sim.apply({ do: 'stopWorkload' });
    await sim.runUntil(7e6);
    await stream.settle();
    // every write the clients were told committed is there once (each place_order inserts one order)
    const committed = stream.log.kept.filter((w) => w.op?.name === 'place_order' && w.state === 'committed' && w.okValue).length;
    expect(committed).toBeGreaterThan(50);
    const digests = [];
    for (const node of NODES) digests.push(await sql(sim, node, DIGESTS));
    expect(Number(digests[0][0][2])).toBe(5000 + 1 + committed);
    for (const [i, node] of NODES.entries()) expect(digests[i], node).toEqual(digests[0]);
  });
});
