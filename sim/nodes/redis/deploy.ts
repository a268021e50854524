/** A redis node in a real deployment: its redis.conf (Redis' own names, no persistence: a cache) and its redis:7 service. */
import type { DeployFormat } from '../deploy.ts';
import type { RedisSettings } from './settings.ts';

export const redisDeploy: DeployFormat<RedisSettings> = {
  port: 6379,
  files: (settings, node) => [
    { name: 'redis.conf', text: [`# redis.conf of node ${node.id}, exported by PG Scaling Lab`, ...Object.entries(settings).map(([k, v]) => `${k} ${v}`), 'save ""', 'appendonly no', ''].join('\n') },
  ],
  compose: (_, node) => ['image: redis:7', `command: ["redis-server", "/usr/local/etc/redis/redis.conf"]`, 'volumes:', `  - ./${node.id}/redis.conf:/usr/local/etc/redis/redis.conf:ro`],
};
