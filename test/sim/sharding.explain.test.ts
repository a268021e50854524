/** Route explain as the app asks it (Simulation.explainRoute): an app's and a shard router's, one boot each. */
import { describe, expect, it } from 'vitest';
import { CommandError } from '../../sim/index.ts';
import { scenarioFile, startSim } from './harness.ts';

describe('route explain of a console statement', () => {
  it('at a range-sharded app: the key, its range and the shard; $n bound in order; EXPLAIN dropped; no key scatters', async () => {
    const sim = await startSim(scenarioFile('sharding-range.json'));
    const hot = sim.explainRoute('app', 'SELECT id, name FROM users WHERE id = 1001');
    expect(hot).toMatchObject({ route: 'one', shards: ['shard2'], keys: [{ table: 'users', column: 'id', source: 'constant', key: '1001', shard: 'shard2' }] });
    expect(hot.keys[0].why).toBe('1001 is in FOR VALUES FROM (501) TO (MAXVALUE)');
    const bound = sim.explainRoute('app', 'EXPLAIN SELECT * FROM orders WHERE user_id = $1', [7]);
    expect(bound).toMatchObject({ route: 'one', shards: ['shard1'], keys: [{ source: '$1', key: '7', table: 'orders', column: 'user_id' }] });
    const scatter = sim.explainRoute('app', 'SELECT count(*) FROM orders');
    expect(scatter).toMatchObject({ route: 'scatter', shards: ['shard1', 'shard2'], merge: 'aggregates', keys: [] });
    expect(scatter.reason).toContain('no sharding key');
    expect(() => sim.explainRoute('shard1', 'SELECT 1')).toThrow(CommandError);
  });

  it('at a pgdog node, the same decision as its console’s EXPLAIN', async () => {
    const sim = await startSim(scenarioFile('sharding-pgdog.json'));
    const e = sim.explainRoute('pgdog', 'SELECT id FROM users WHERE id = 42');
    expect(e.route).toBe('one');
    expect(e.keys[0].why).toMatch(/^partition hash of 42|^hashint8extended|ring|virtual shard|% 2 = [01]/);
    const console = await sim.apply({ do: 'runSql', node: 'pgdog', sql: 'EXPLAIN SELECT id FROM users WHERE id = 42' });
    expect(console.rows.map((r) => String(r[0])).join('\n')).toContain(e.keys[0].why);
  });
});
