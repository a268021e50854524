/**
 * An edge's jitter (netem's `delay LATENCY JITTER distribution ...`): each message draws its own one-way
 * delay from the edge's seeded stream, so latency percentiles spread, the same way from the same seed.
 */
import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../sim/core/Scheduler.ts';
import { type JitterDistribution, Network, oneWayUs } from '../../sim/net/Link.ts';
import { TestSim } from './TestSim.ts';

function draws(distribution: JitterDistribution, jitterUs: number, seed = 1, n = 20_000): number[] {
  const net = new Network(new Scheduler(), [{ from: 'a', to: 'b', latencyUs: 10_000, jitterUs, distribution }], () => undefined, seed);
  const edge = net.edge('a', 'b');
  return Array.from({ length: n }, () => oneWayUs(edge));
}

const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
const sd = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
};
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor((p / 100) * (xs.length - 1))];

describe('edge jitter', () => {
  it('is none by default: every message takes exactly the latency', () => {
    expect(new Set(draws('normal', 0))).toEqual(new Set([10_000]));
  });

  it('uniform spreads the delay evenly over latency ± jitter, as netem does', () => {
    const d = draws('uniform', 2_000);
    expect(Math.min(...d)).toBeGreaterThanOrEqual(8_000);
    expect(Math.max(...d)).toBeLessThanOrEqual(12_000);
    expect(mean(d)).toBeCloseTo(10_000, -2);
    expect(pct(d, 25)).toBeCloseTo(9_000, -2);
  });

  it('normal has the jitter as its standard deviation; pareto has a long tail of late messages', () => {
    const n = draws('normal', 2_000);
    expect(mean(n)).toBeCloseTo(10_000, -2);
    expect(sd(n) / 2_000).toBeCloseTo(1, 1);
    const p = draws('pareto', 2_000);
    expect(mean(p)).toBeCloseTo(10_000, -2);
    // the median is early and the tail far: a normal's p99.9 is mean + 3.1 sd, a pareto's several more
    expect(pct(p, 50)).toBeLessThan(9_800);
    expect(pct(p, 99.9)).toBeGreaterThan(pct(n, 99.9) + 4_000);
    const pn = draws('paretonormal', 2_000);
    expect(pct(pn, 99.9)).toBeGreaterThan(pct(n, 99.9));
    expect(pct(pn, 99.9)).toBeLessThan(pct(p, 99.9));
  });

  it('never goes below zero: a negative draw is sent at once', () => {
    expect(Math.min(...draws('normal', 20_000))).toBe(0);
  });

  it('is the same from the same seed and different from another', () => {
    expect(draws('normal', 2_000, 7, 50)).toEqual(draws('normal', 2_000, 7, 50));
    expect(draws('normal', 2_000, 8, 50)).not.toEqual(draws('normal', 2_000, 7, 50));
  });

  it("spreads a run's latency percentiles, which are flat lines without it", async () => {
    const workload = { clients: 4, operations: [{ name: 'one', sql: 'SELECT 1' }] };
    const flat = await TestSim.start('app -> primary', { latency: '5ms', workload });
    await flat.advance('2s');
    const f = flat.report().latencyMs;
    const jittered = await TestSim.start('app -> primary', { latency: '5ms', jitter: '2ms', distribution: 'normal', workload });
    await jittered.advance('2s');
    const j = jittered.report().latencyMs;
    expect(f.p95 - f.p50).toBeLessThan(0.2);
    // two one-way trips, each with a 2 ms standard deviation: the round trip's is 2.8 ms, p95 - p50 ≈ 4.6 ms
    expect(j.p95 - j.p50).toBeGreaterThan(3);
    expect(j.p50).toBeCloseTo(f.p50, -1);
    const again = await TestSim.start('app -> primary', { latency: '5ms', jitter: '2ms', distribution: 'normal', workload });
    await again.advance('2s');
    expect(again.report()).toEqual(jittered.report());
  });
});
