/**
 * The benchmark: `npm run bench -- [--json OUT]`. Prints, measured in one process and one run:
 * rawPgliteQps, simWallRps, simToRawRatio, boot8NodesMs, rssPerNodeMb. Targets: ratio >= 0.7,
 * 8 nodes in <= 3 s, <= 100 MB per node.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { nodeEngineFactory } from '../engine/node/platform.ts';
import { bootPglite } from '../engine/PgliteEngine.ts';
import { dataSnapshot, ENGINE_CONF } from '../engine/snapshots.ts';
import { parseScenario, parseScenarioText, Simulation } from '../index.ts';
import { defaultSetupSql } from '../workload/defaults.ts';

async function main(): Promise<void> {
  const jsonOut = process.argv.includes('--json') ? process.argv[process.argv.indexOf('--json') + 1] : undefined;
  const parsed = parseScenarioText(await readFile('lessons/scenarios/single-primary.json', 'utf8'));
  if (!parsed.ok) throw new Error('single-primary.json is not valid');
  const scenario = parsed.scenario;
  const engines = nodeEngineFactory({ kind: 'worker' });
  const snapshot = await dataSnapshot(engines, defaultSetupSql(scenario.workload.data));

  // Raw: parameterised primary-key selects straight on one PGlite, in this thread.
  const db = await bootPglite({ snapshot, postgresqlConf: ENGINE_CONF });
  const users = scenario.workload.data.users;
  for (let i = 0; i < 2000; i++) await db.query('SELECT id, email, name, region FROM users WHERE id = $1', [1 + (i % users)]);
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 3000) {
    for (let i = 0; i < 200; i++) await db.query('SELECT id, email, name, region FROM users WHERE id = $1', [1 + ((n + i) * 7919) % users]);
    n += 200;
  }
  const rawPgliteQps = n / ((performance.now() - t0) / 1000);
  await db.close();

  // Sim: single-primary.json at max speed, engines in workers.
  const sim = await Simulation.create(scenario, { engines });
  const t1 = performance.now();
  await sim.runUntil(10e6);
  const simWall = (performance.now() - t1) / 1000;
  const simWallRps = (sim.metrics.completed + sim.metrics.failed) / simWall;
  await sim.close();

  // Boot: 8 postgres nodes ready to serve.
  const eight = parseScenario({
    name: 'eight nodes',
    nodes: [{ id: 'app', kind: 'app' }, ...Array.from({ length: 8 }, (_, i) => ({ id: `pg${i + 1}`, kind: 'postgres' }))],
    edges: Array.from({ length: 8 }, (_, i) => ({ from: 'app', to: `pg${i + 1}` })),
  });
  if (!eight.ok) throw new Error('eight-node scenario is not valid');
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const t2 = performance.now();
  const big = await Simulation.create(eight.scenario, { engines });
  const boot8NodesMs = performance.now() - t2;
  await big.runUntil(1e6);
  const rssPerNodeMb = (process.memoryUsage().rss - rss0) / 8 / 1024 / 1024;
  await big.close();

  const result = {
    rawPgliteQps: Math.round(rawPgliteQps),
    simWallRps: Math.round(simWallRps),
    simToRawRatio: Math.round((simWallRps / rawPgliteQps) * 100) / 100,
    boot8NodesMs: Math.round(boot8NodesMs),
    rssPerNodeMb: Math.round(rssPerNodeMb),
    // The figures move with what else the machine runs: the 1-minute load average at the end, and the cores.
    loadAverage: Math.round(loadavg()[0] * 10) / 10,
    cores: availableParallelism(),
  };
  console.log(`rawPgliteQps   ${result.rawPgliteQps}`);
  console.log(`simWallRps     ${result.simWallRps}`);
  console.log(`simToRawRatio  ${result.simToRawRatio}   (target >= 0.7)`);
  console.log(`boot8NodesMs   ${result.boot8NodesMs}   (target <= 3000)`);
  console.log(`rssPerNodeMb   ${result.rssPerNodeMb}   (target <= 100)`);
  console.log(`(load average ${result.loadAverage} on ${result.cores} cores)`);
  if (jsonOut) await writeFile(jsonOut, `${JSON.stringify(result, null, 2)}\n`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
