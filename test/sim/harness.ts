/**
 * What the integration tests share: real PGlite in this thread, scenarios that must be valid, and
 * simulations that are closed after the file's tests (an unclosed PGlite keeps Node alive).
 */
import { readFileSync } from 'node:fs';
import { afterAll } from 'vitest';
import type { DbEngine, EngineFactory } from '../../sim/engine/DbEngine.ts';
import { nodeEngineFactory } from '../../sim/engine/node/platform.ts';
import { parseScenario, parseScenarioText, type Scenario, Simulation, type SimulationOptions } from '../../sim/index.ts';

export const engines = nodeEngineFactory({ kind: 'in-process' });

/** A valid scenario from a value, or the test fails with its issues. */
export function scenario(input: unknown): Scenario {
  const p = parseScenario(input);
  if (!p.ok) throw new Error(JSON.stringify(p.issues));
  return p.scenario;
}

/** A valid scenario from lessons/scenarios/NAME, or the test fails with its issues. */
export function scenarioFile(name: string): Scenario {
  const p = parseScenarioText(readFileSync(`lessons/scenarios/${name}`, 'utf8'));
  if (!p.ok) throw new Error(JSON.stringify(p.issues));
  return p.scenario;
}

/** lessons/scenarios/sharding-hash.json, editable, with shard3 as a spare shard the app already reaches (a reshard's target). */
export function hashWithSpareShard(): Record<string, any> {
  const s = structuredClone(scenarioFile('sharding-hash.json')) as unknown as Record<string, any>;
  s.nodes.push({ id: 'shard3', kind: 'postgres', settings: { cores: 4, ram: '16GB', shared_buffers: '4GB' } });
  s.edges.push({ from: 'app', to: 'shard3' });
  s.sharding.spare_shards = ['shard3'];
  return s;
}

/**
 * lessons/scenarios/read-replicas.json with 16 clients, the seed given, and settings changed per node
 * (`{ replica1: { recovery_min_apply_delay: '30ms' } }`).
 */
export function readReplicas(settings: Record<string, Record<string, unknown>>, seed: number): Scenario {
  const s = structuredClone(scenarioFile('read-replicas.json'));
  s.workload.clients = 16;
  s.run.seed = seed;
  for (const n of s.nodes) Object.assign(n.settings, settings[n.id] ?? {});
  return s;
}

/** `base`'s engines, kept by node name so that a test can make one die (`live.get('primary')!.kill()`). */
export function killable(base: EngineFactory = engines): { factory: EngineFactory; live: Map<string, DbEngine> } {
  const live = new Map<string, DbEngine>();
  const factory: EngineFactory = {
    ...base,
    create: async (o) => {
      const e = await base.create(o);
      live.set(o.name, e);
      return e;
    },
  };
  return { factory, live };
}

const open: Simulation[] = [];

/** Boots a simulation (in-process engines unless `options` say otherwise) that is closed after the calling file's tests. */
export async function startSim(s: Scenario, options: Partial<SimulationOptions> = {}): Promise<Simulation> {
  const sim = await Simulation.create(s, { engines, ...options });
  open.push(sim);
  return sim;
}

afterAll(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});
