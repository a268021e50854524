/**
 * Scripted scenes: every shipped scene validates against its scenario, a bad one is refused with where and
 * why, and the example plays headlessly on real PGlite (its faults are accepted, the slowest request has a
 * path, its fork at the rewound moment is the original up to there and another run after).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScene, type Scene, seconds, sqlOf } from '../../lessons/index.ts';
import { parseScenarioText, type Simulation, Timeline } from '../../sim/index.ts';
import { engines, scenarioFile, startSim } from '../sim/harness.ts';

const nodesOf = (file: string): string[] | undefined => {
  try {
    const p = parseScenarioText(readFileSync(`lessons/scenarios/${file}`, 'utf8'));
    return p.ok ? p.scenario.nodes.map((n) => n.id) : undefined;
  } catch {
    return undefined;
  }
};
const sceneFiles = readdirSync('lessons/scenes').filter((f) => f.endsWith('.json'));
const example = readFileSync('lessons/scenes/failover-on-stage.json', 'utf8');
const variant = (edit: (s: any) => void) => {
  const s = JSON.parse(example);
  edit(s);
  return JSON.stringify(s);
};

describe('scene files', () => {
  it('every shipped scene is valid', () => {
    expect(sceneFiles).toContain('failover-on-stage.json');
    for (const f of sceneFiles) expect(parseScene(readFileSync(`lessons/scenes/${f}`, 'utf8'), nodesOf), f).toMatchObject({ ok: true });
  });

  it('refuses what is not data of the format: code, unknown commands, nodes not there, a fork with no moment, HTML', () => {
    const errors = (text: string) => {
      const r = parseScene(text, nodesOf);
      return r.ok ? [] : r.errors;
    };
    expect(errors('{ "id": ')[0]).toMatch(/^not JSON/);
    expect(errors(variant((s) => s.steps[1].do.push({ do: 'eval', code: 'process.exit()' })))[0]).toMatch(/^steps\.1\.do\.3/);
    expect(errors(variant((s) => s.steps[3].do.push({ do: 'fault', fault: { kind: 'kill', node: 'primary2' } })))).toEqual([
      'steps.3.do.3: no node "primary2" in pgbouncer-replicas.json (it has app, pgbouncer, primary, replica1, replica2)',
    ]);
    expect(errors(variant((s) => (s.keys.promote = 'nope')))[0]).toMatch(/^keys\.promote: no node "nope"/);
    expect(errors(variant((s) => s.steps[5].do.splice(1, 1)))).toEqual(['steps.5.do.1: fork comes after a rewind (it forks at the moment shown)']);
    expect(errors(variant((s) => (s.steps[0].caption = 'hi <script>alert(1)</script>')))[0]).toMatch(/raw HTML is not allowed/);
    expect(errors(variant((s) => (s.scenario = 'missing.json')))).toEqual(['scenario: no lessons/scenarios/missing.json']);
  });

  it('the example plays headlessly: kill and promote are accepted, the slowest request has a path, the fork is the original up to its point', async () => {
    const r = parseScene(example, nodesOf);
    if (!r.ok) throw new Error(r.errors.join('\n'));
    const scene: Scene = r.scene;
    const s = structuredClone(scenarioFile(scene.scenario));
    s.workload.clients = 12;
    let sim: Simulation = await startSim(s);
    let original: Simulation | undefined;
    let shown: number | undefined;
    for (const step of scene.steps) {
      for (const c of step.do) {
        switch (c.do) {
          case 'run':
            await sim.runUntil(sim.now + seconds(c.for ?? '1s') * 1e6);
            break;
          case 'follow':
            sim.followRequests(c.on);
            break;
          case 'followSlowest':
            expect(sim.requestPath('slowest')?.spans.length).toBeGreaterThan(2);
            break;
          case 'rewind':
            shown = seconds(c.to) * 1e6;
            break;
          case 'fork': {
            const timeline = new Timeline(sim, { engines }, 1);
            original = sim;
            sim = await timeline.fork(shown!);
            sim.followRequests(true);
            break;
          }
          case 'runSql':
            await sim.apply({ do: 'runSql', node: c.node, sql: sqlOf(c) });
            break;
          case 'fault':
          case 'setNodeSetting':
          case 'setWorkload':
          case 'stopWorkload':
            await expect(sim.apply(c)).resolves.toMatchObject({ outcome: 'applied' });
            break;
        }
      }
    }
    try {
      expect(original!.events.some((e) => e.type === 'promoted')).toBe(true);
      // the fork: the same seconds before 3 s, no crash after it (the original failed writes once the primary was killed)
      const secs = (x: Simulation) => x.metrics.seconds.map((b) => ({ completed: b.completed, failed: b.failed }));
      expect(secs(sim).slice(0, 3)).toEqual(secs(original!).slice(0, 3));
      expect(sim.events.some((e) => e.type === 'promoted')).toBe(false);
      expect(sim.metrics.failed).toBeLessThan(original!.metrics.failed);
    } finally {
      await sim.close();
    }
  }, 240_000);
});
