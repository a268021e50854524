/**
 * Where a bigger node stops paying (npm run ladder): the options it builds from a scenario (sizes up the
 * node's family, replicas of its size at the same prices, priced by the catalogue) and the verdict it
 * draws from their figures.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ladderRungs, parseLadderArgs, type RungResult, topologyUsdPerHour, verdict } from '../../sim/cli/ladder.ts';
import { UsageError } from '../../sim/cli/options.ts';
import { applyOverrides, parseScenario, type Scenario } from '../../sim/index.ts';

function scenario(file: string, sets: string[] = []): Scenario {
  const parsed = parseScenario(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.ok) throw new Error('bad scenario');
  const r = applyOverrides(parsed.scenario, sets);
  if (!r.ok) throw new Error('bad override');
  return r.scenario;
}

const single = () => scenario('lessons/scenarios/single-primary.json', ['primary.instance=db.m7g.large']);

const result = (way: RungResult['way'], step: number, throughputRps: number, usdPerHour: number, nodeCpu = 0.95): RungResult => ({
  way,
  step,
  label: `${way} ${step}`,
  usdPerHour,
  throughputRps,
  p95Ms: 1,
  failed: 0,
  nodeCpu,
});

describe('ladder', () => {
  it('grows the node up its family and, at the same prices, adds replicas of its size that the app reaches', () => {
    const { rungs, noReplicas } = ladderRungs(single(), 'primary', 3);
    expect(noReplicas).toBeUndefined();
    expect(rungs.map((r) => [r.way, r.step, r.usdPerHour])).toEqual([
      ['vertical', 0, 0.168],
      ['vertical', 1, 0.336],
      ['vertical', 2, 0.672],
      ['replicas', 1, 0.336],
      ['replicas', 2, 0.672],
    ]);
    const up = rungs[2].scenario.nodes.find((n) => n.id === 'primary')!.settings as { instance: string };
    expect(up.instance).toBe('db.m7g.2xlarge');
    const three = rungs[4].scenario;
    const replicas = three.nodes.filter((n) => n.id.startsWith('primary-ladder-replica'));
    expect(replicas).toHaveLength(3);
    for (const r of replicas) {
      expect((r.settings as { instance: string }).instance).toBe('db.m7g.large');
      // streamed from the primary, and reachable from the app that reads
      expect(three.edges.some((e) => e.from === 'primary' && e.to === r.id)).toBe(true);
      expect(three.edges.some((e) => e.from === 'app' && e.to === r.id)).toBe(true);
    }
  });

  it('prices only nodes with an instance shape', () => {
    const s = scenario('lessons/scenarios/read-replicas.json', ['primary.instance=db.r7g.large']);
    // replica1 and replica2 are custom (cores and RAM as set): no price
    expect(topologyUsdPerHour(s)).toBe(0.247);
  });

  it('refuses a node without a shape, a family without sizes above, and a standby', () => {
    expect(() => ladderRungs(scenario('lessons/scenarios/single-primary.json'), 'primary', 3)).toThrow(/instance shape first/);
    expect(() => ladderRungs(scenario('lessons/scenarios/single-primary.json', ['primary.instance=db.m7g.4xlarge']), 'primary', 2)).toThrow(UsageError);
    expect(() => ladderRungs(single(), 'nope', 2)).toThrow(/no postgres node "nope"/);
    const standby = scenario('lessons/scenarios/read-replicas.json', ['replica1.instance=db.m7g.large']);
    expect(ladderRungs(standby, 'replica1', 2).noReplicas).toMatch(/standby of primary/);
  });

  it('offers no replicas behind a pooler: only an app routes reads to them', () => {
    const s = scenario('lessons/scenarios/pgbouncer.json', ['primary.instance=db.m7g.large']);
    const { rungs, noReplicas } = ladderRungs(s, 'primary', 2);
    expect(noReplicas).toMatch(/not app nodes/);
    expect(rungs.every((r) => r.way === 'vertical')).toBe(true);
  });

  it('stops paying where the same money in replicas serves more, or a size up gains under 10 %', () => {
    // the size up doubles throughput: it pays; the next one is beaten by three replicas
    const beaten = verdict([result('vertical', 0, 1000, 0.168), result('vertical', 1, 2000, 0.336), result('vertical', 2, 2600, 0.672), result('replicas', 1, 1900, 0.336), result('replicas', 2, 3500, 0.672)]);
    expect(beaten?.step).toBe(2);
    expect(beaten?.reason).toMatch(/same money in replicas 2 serves 3500 req\/s/);
    // no replicas to compare: a 5 % gain for twice the price stops paying, and an idle node is said to be idle
    const flat = verdict([result('vertical', 0, 1000, 0.168, 0.3), result('vertical', 1, 1050, 0.336)]);
    expect(flat?.step).toBe(1);
    expect(flat?.reason).toMatch(/gains \+5 % throughput .* for \+100 % price; vertical 0 was 30 % busy/);
    expect(verdict([result('vertical', 0, 1000, 0.168), result('vertical', 1, 1900, 0.336), result('replicas', 1, 1800, 0.336)])).toBeUndefined();
  });

  it('reads its arguments with clear errors', () => {
    expect(parseLadderArgs(['s.json', '--node', 'primary']).steps).toBe(3);
    expect(() => parseLadderArgs(['s.json'])).toThrow(/--node/);
    expect(() => parseLadderArgs(['s.json', '--node', 'p', '--steps', '9'])).toThrow(/--steps/);
  });
});
