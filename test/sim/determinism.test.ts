/**
 * Same scenario and seed, same run: each case runs twice on engines in worker threads (the CLI's and the
 * app's, whose replies come back whenever the machine gets to them) and compares the report byte for byte,
 * and the data on every database node row for row, timestamps included.
 * The long proof is the CLI's: two `npm run sim -- lessons/scenarios/read-replicas.json --duration 600s --speed max
 * --json F` runs give the same report but for wallSeconds.
 */
import { describe, expect, it } from 'vitest';
import { nodeEngineFactory } from '../../sim/engine/node/platform.ts';
import { buildReport, type Scenario, type Simulation } from '../../sim/index.ts';
import { readReplicas, scenarioFile, startSim } from './harness.ts';

/** A runaway the console guard cannot judge before it runs (a computed bound), so the watchdog kills the node. */
const RUNAWAY = 'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 1e15) SELECT count(*) FROM r';
const DIGEST = "SELECT md5(string_agg(id || ':' || user_id || ':' || amount || ':' || status || ':' || created_at, ',' ORDER BY id)) FROM orders";

/** The report without its wall time, and each database node's orders as a digest. */
async function outcome(sim: Simulation): Promise<string> {
  const digests = [];
  for (const n of sim.scenario.nodes.filter((x) => x.kind === 'postgres')) digests.push(await sim.apply({ do: 'runSql', node: n.id, sql: DIGEST }));
  const { wallSeconds: _, ...report } = buildReport(sim, digests, 0);
  return JSON.stringify(report, null, 1);
}

async function twice(s: Scenario, run: (sim: Simulation) => Promise<void>): Promise<[string, string]> {
  const out: string[] = [];
  for (let i = 0; i < 2; i++) {
    // a watchdog that a loaded machine's legitimate statements do not reach; the runaway below does
    const sim = await startSim(s, { engines: nodeEngineFactory({ kind: 'worker', watchdogMs: 4000 }) });
    await run(sim);
    out.push(await outcome(sim));
    await sim.close();
  }
  return [out[0], out[1]];
}

// each case is two whole runs on a machine that may be shared: more time than one test usually needs
describe('determinism on worker engines', { timeout: 400_000 }, () => {
  it('read replicas: the same report and the same rows on the primary and every replica', async () => {
    const [a, b] = await twice(readReplicas({}, 5), (sim) => sim.runUntil(6e6));
    expect(JSON.parse(a).completed).toBeGreaterThan(2000);
    expect(b).toBe(a);
  });

  it('pgbouncer: the same report', async () => {
    const s = scenarioFile('pgbouncer.json');
    const [a, b] = await twice({ ...s, run: { ...s.run, seed: 9 } }, (sim) => sim.runUntil(3e6));
    expect(b).toBe(a);
  });

  it('a crash of the primary and its recovery: the same report and rows', async () => {
    const [a, b] = await twice(readReplicas({}, 6), async (sim) => {
      await sim.runUntil(1.5e6);
      await sim.apply({ do: 'runSql', node: 'primary', sql: RUNAWAY });
      await sim.runUntil(4e6);
    });
    expect(JSON.parse(a).events.some((e: { type: string }) => e.type === 'node-restarted')).toBe(true);
    expect(b).toBe(a);
  });
});
