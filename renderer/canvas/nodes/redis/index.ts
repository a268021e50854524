/** The `redis` kind's views: its canvas node. */
import { CacheIcon } from '../icons.tsx';
import type { KindView } from '../registry.ts';
import { RedisNodeView } from './RedisNodeView.tsx';

export const redisView: KindView = { kind: 'redis', view: RedisNodeView, icon: CacheIcon };
