/**
 * Scripted clients (workload `scripts`): one exact sequence in virtual time, so a lesson shows one race. On
 * real PGlite: a write on the primary, a wait, a read of it on a replica whose apply is delayed 300 ms.
 */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../sim/index.ts';
import { TestSim } from './TestSim.ts';

const ryw = (wait: string) => ({
  clients: 0,
  data: { users: 50, orders_per_user: 1 },
  scripts: [
    {
      name: 'read_your_write',
      start: '200ms',
      steps: [
        { name: 'rename', sql: "UPDATE users SET name = 'Ada' WHERE id = $1", params: [7], on: 'primary' },
        { wait },
        { name: 'read_back', sql: 'SELECT name FROM users WHERE id = $1', params: [7], on: 'replica1' },
      ],
    },
  ],
});

async function run(wait: string) {
  const t = await TestSim.start('app -> primary -> replica1, app -> replica1', {
    engine: 'pglite',
    settings: { replica1: { recovery_min_apply_delay: '300ms' } },
    workload: ryw(wait),
  });
  await t.advance('1s');
  return t;
}

describe('scripted clients', () => {
  it('show one read-your-writes violation: the read 100 ms after the write, on a replica 300 ms behind', async () => {
    const t = await run('100ms');
    const r = t.report();
    expect(r.completed).toBe(2);
    expect(r.consistency).toMatchObject({ staleReads: 1, rywViolations: 1 });
    expect(t.report().nodes.replica1.queries).toBeGreaterThanOrEqual(1);
    // the same race every run: the same report from the same scenario
    const again = await run('100ms');
    expect(JSON.stringify({ ...again.report(), wallSeconds: 0 })).toBe(JSON.stringify({ ...r, wallSeconds: 0 }));
  });

  it('show none when the read waits out the replica', async () => {
    const r = (await run('400ms')).report();
    expect(r.completed).toBe(2);
    expect(r.consistency).toMatchObject({ staleReads: 0, rywViolations: 0 });
  });

  it('hold a transaction open: the primary shows it idle in transaction, and the COMMIT ends it', async () => {
    const t = await TestSim.start('app -> primary', {
      engine: 'pglite',
      workload: {
        clients: 0,
        data: { users: 50, orders_per_user: 1 },
        scripts: [{ name: 'long_tx', steps: [{ sql: "UPDATE users SET name = 'Bo' WHERE id = 3", hold: '2s' }] }],
      },
    });
    await t.advance('1s');
    const during = await t.sql('primary', "SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'idle in transaction'");
    await t.advance('2s');
    const after = await t.sql('primary', "SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'idle in transaction'");
    const n = (x: Awaited<ReturnType<TestSim['sql']>>) => x.rows[0]?.[0];
    expect(n(during)).toBe(1);
    expect(n(after)).toBe(0);
    expect(t.report().completed).toBe(1);
  });

  it('refuse a step to a node no app has an edge to, and SQL without its values', () => {
    const p = parseScenario({
      nodes: [
        { id: 'app', kind: 'app' },
        { id: 'primary', kind: 'postgres' },
        { id: 'replica1', kind: 'postgres' },
      ],
      edges: [{ from: 'app', to: 'primary' }, { from: 'primary', to: 'replica1' }],
      workload: { scripts: [{ name: 's', steps: [{ sql: 'SELECT $1', on: 'replica1' }, {}] }] },
    });
    expect(p.ok).toBe(false);
    const paths = p.ok ? [] : p.issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['workload.scripts[0].steps[1]']));
    const q = parseScenario({
      nodes: [
        { id: 'app', kind: 'app' },
        { id: 'primary', kind: 'postgres' },
        { id: 'replica1', kind: 'postgres' },
      ],
      edges: [{ from: 'app', to: 'primary' }, { from: 'primary', to: 'replica1' }],
      workload: { scripts: [{ name: 's', steps: [{ sql: 'SELECT $1', on: 'replica1' }] }] },
    });
    const messages = q.ok ? [] : q.issues.map((i) => `${i.path}: ${i.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([expect.stringMatching(/steps\[0\]\.params: the SQL uses \$1/), expect.stringMatching(/steps\[0\]\.on: no app node has an edge to replica1/)]),
    );
  });
});
