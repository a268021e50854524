/**
 * Issue 17: a primary's stream forgets the records below every standby's restartpoint, so its log stays
 * bounded over a run with checkpoints; a standby and a primary that crash after a trim still recover (the
 * standby streams again from its restartpoint, which was kept) and end with every record applied. Model
 * test on the stand-in engine (no SQL: the data's convergence is recovery.test.ts's, on PGlite).
 */
import { describe, expect, it } from 'vitest';
import { standInEngineFactory } from '../../sim/engine/StandInEngine.ts';
import { buildReport } from '../../sim/index.ts';
import { killable, scenario, startSim } from './harness.ts';

describe('the replication stream over a run with checkpoints', { timeout: 60_000 }, () => {
  it('keeps only what a standby may still need, and a standby and a primary that crash after a trim still recover', async () => {
    const { factory, live } = killable(standInEngineFactory());
    const checkpoints = { checkpoint_timeout: '30s' };
    const s = scenario({
      nodes: [
        { id: 'app', kind: 'app' },
        { id: 'primary', kind: 'postgres', settings: checkpoints },
        { id: 'replica1', kind: 'postgres', settings: checkpoints },
      ],
      edges: [
        { from: 'app', to: 'primary' },
        { from: 'primary', to: 'replica1' },
      ],
      // writes only: every request is a record
      workload: { clients: 8, operations: [{ name: 'touch', sql: "UPDATE users SET name = 'x' WHERE id = 1" }] },
    });
    const sim = await startSim(s, { engines: factory });
    const stream = sim.replication.streams.get('primary')!;
    const standby = sim.replication.standbys.get('replica1')!;
    let restarted = 1;
    for (let t = 10; t <= 70; t += 10) {
      await sim.runUntil(t * 1e6);
      // ten seconds are more than a trim's 1024 records: what came before replica1's restartpoint then is gone
      expect(stream.log.first).toBeGreaterThanOrEqual(restarted);
      restarted = standby.node.restartPosition() ?? 1;
    }
    const written = stream.log.position;
    expect(written).toBeGreaterThan(5000);
    // the restartpoint at 60 s keeps what replica1 had applied then: the records before it are gone
    const restart = standby.node.restartPosition()!;
    expect(restart).toBeGreaterThan(written / 2);
    expect(stream.log.first).toBe(restart);
    expect(stream.log.kept.length).toBeLessThan(written / 2);

    // a standby that crashes goes back to its restartpoint (kept) and streams the rest again
    // the node finds its engine dead at its next request (here a console's)
    live.get('replica1')!.kill();
    await sim.apply({ do: 'runSql', node: 'replica1', sql: 'SELECT 1' });
    await sim.runUntil(72e6);
    expect(sim.events.some((e) => e.type === 'node-crashed' && e.node === 'replica1')).toBe(true);
    await sim.runUntil(75e6);
    expect(standby.state).toBe('streaming');
    expect(standby.applied).toBeGreaterThan(written);

    // so does a primary that crashes: its standby reconnects and catches up
    live.get('primary')!.kill();
    await sim.apply({ do: 'runSql', node: 'primary', sql: 'SELECT 1' });
    await sim.runUntil(78e6);
    expect(sim.events.some((e) => e.type === 'node-crashed' && e.node === 'primary')).toBe(true);
    await sim.apply({ do: 'stopWorkload' });
    await sim.runUntil(82e6);
    expect(standby.state).toBe('streaming');
    expect(standby.applied).toBe(stream.log.position);
    expect(buildReport(sim, [], 0).consistency!.lostWrites).toBe(0);
  });
});
