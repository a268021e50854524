/** The `redis` kind's views: its canvas node, faults in the inspector, and INFO's figures as charts. */
import type { NodeSnapshot, RedisSnapshot } from '../../../../sim/index.ts';
import { CacheIcon } from '../icons.tsx';
import type { KindView } from '../registry.ts';
import { RedisCharts } from './RedisCharts.tsx';
import { RedisFaults } from './RedisFaults.tsx';
import { RedisNodeView } from './RedisNodeView.tsx';

/** INFO's figures from a redis snapshot, for its charts. */
function redisFigures(snap: NodeSnapshot): Record<string, number | null> {
  const n = snap as RedisSnapshot;
  return {
    used_memory_mb: Math.round((n.usedMemory / 1048576) * 100) / 100,
    keys_k: Math.round(n.keys) / 1000,
    evicted_keys: n.evictedKeys,
    expired_keys: n.expiredKeys,
    ops_per_sec: n.opsPerSec,
  };
}

export const redisView: KindView = { kind: 'redis', view: RedisNodeView, icon: CacheIcon, inspector: [RedisFaults], charts: RedisCharts, liveFigures: redisFigures };
