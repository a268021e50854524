/** Clients that come and go: think time distributions, pgbench's -t, -C and -T, a session pooler's servers freed. */
import { describe, expect, it } from 'vitest';
import { TestSim } from './TestSim.ts';

describe('think_time_dist', () => {
  const requests = async (think_time_dist: 'exponential' | 'constant' | 'none', seed = 1) => {
    const t = await TestSim.start('app -> primary', { seed, latency: '0.5ms', workload: { clients: 4, think_time: '10ms', think_time_dist } });
    await t.advance('1s');
    return t.sim.metrics.completed;
  };

  it('constant pauses exactly think_time: each client runs a fixed cycle of a round trip plus 10 ms', async () => {
    const constant = await requests('constant');
    // 4 clients, a cycle of 10 ms plus one to four round trips: 80 to 100 requests each in a second
    expect(constant).toBeGreaterThan(4 * 80);
    expect(constant).toBeLessThanOrEqual(4 * 100);
  });

  it('none ignores think_time and sends the next request at once', async () => {
    expect(await requests('none')).toBeGreaterThan(5 * (await requests('constant')));
  });

  it('exponential (the default) is seeded: the same seed gives the same run, another seed another', async () => {
    const a = await requests('exponential');
    expect(await requests('exponential')).toBe(a);
    expect(await requests('exponential', 2)).not.toBe(a);
  });
});
