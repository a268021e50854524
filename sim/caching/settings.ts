/** The app's cache settings (its instances' CacheService): part of the `app` kind's settings. */
import { enumSetting, intSetting, timeSetting } from '../scenario/settings.ts';

export const appCacheSettings = {
  cache_l1: enumSetting(['on', 'off'], 'on', {
    context: 'postmaster',
    help: "The seed's in-process L1 per instance (a Map, entries at most 60 s). off: every cached read goes to Redis.",
  }),
  cache_l1_max_keys: intSetting(0, 0, 10_000_000, {
    context: 'postmaster',
    help: "Keys each instance's L1 holds at most, least recently used out first; 0: unbounded, as the seed's Map.",
  }),
  cache_strategy: enumSetting(['ttl', 'delete-on-write', 'write-through'], 'ttl', {
    context: 'postmaster',
    help:
      "ttl: the seed's, values live until their TTL whatever the writes; delete-on-write: cache-aside, a write deletes " +
      'the keys it invalidates (from this L1 and Redis) after it commits; write-through: a write sets those keys to the ' +
      'value it wrote (both levels, with the TTL of the read that caches them).',
  }),
  cache_grace: timeSetting('0s', 's', '0s', '30d', {
    context: 'postmaster',
    help:
      "BentoCache's grace: a value is kept this long past its TTL. A read that finds it expired but in grace gets it at once " +
      "while one background load refreshes it (stale-while-revalidate, BentoCache's timeout 0), so a hot key's expiry " +
      "sends one load to the database instead of a stampede; and a failing load keeps serving it. 0s: off (the seed's).",
  }),
  cache_suppress_l2_errors: enumSetting(['on', 'off'], 'on', {
    context: 'postmaster',
    help:
      "BentoCache's suppressL2Errors: on, a Redis error (the server down) is a miss and the database answers; off, the " +
      "seed's CacheService, which awaits Redis without a try: the request fails.",
  }),
  cache_single_flight: enumSetting(['off', 'on'], 'off', {
    context: 'postmaster',
    help:
      "off: the seed's, every concurrent miss of a key loads it from the database (a stampede when a hot key expires); " +
      'on: one load per key per instance, the other misses wait for its value.',
  }),
  cache_l1_invalidation: enumSetting(['none', 'pubsub'], 'none', {
    context: 'postmaster',
    help:
      "delete-on-write: none, the other instances keep their L1 copy until it expires; pubsub, a Redis channel tells every instance to drop it (BentoCache's bus).",
  }),
};
