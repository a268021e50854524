/**
 * Round trips between regions, for geography sharding: an app instance in one region calling a shard in
 * another pays the inter-region round trip on every call. A scenario's nodes may each name their region
 * (an app node's instances are in its region); an edge between two nodes that both have one takes its
 * one-way latency from this table (half the round trip) instead of its own `latency`. A scenario's
 * `regions` block replaces the table. The default data set's `region` column holds `us`, `eu` and `apac`
 * (workload/defaults.ts); the defaults below place them in AWS us-east-1 (N. Virginia), eu-west-1
 * (Ireland) and ap-southeast-1 (Singapore).
 */
import { z } from 'zod';

const region = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'a region name of lower-case letters, digits, - and _');

/** A scenario's `regions` block: round trips in ms, one within a region and one per pair of regions. */
export const regionRoundTripsSchema = z.strictObject({
  within: z.number().min(0).max(10_000),
  between: z.array(z.strictObject({ regions: z.tuple([region, region]), rtt: z.number().min(0).max(10_000) })).max(256),
});

/** A node's region (`us`, `eu`, `apac` ...). */
export const regionSchema = region;

/** Round-trip times in milliseconds: one for two places in the same region, one per pair of regions. */
export type RegionRoundTrips = z.output<typeof regionRoundTripsSchema>;

/**
 * Average round trips between AWS regions, from the "Latency Between AWS Global Regions" matrix
 * (EC2 instance to instance, averages; reproduced in April 2017 at
 * https://acomputerscientistlearnsaws.blogspot.com/2017/04/aws-regions.html; sim/sharding/README.md): N. Virginia - Ireland
 * 80.5 ms, N. Virginia - Singapore 216.7 ms, Ireland - Singapore 238-239 ms. Within a region, 1 ms: the
 * same-region round trip of https://cloudping.co's AWS matrix (0.96-1.08 ms), between availability zones.
 * REFERENCE.md's ranges (US East - EU West ~70-80 ms, US East - Asia ~150-230 ms, EU West - Asia
 * ~200-250 ms, within a region 0.5-2 ms) hold them all.
 */
export const DEFAULT_REGION_ROUND_TRIPS: RegionRoundTrips = {
  within: 1,
  between: [
    { regions: ['us', 'eu'], rtt: 80 },
    { regions: ['us', 'apac'], rtt: 217 },
    { regions: ['eu', 'apac'], rtt: 238 },
  ],
};

/** The round trip in ms between two regions (either order), or undefined for a pair the table lacks. */
export function regionRoundTrip(a: string, b: string, table: RegionRoundTrips = DEFAULT_REGION_ROUND_TRIPS): number | undefined {
  if (a === b) return table.within;
  return table.between.find(({ regions: [x, y] }) => (x === a && y === b) || (x === b && y === a))?.rtt;
}

/**
 * The one-way latency in µs of an edge between nodes in regions `a` and `b`: half their round trip; undefined
 * when either has no region (the edge's own latency applies) or the table lacks the pair.
 */
export function regionLatencyUs(a: string | undefined, b: string | undefined, table: RegionRoundTrips = DEFAULT_REGION_ROUND_TRIPS): number | undefined {
  if (a === undefined || b === undefined) return undefined;
  const rtt = regionRoundTrip(a, b, table);
  return rtt === undefined ? undefined : Math.round((rtt * 1000) / 2);
}
