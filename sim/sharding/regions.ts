/**
 * Round trips between regions, for geography sharding: an app instance in one region calling a shard in
 * another pays the inter-region round trip on every call. The default data set's `region` column holds
 * `us`, `eu` and `apac` (workload/defaults.ts); the defaults below place them in AWS us-east-1
 * (N. Virginia), eu-west-1 (Ireland) and ap-southeast-1 (Singapore).
 */

/** Round-trip times in milliseconds: one for two places in the same region, one per pair of regions. */
export interface RegionRoundTrips {
  within: number;
  between: readonly { regions: readonly [string, string]; rtt: number }[];
}

/**
 * Average round trips between AWS regions, from the "Latency Between AWS Global Regions" matrix
 * (EC2 instance to instance, averages; reproduced at
 * https://acomputerscientistlearnsaws.blogspot.com/2017/04/aws-regions.html): N. Virginia - Ireland
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
