/** Settings of a `redis` node, by Redis' own names and in its CONFIG SET syntax (`100mb`, `allkeys-lru`). */
import { z } from 'zod';
import { configSet, DEFAULT_REDIS_CONFIG } from '../../caching/redis/config.ts';

/** A Redis setting: valid when CONFIG SET takes it (the node applies it with CONFIG SET, live). */
function redisSetting(name: string, def: string, help: string) {
  return z
    .union([z.string(), z.number()])
    .superRefine((v, ctx) => {
      const r = configSet(DEFAULT_REDIS_CONFIG, [name, String(v)]);
      if (typeof r === 'string') ctx.addIssue({ code: 'custom', message: r });
    })
    .default(def)
    .meta({ context: 'user', help });
}

export const redisSettings = z.strictObject({
  maxmemory: redisSetting('maxmemory', '0', 'Memory limit for data (bytes, or 100mb, 1gb); 0: no limit. Past it, maxmemory-policy decides.'),
  'maxmemory-policy': redisSetting(
    'maxmemory-policy',
    'noeviction',
    'What to do past maxmemory: noeviction refuses writes (OOM); allkeys-lru, allkeys-lfu, allkeys-random, volatile-lru, volatile-lfu, volatile-random, volatile-ttl evict.',
  ),
  'maxmemory-samples': redisSetting('maxmemory-samples', '5', 'Keys sampled per eviction (LRU, LFU and TTL are approximated by sampling).'),
  hz: redisSetting('hz', '10', 'Background tasks a second: the active expire cycle runs hz times a second (1..500).'),
});

export type RedisSettings = z.output<typeof redisSettings>;
