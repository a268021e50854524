/** Read replicas on real PGlite: lag, stale reads per read_policy, synchronous commit, monitoring views, determinism. */
import { buildReport, type PostgresSnapshot, type ReplicaFigures, type Report, type Scenario, type Simulation } from '../../sim/index.ts';
import { describe, expect, it } from 'vitest';
import { readReplicas, startSim } from './harness.ts';

const scenario = (settings: Record<string, Record<string, unknown>> = {}, seed = 3) => readReplicas(settings, seed);

async function run(s: Scenario, seconds: number): Promise<{ sim: Simulation; report: Report }> {
  const sim = await startSim(s);
  await sim.runUntil(seconds * 1e6);
  return { sim, report: buildReport(sim, [], 0) };
}

const lagged = { replica1: { recovery_min_apply_delay: '30ms' }, replica2: { recovery_min_apply_delay: '30ms' } };

describe('read replicas', () => {
  it('async replicas with lag serve stale reads; read-your-writes on the same seed never misses a client its own write', async () => {
    const random = await run(scenario(lagged), 2);
    const c = random.report.consistency!;
    expect(c.staleReads).toBeGreaterThan(0);
    expect(c.rywViolations).toBeGreaterThan(0);
    expect((c.staleMs as { p50: number }).p50).toBeGreaterThan(0);
    // what the replica's real data says: it really lags (rows the primary has, the replica has not yet)
    await random.sim.close();

    const ryw = await run(scenario({ ...lagged, app: { read_policy: 'read-your-writes' } }), 2);
    const r = ryw.report.consistency!;
    expect(r.rywViolations).toBe(0);
    expect(Number(r.replicaReads)).toBeGreaterThan(0);
    expect(Number(r.primaryReads)).toBeGreaterThan(0); // reads that had to go to the primary
    await ryw.sim.close();

    const primary = await run(scenario({ ...lagged, app: { read_policy: 'primary' } }), 1);
    expect(primary.report.consistency!.staleReads).toBe(0);
    expect(primary.report.nodes.replica1.queries).toBe(0);
    await primary.sim.close();
  });

  it('remote_apply on both standbys: a client always reads its own writes, whatever the policy; commits wait for the lag', async () => {
    const s = scenario({
      ...lagged,
      primary: { synchronous_commit: 'remote_apply', synchronous_standby_names: 'ANY 2 (replica1, replica2)' },
    });
    const { sim, report } = await run(s, 2);
    expect(report.consistency!.rywViolations).toBe(0);
    expect(report.completed).toBeGreaterThan(100);
    // writes wait for the 30 ms apply delay: place_order and rename_user take more than 30 ms
    expect(report.latencyMs.max).toBeGreaterThan(30);
    const r = await sim.apply({ do: 'runSql', node: 'primary', sql: 'SELECT application_name, sync_state, sync_priority FROM pg_stat_replication ORDER BY 1' });
    expect(r.rows).toEqual([
      ['replica1', 'quorum', 1],
      ['replica2', 'quorum', 1],
    ]);
    await sim.close();
  });

  it('pg_stat_replication, pg_stat_wal_receiver and the recovery functions answer from the model', async () => {
    const s = scenario({
      replica1: { recovery_min_apply_delay: '200ms' },
      primary: { synchronous_standby_names: 'FIRST 1 (replica2, replica1)' },
    });
    const { sim, report } = await run(s, 1.5);
    const repl = await sim.apply({ do: 'runSql', node: 'primary', sql: 'SELECT * FROM pg_stat_replication ORDER BY application_name' });
    expect(repl.error).toBeUndefined();
    expect(repl.columns).toEqual([
      'pid', 'usesysid', 'usename', 'application_name', 'client_addr', 'client_hostname', 'client_port', 'backend_start',
      'backend_xmin', 'state', 'sent_lsn', 'write_lsn', 'flush_lsn', 'replay_lsn', 'write_lag', 'flush_lag', 'replay_lag',
      'sync_priority', 'sync_state', 'reply_time',
    ]);
    const col = (name: string) => repl.columns.indexOf(name);
    const [r1, r2] = repl.rows;
    expect(r1[col('state')]).toBe('streaming');
    expect([r1[col('sync_state')], r2[col('sync_state')]]).toEqual(['potential', 'sync']);
    expect([r1[col('sync_priority')], r2[col('sync_priority')]]).toEqual([2, 1]);

    // the lags pg_stat_replication shows are the model's, to the microsecond
    const lags = await sim.apply({ do: 'runSql', node: 'primary', sql: `SELECT application_name, extract(epoch FROM write_lag) * 1000, extract(epoch FROM flush_lag) * 1000,
              extract(epoch FROM replay_lag) * 1000, pg_wal_lsn_diff(sent_lsn, replay_lsn)
       FROM pg_stat_replication ORDER BY 1` });
    for (const row of lags.rows) {
      const model = (sim.nodes.get(String(row[0]))!.snapshot() as PostgresSnapshot).replication as ReplicaFigures;
      expect(Number(row[1])).toBeCloseTo(Number(model.writeLagMs), 3);
      expect(Number(row[2])).toBeCloseTo(Number(model.flushLagMs), 3);
      expect(Number(row[3])).toBeCloseTo(Number(model.replayLagMs), 3);
    }
    // replica1 replays 200 ms late: its replay_lag is over 200 ms, replica2's a few ms; replica1 is bytes behind
    expect(Number(lags.rows[0][3])).toBeGreaterThan(200);
    expect(Number(lags.rows[1][3])).toBeLessThan(20);
    expect(Number(lags.rows[0][4])).toBeGreaterThan(0);
    const rep = report.nodes.replica1.replication as { replayLagMs: { p50: number; max: number }; state: string; syncState: string };
    expect(rep.replayLagMs.p50).toBeGreaterThan(200);
    expect(rep.state).toBe('streaming');
    expect(rep.syncState).toBe('potential');

    const rec = await sim.apply({ do: 'runSql', node: 'replica1', sql: 'SELECT pg_is_in_recovery(), extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000' });
    expect(rec.rows[0][0]).toBe(true);
    expect(Number(rec.rows[0][1])).toBeGreaterThan(150);
    const onPrimary = await sim.apply({ do: 'runSql', node: 'primary', sql: 'SELECT pg_is_in_recovery(), pg_last_xact_replay_timestamp(), count(*) FROM pg_stat_wal_receiver' });
    expect(onPrimary.rows).toEqual([[false, null, 0]]);
    const wr = await sim.apply({ do: 'runSql', node: 'replica1', sql: 'SELECT status, sender_host, received_tli, flushed_lsn >= written_lsn FROM pg_stat_wal_receiver' });
    expect(wr.rows).toEqual([['streaming', 'primary', 1, true]]);
    const lsn = await sim.apply({ do: 'runSql', node: 'replica1', sql: 'SELECT pg_current_wal_lsn()' });
    expect(lsn.error?.message).toBe('recovery is in progress');
    const walsenders = await sim.apply({ do: 'runSql', node: 'primary', sql: "SELECT application_name FROM pg_stat_activity WHERE backend_type = 'walsender' ORDER BY 1" });
    expect(walsenders.rows).toEqual([['replica1'], ['replica2']]);
    const startup = await sim.apply({ do: 'runSql', node: 'replica1', sql: "SELECT count(*) FROM pg_stat_activity WHERE backend_type IN ('startup', 'walreceiver')" });
    expect(startup.rows).toEqual([[2]]);

    // a replica refuses writes with PostgreSQL's own error, even if asked for read-write
    const w = await sim.apply({ do: 'runSql', node: 'replica1', sql: "INSERT INTO users VALUES (99999, 'x@example.com', 'x', 'eu')" });
    expect(w.error?.message).toBe('cannot execute INSERT in a read-only transaction');
    expect(w.error?.sqlstate).toBe('25006');
    const rw = await sim.apply({ do: 'runSql', node: 'replica1', sql: "BEGIN READ WRITE; INSERT INTO users VALUES (99999, 'x@example.com', 'x', 'eu'); COMMIT;" });
    expect(rw.error?.message).toBe('cannot set transaction read-write mode during recovery');

    // DDL on the primary reaches the replicas' real data
    await sim.apply({ do: 'runSql', node: 'primary', sql: 'CREATE TABLE audit (id int PRIMARY KEY, note text)' });
    await sim.apply({ do: 'runSql', node: 'primary', sql: "INSERT INTO audit VALUES (1, 'shipped')" });
    await sim.runUntil(sim.now + 0.5e6);
    const audit = await sim.apply({ do: 'runSql', node: 'replica2', sql: 'SELECT note FROM audit' });
    expect(audit.rows).toEqual([['shipped']]);
    const delayed = await sim.apply({ do: 'runSql', node: 'replica1', sql: 'SELECT count(*) FROM pg_class WHERE relname = $$audit$$' });
    expect(delayed.rows).toEqual([[1]]); // replica1's 200 ms delay has passed too
    // replayed as it ran on the primary: the console's role owns it there and on the replicas (a promoted
    // replica's console can still alter or drop it)
    const owner = "SELECT tableowner FROM pg_tables WHERE tablename = 'audit'";
    expect((await sim.apply({ do: 'runSql', node: 'primary', sql: owner })).rows).toEqual([['sim_console']]);
    expect((await sim.apply({ do: 'runSql', node: 'replica2', sql: owner })).rows).toEqual([['sim_console']]);
    await sim.close();
  });

  it('is deterministic with replicas: same seed, same report apart from wall time', async () => {
    const once = async () => {
      const { sim, report } = await run(scenario(lagged, 11), 1.5);
      await sim.close();
      return JSON.stringify({ ...report, wallSeconds: 0 });
    };
    const a = await once();
    const b = await once();
    expect(JSON.parse(a).consistency.staleReads).toBeGreaterThan(0);
    expect(b).toBe(a);
  });
});
