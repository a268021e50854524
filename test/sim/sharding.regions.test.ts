/** Regions: an edge between regions has the region table's round trip; geography sends a region's rows to its shard (real PGlite). */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../sim/index.ts';
import { buildReport } from '../../sim/report.ts';
import { DEFAULT_REGION_ROUND_TRIPS, regionLatencyUs, regionRoundTrip } from '../../sim/sharding/regions.ts';
import { scenario, scenarioFile, startSim } from './harness.ts';

const geo = scenarioFile('sharding-geo.json');

/** The geography scenario serving only `region`'s users, with `regions` as its round-trip table. */
function only(region: string, regions?: unknown) {
  const s = structuredClone(geo) as unknown as Record<string, any>;
  s.workload.clients = 1;
  s.workload.operations = [{ ...s.workload.operations[0], params: [{ dist: 'list', values: [region] }, s.workload.operations[0].params[1]] }];
  if (regions) s.regions = regions;
  return scenario(s);
}

async function p50Us(region: string, regions?: unknown): Promise<number> {
  const sim = await startSim(only(region, regions));
  await sim.runUntil(1.5e6);
  const r = buildReport(sim, [], 0);
  expect(r.errors).toEqual({});
  return r.latencyMs.p50 * 1000;
}

describe('the region table', () => {
  it('is symmetric, 1 ms within a region, and an edge gets half a round trip each way', () => {
    expect(regionRoundTrip('eu', 'us')).toBe(80);
    expect(regionRoundTrip('us', 'eu')).toBe(80);
    expect(regionRoundTrip('apac', 'apac')).toBe(DEFAULT_REGION_ROUND_TRIPS.within);
    expect(regionLatencyUs('eu', 'apac')).toBe(119_000);
    expect(regionLatencyUs('eu', undefined)).toBeUndefined();
  });

  it('refuses an edge between two regions it has no round trip for', () => {
    const s = structuredClone(geo) as unknown as Record<string, any>;
    s.regions = { within: 1, between: [{ regions: ['us', 'eu'], rtt: 80 }] };
    const r = parseScenario(s);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues).toContainEqual({ path: 'edges[2]', message: "no round trip between regions eu and apac: add it to the scenario's regions.between" });
  });
});

describe('geography sharding across regions', () => {
  it('holds each region’s users on its shard', async () => {
    const sim = await startSim(geo);
    for (const [shard, region] of [['shard_us', 'us'], ['shard_eu', 'eu'], ['shard_apac', 'apac']]) {
      const r = await sim.apply({ do: 'runSql', node: shard, sql: 'SELECT region, count(*) FROM users GROUP BY region' });
      expect(r.rows).toEqual([[region, 300]]);
    }
  });

  it('a query from the EU app to the US shard costs the table’s round trip more than one to the EU shard; a scenario’s table overrides it', async () => {
    const eu = await p50Us('eu');
    const us = await p50Us('us');
    // p50 is the upper bound of a 1 % bucket; the rest of the request (pool, server) is the same on both shards
    const extra = (regionRoundTrip('eu', 'us')! - regionRoundTrip('eu', 'eu')!) * 1000;
    expect(us - eu).toBeGreaterThan(extra * 0.98);
    expect(us - eu).toBeLessThan(extra * 1.02 + 500);
    const far = await p50Us('us', { within: 1, between: [{ regions: ['us', 'eu'], rtt: 150 }, { regions: ['eu', 'apac'], rtt: 238 }, { regions: ['us', 'apac'], rtt: 217 }] });
    expect(far - eu).toBeGreaterThan(149_000 * 0.98);
    expect(far - eu).toBeLessThan(149_000 * 1.02 + 500);
  });
});
