/** Issue 18: what a hostile or careless user could break, on real PGlite. */
import { describe, expect, it } from 'vitest';
import { nodeEngineFactory } from '../../sim/engine/node/platform.ts';
import { scenario, startSim } from './harness.ts';

const RUNAWAY = 'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r';

const small = () =>
  scenario({
    name: 'small',
    nodes: [
      { id: 'app', kind: 'app', settings: { instances: 1, pool_size: 5 } },
      { id: 'primary', kind: 'postgres' },
    ],
    edges: [{ from: 'app', to: 'primary' }],
    workload: { clients: 4, think_time: '10ms', data: { users: 200, orders_per_user: 2 } },
  });

describe('after a runaway kill', () => {
  it('the console waits for the restart instead of answering "starting up" while virtual time stands still', async () => {
    const sim = await startSim(small(), { engines: nodeEngineFactory({ kind: 'worker', watchdogMs: 1000 }) });
    await sim.runUntil(500_000);
    const r = await sim.apply({ do: 'runSql', node: 'primary', sql: RUNAWAY });
    expect(r.error?.code).toBe('runaway_statement');
    const ok = await sim.apply({ do: 'runSql', node: 'primary', sql: 'SELECT count(*) FROM users' });
    expect(ok.error).toBeUndefined();
    expect(ok.rows).toEqual([[200]]);
    expect(sim.events.filter((e) => e.type === 'node-restarted' && e.node === 'primary')).toHaveLength(1);
    // the restart's own event later does nothing more
    await sim.runUntil(4e6);
    expect(sim.events.filter((e) => e.type === 'node-restarted' && e.node === 'primary')).toHaveLength(1);
  });
});
