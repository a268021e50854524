/** Resizing a postgres node during a run: a restart with downtime, dropped connections and a cold cache. */
import { describe, expect, it } from 'vitest';
import { buildReport, postgresSettings } from '../../sim/index.ts';
import type { PostgresSnapshot } from '../../sim/nodes/postgres/snapshot.ts';
import { scenario, startSim } from './harness.ts';

const resizable = () =>
  scenario({
    name: 'resize',
    nodes: [
      { id: 'app', kind: 'app', settings: { instances: 1, pool_size: 4 } },
      { id: 'primary', kind: 'postgres', settings: { ram: '512MB', shared_buffers: '1MB' } },
    ],
    edges: [{ from: 'app', to: 'primary' }],
    workload: {
      clients: 4,
      think_time: '2ms',
      data: { users: 20_000, orders_per_user: 0 },
      operations: [{ name: 'get_user', sql: 'SELECT id, email, name FROM users WHERE id = $1', params: [{ dist: 'zipf', min: 1, max: 20_000 }] }],
    },
  });

describe('resizing a postgres node', () => {
  it('shared_buffers: a restart drops the connections with FATAL, empties the cache, which warms up again', async () => {
    const sim = await startSim(resizable());
    const primary = () => sim.snapshot().nodes.find((n) => n.id === 'primary') as PostgresSnapshot;
    await sim.runUntil(2e6);
    const before = primary().cacheHitRatio!;
    expect(primary().connections).toBe(4);
    const r = await sim.apply({ do: 'setNodeSetting', node: 'primary', name: 'shared_buffers', value: '64MB' });
    expect(r.outcome).toBe('applied');
    expect(primary().status).toBe('restarting');
    expect(primary().connections).toBe(0);
    expect(sim.events.some((e) => e.type === 'node-stopped' && e.message.includes('4 connection(s) terminated'))).toBe(true);
    await sim.runUntil(4.05e6); // down for 2 s, then the first second of a cold cache
    expect(primary().status).toBe('up');
    // clients that tried during the restart got PostgreSQL's "the database system is starting up"
    expect(sim.metrics.errors.get('cannot_connect_now') ?? 0).toBeGreaterThan(0);
    await sim.runUntil(5.05e6);
    const cold = primary().cacheHitRatio!;
    await sim.runUntil(9.05e6);
    const warm = primary().cacheHitRatio!;
    expect(primary().connections).toBe(4); // the clients reconnected
    expect(cold).toBeLessThan(warm - 0.05);
    expect(warm).toBeGreaterThan(before + 0.05);
  }, 300_000);
});

describe('instance shapes', () => {
  it('an instance is its vCPU and RAM; picking the next size up is a new machine, and the report shows the price', async () => {
    expect(postgresSettings.parse({ instance: 'db.r7g.xlarge', cores: 64 })).toMatchObject({ cores: 4, ram: '32GB' });
    const s = resizable();
    s.nodes[1].settings = { ...s.nodes[1].settings, instance: 'db.m7g.large' };
    const sim = await startSim(scenario(s));
    await sim.runUntil(1e6);
    expect(buildReport(sim, [], 0).nodes.primary).toMatchObject({ instance: 'db.m7g.large', usdPerHour: 0.168 });
    const r = await sim.apply({ do: 'setNodeSetting', node: 'primary', name: 'instance', value: 'db.m7g.xlarge' });
    expect(r.outcome).toBe('applied');
    expect(sim.snapshot().nodes.find((n) => n.id === 'primary')).toMatchObject({ status: 'restarting', usdPerHour: 0.336 });
    expect(sim.restartScenario.nodes[1].settings).toMatchObject({ instance: 'db.m7g.xlarge', cores: 4, ram: '16GB' });
    await sim.runUntil(11.5e6); // a new machine: 10 s
    expect(sim.snapshot().nodes.find((n) => n.id === 'primary')!.status).toBe('up');
    expect(sim.metrics.node('primary').cores).toBe(4);
  }, 300_000);
});
