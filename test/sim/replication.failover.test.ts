/** Replication faults on real PGlite: kill the primary, promotion, lost writes, followers, stop/start, lag spikes, recovery conflicts. */
import { buildReport, type PostgresSnapshot, type Scenario, type Simulation } from '../../sim/index.ts';
import { describe, expect, it } from 'vitest';
import { readReplicas, startSim } from './harness.ts';

const scenario = (settings: Record<string, Record<string, unknown>> = {}, seed = 5) => readReplicas(settings, seed);

async function start(s: Scenario): Promise<Simulation> {
  const sim = await startSim(s);
  return sim;
}

/** A node's replication figures, as its snapshot shows them. */
const figures = (sim: Simulation, node: string) => (sim.nodes.get(node)!.snapshot() as PostgresSnapshot).replication as unknown as Record<string, unknown>;

const count = async (sim: Simulation, node: string, sql = 'SELECT count(*) FROM orders') => Number((await sim.apply({ do: 'runSql', node, sql })).rows[0]?.[0]);

describe('replication faults', () => {
  it('async failover loses exactly the committed writes the promoted replica never received, and its real data shows it', async () => {
    const s = scenario({ app: { read_policy: 'round-robin' } });
    // replica1 is far away: a lot of the stream is on the wire when the primary dies
    s.edges.find((e) => e.from === 'primary' && e.to === 'replica1')!.latency = '300ms';
    const sim = await start(s);
    await sim.runUntil(1.5e6);
    await sim.apply({ do: 'stopWorkload' });
    const repl = sim.replication;
    const oldOrders = await count(sim, 'primary');
    // what the primary's engine ran but had not committed yet (its clients get an error, not a commit)
    const openInserts = repl.streams.get('primary')!.log.kept.filter((r) => r.state === 'open' && r.op?.name === 'place_order');
    expect(await sim.apply({ do: 'fault', fault: { kind: 'kill', node: 'primary' } })).toMatchObject({ outcome: 'applied' });
    const fork = repl.standbys.get('replica1')!.received;
    const unshipped = repl.streams.get('primary')!.log.kept.filter((r) => r.seq > fork && r.state === 'committed');
    const unshippedOk = [];
    for (const r of unshipped) if (await r.ok) unshippedOk.push(r.seq);
    expect(unshippedOk.length).toBeGreaterThan(5);

    expect(await sim.apply({ do: 'fault', fault: { kind: 'promote', node: 'replica1' } })).toMatchObject({ outcome: 'applied' });
    await sim.runUntil(2.5e6);
    expect(repl.role('replica1')).toBe('primary');
    const report = buildReport(sim, [], 0);
    expect(report.consistency!.lostWrites).toBe(unshippedOk.length);
    const lost = report.consistency!.lost as { seq: number; op: string; acknowledged: boolean }[];
    expect(lost.map((l) => l.seq)).toEqual(unshippedOk);
    expect(lost.every((l) => l.acknowledged)).toBe(true); // async: the clients were told they committed

    // the real rows: the new primary has every order but the lost ones and those never committed
    let okOpen = 0;
    for (const r of openInserts) if (await r.ok) okOpen++;
    const lostInserts = lost.filter((l) => l.op === 'place_order').length;
    expect(await count(sim, 'replica1')).toBe(oldOrders - lostInserts - okOpen);

    // it is a primary now: writable, out of recovery
    expect((await sim.apply({ do: 'runSql', node: 'replica1', sql: 'SELECT pg_is_in_recovery()' })).rows).toEqual([[false]]);
    const ins = await sim.apply({ do: 'runSql', node: 'replica1', sql: 'INSERT INTO orders (user_id, amount) VALUES (1, 9.99)' });
    expect(ins.error).toBeUndefined();
    expect(sim.events.some((e) => e.type === 'promoted' && e.node === 'replica1')).toBe(true);
    // replica2 (1 ms away) had received more than replica1: the new timeline forked before its position,
    // so it cannot follow without pg_rewind, as in PostgreSQL
    await sim.runUntil(3e6);
    expect(sim.events.some((e) => e.type === 'replication' && e.node === 'replica2' && e.message.includes('pg_rewind'))).toBe(true);
    expect((await sim.apply({ do: 'runSql', node: 'replica1', sql: 'SELECT count(*) FROM pg_stat_replication' })).rows).toEqual([[0]]);
    await sim.close();
  });

  it('with a synchronous standby (on) nothing acknowledged is lost; automatic failover promotes after the detection delay and the app writes to the new primary', async () => {
    const sim = await start(
      scenario({
        primary: { synchronous_commit: 'on', synchronous_standby_names: 'FIRST 1 (replica2)', auto_failover_after: '300ms' },
      }),
    );
    await sim.runUntil(1e6);
    await sim.apply({ do: 'fault', fault: { kind: 'kill', node: 'primary' } });
    await sim.runUntil(1.2e6);
    expect(sim.replication.role('replica2')).toBe('replica'); // not yet: detection takes 300 ms
    await sim.runUntil(2.5e6);
    expect(sim.replication.role('replica2')).toBe('primary'); // the most advanced; the sync standby on a tie
    // replica1 follows the new primary on timeline 2 and has its real data
    const follower = await sim.apply({ do: 'runSql', node: 'replica2', sql: 'SELECT application_name, state FROM pg_stat_replication' });
    expect(follower.rows).toEqual([['replica1', 'streaming']]);
    expect((await sim.apply({ do: 'runSql', node: 'replica1', sql: 'SELECT received_tli FROM pg_stat_wal_receiver' })).rows).toEqual([[2]]);
    const report = buildReport(sim, [], 0);
    const lost = report.consistency!.lost as { acknowledged: boolean }[];
    expect(lost.filter((l) => l.acknowledged)).toEqual([]);
    // until the promotion, the app's reconnects to the dead primary are refused
    expect(report.errors.sqlclient_unable_to_establish_sqlconnection).toBeGreaterThan(0);
    // writes succeed again after the failover: on the new primary
    const before = sim.metrics.completed;
    await sim.runUntil(3.5e6);
    expect(sim.metrics.completed).toBeGreaterThan(before + 100);
    await sim.apply({ do: 'stopWorkload' });
    await sim.runUntil(4e6);
    expect(await count(sim, 'replica1')).toBe(await count(sim, 'replica2'));
    await sim.close();
  });

  it('a stopped replica refuses connections, falls behind, and catches up after start; commits wait for a missing sync standby', async () => {
    const sim = await start(
      scenario({ app: { read_policy: 'lag-aware' }, primary: { synchronous_commit: 'remote_write', synchronous_standby_names: 'FIRST 1 (replica1)' } }),
    );
    await sim.runUntil(0.5e6);
    expect(await sim.apply({ do: 'fault', fault: { kind: 'stop', node: 'replica1' } })).toMatchObject({ outcome: 'applied' });
    await sim.runUntil(1.2e6);
    // no synchronous standby: every commit on the primary waits (SyncRep), as PostgreSQL does
    const waiting = await sim.apply({ do: 'runSql', node: 'primary', sql: "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'" });
    expect(Number(waiting.rows[0][0])).toBeGreaterThan(0);
    expect((await sim.apply({ do: 'runSql', node: 'primary', sql: 'SELECT application_name FROM pg_stat_replication' })).rows).toEqual([['replica2']]);
    expect(await sim.apply({ do: 'fault', fault: { kind: 'start', node: 'replica1' } })).toMatchObject({ outcome: 'applied' });
    await sim.runUntil(2.5e6);
    expect((await sim.apply({ do: 'runSql', node: 'primary', sql: "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'" })).rows).toEqual([[0]]);
    const state = await sim.apply({ do: 'runSql', node: 'primary', sql: 'SELECT application_name, state, sync_state FROM pg_stat_replication ORDER BY 1' });
    expect(state.rows).toEqual([
      ['replica1', 'streaming', 'sync'],
      ['replica2', 'streaming', 'async'],
    ]);
    await sim.apply({ do: 'stopWorkload' });
    await sim.runUntil(3e6);
    expect(await count(sim, 'replica1')).toBe(await count(sim, 'primary'));
    // lag-aware never sent a read to the stopped replica
    expect(sim.metrics.errors.get('sqlclient_unable_to_establish_sqlconnection') ?? 0).toBe(0);
    await sim.close();
  });

  it('a lag spike slows replay; a long query on a replica is cancelled after max_standby_streaming_delay', async () => {
    const s = scenario({ replica1: { max_standby_streaming_delay: '200ms' }, replica2: { max_standby_streaming_delay: '200ms' } });
    s.workload.operations!.push({
      name: 'user_report',
      weight: 0.2,
      sql: 'SELECT region, count(*) FROM users, (SELECT pg_sleep(1)) AS slow GROUP BY region',
      params: [],
    });
    const sim = await start(s);
    expect(await sim.apply({ do: 'fault', fault: { kind: 'lag-spike', node: 'replica2', applyFactor: 2000, duration: '1s' } })).toMatchObject({ outcome: 'applied' });
    await sim.runUntil(1e6);
    const peak = Number(figures(sim, 'replica2').replayDelayMs);
    expect(peak).toBeGreaterThan(300);
    expect(Number(figures(sim, 'replica1').replayDelayMs)).toBeLessThan(peak / 2);
    await sim.runUntil(3e6);
    // the spike is over: replica2 caught up (waits for conflicting queries cost at most 200 ms)
    expect(Number(figures(sim, 'replica2').replayDelayMs)).toBeLessThan(peak / 2);
    const report = buildReport(sim, [], 0);
    expect(report.errors.serialization_failure).toBeGreaterThan(0);
    expect(Number((report.consistency!.perReplica as Record<string, { conflictCancels: number }>).replica1.conflictCancels)).toBeGreaterThan(0);
    await sim.close();
  });
});
