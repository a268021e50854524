/**
 * Issue 14, defect 11: after a kill and a promote, PgBouncer kept sending its server connections to the
 * dead primary, with no way to re-point it. `repoint` moves its link to the promoted replica (as a VIP,
 * a DNS name or HAProxy would), rewrites host= in [databases], and the traffic flows again; it is
 * journaled, so a replay does the same, and a restart loads the re-pointed topology.
 */
import { describe, expect, it } from 'vitest';
import { TestSim } from './TestSim.ts';

describe('re-pointing a pooler after a failover', () => {
  it('sends the pooled traffic to the promoted replica, in the running sim and in the scenario a restart loads', async () => {
    const t = await TestSim.start('app -> pgbouncer -> primary -> replica1', {
      settings: { pgbouncer: { databases: { app: 'host=primary dbname=postgres' } } },
      workload: { clients: 8 },
    });
    await t.advance('1s');
    await t.sim.apply({ do: 'fault', fault: { kind: 'kill', node: 'primary' } });
    await t.sim.apply({ do: 'fault', fault: { kind: 'promote', node: 'replica1' } });
    await t.advance('1s');
    const stuck = t.node('replica1').queries;
    await t.advance('1s');
    // before: nothing reaches the new primary through the pooler
    expect(t.node('replica1').queries).toBe(stuck);

    await expect(t.sim.apply({ do: 'repoint', node: 'pgbouncer', from: 'primary', to: 'replica1' })).resolves.toMatchObject({ outcome: 'applied' });
    const before = t.node('replica1').queries;
    // the pool's last login failed (the dead primary): PgBouncer tries again after server_login_retry (15 s)
    await t.advance('16s');
    expect(t.node('replica1').queries).toBeGreaterThan(before + 100);
    expect(t.events('repointed').map((e) => e.message)).toEqual(['pgbouncer now points at replica1 instead of primary']);
    const restart = t.sim.restartScenario;
    expect(restart.edges.some((e) => e.from === 'pgbouncer' && e.to === 'replica1')).toBe(true);
    expect(restart.edges.some((e) => e.from === 'pgbouncer' && e.to === 'primary')).toBe(false);
    expect((restart.nodes.find((n) => n.id === 'pgbouncer')!.settings as { databases: Record<string, string> }).databases.app).toBe('host=replica1 dbname=postgres');
    expect(t.sim.journal.map((e) => e.command.do)).toEqual(['fault', 'fault', 'repoint']);
    // the setting the re-point rewrote is told as JSON (defect 12: [object Object])
    expect(t.events('setting-applied').map((e) => e.message)).toEqual(['pgbouncer: databases = {"app":"host=replica1 dbname=postgres"} applied']);
  });

  it('refuses a re-point that makes no sense, and changes nothing', async () => {
    const t = await TestSim.start('app -> pgbouncer -> primary -> replica1');
    await expect(t.sim.apply({ do: 'repoint', node: 'pgbouncer', from: 'replica1', to: 'primary' })).rejects.toThrow('pgbouncer has no link to replica1');
    await expect(t.sim.apply({ do: 'repoint', node: 'pgbouncer', from: 'primary', to: 'app' })).rejects.toThrow('app is not a database node');
    await expect(t.sim.apply({ do: 'repoint', node: 'pgbouncer', from: 'primary', to: 'nope' })).rejects.toThrow('no node "nope"');
    expect(t.sim.journal).toEqual([]);
  });
});
