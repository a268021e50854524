/**
 * Golden reports: the JSON report (minus wallSeconds) of fixed runs (scenario, seed and journal), byte
 * for byte. Any refactoring must keep them; a change that must move a figure updates the fixture in its
 * own commit that says why.
 * Regenerate: UPDATE_GOLDEN=1 npx vitest run test/sim/golden.test.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildReport, type JournalEntry, type Scenario } from '../../sim/index.ts';
import { scenarioFile, startSim } from './harness.ts';

interface Golden {
  file: string;
  seconds: number;
  seed: number;
  /** Commands scheduled before the run (each an event at its time, as a fault timeline is). */
  journal?: JournalEntry[];
  sql: { node: string; query: string }[];
}

const goldens: Record<string, Golden> = {
  'single-primary': {
    file: 'single-primary.json',
    seconds: 4,
    seed: 3,
    sql: [{ node: 'primary', query: 'SELECT state, count(*) FROM pg_stat_activity GROUP BY state ORDER BY state' }],
  },
  'analytics-beside-oltp': { file: 'analytics-beside-oltp.json', seconds: 4, seed: 5, sql: [] },
  pgbouncer: { file: 'pgbouncer.json', seconds: 4, seed: 7, sql: [{ node: 'pgbouncer', query: 'SHOW POOLS' }] },
  'read-replicas': {
    file: 'read-replicas.json',
    seconds: 4,
    seed: 11,
    sql: [
      { node: 'primary', query: 'SELECT application_name, state, sync_state FROM pg_stat_replication ORDER BY 1' },
      { node: 'replica1', query: 'SELECT count(*) FROM orders' },
    ],
  },
  'read-replicas-failover': {
    file: 'read-replicas.json',
    seconds: 5,
    seed: 13,
    journal: [
      { at: 1.5e6, command: { do: 'fault', fault: { kind: 'kill', node: 'primary' } }, scheduled: true },
      { at: 2e6, command: { do: 'fault', fault: { kind: 'promote', node: 'replica1' } }, scheduled: true },
    ],
    sql: [
      { node: 'replica1', query: 'SELECT pg_is_in_recovery(), count(*) FROM orders' },
      { node: 'replica2', query: 'SELECT count(*) FROM orders' },
    ],
  },
};

async function goldenReport(g: Golden): Promise<string> {
  const s: Scenario = structuredClone(scenarioFile(g.file));
  s.run.seed = g.seed;
  const sim = await startSim(s, { journal: g.journal });
  await sim.runUntil(g.seconds * 1e6);
  const sql = [];
  for (const q of g.sql) sql.push(await sim.apply({ do: 'runSql', node: q.node, sql: q.query }));
  expect(sim.journal.slice(0, g.journal?.length ?? 0)).toEqual(g.journal ?? []);
  const { wallSeconds: _, ...report } = buildReport(sim, sql, 0);
  await sim.close();
  return `${JSON.stringify(report, null, 1)}\n`;
}

describe('golden reports', () => {
  for (const [name, g] of Object.entries(goldens)) {
    it(`${name}: the same scenario, seed and journal give the committed report byte for byte`, async () => {
      const path = `test/fixtures/golden/${name}.json`;
      const fresh = await goldenReport(g);
      if (process.env.UPDATE_GOLDEN) writeFileSync(path, fresh);
      expect(fresh === readFileSync(path, 'utf8'), `${path} differs from a fresh run`).toBe(true);
    });
  }
});
