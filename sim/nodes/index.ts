/** The one place node kinds are registered. Adding a kind: its folder, and one line here. */
import { AppNode } from './app/AppNode.ts';
import { appSettings } from './app/settings.ts';
import { pgbouncerDeploy } from './pgbouncer/deploy.ts';
import { formatPgbouncerIni, parsePgbouncerIni } from './pgbouncer/ini.ts';
import { PgBouncerNode } from './pgbouncer/PgBouncerNode.ts';
import { pgbouncerSettings } from './pgbouncer/settings.ts';
import { formatPostgresqlConf, LAB_ONLY_SETTINGS, parsePostgresqlConf } from './postgres/conf.ts';
import { postgresDeploy } from './postgres/deploy.ts';
import { PostgresNode } from './postgres/PostgresNode.ts';
import { formatAdvice } from './postgres/pgtune.ts';
import { postgresSettings } from './postgres/settings.ts';
import { pgdogDeploy } from './pgdog/deploy.ts';
import { PgDogNode } from './pgdog/PgDogNode.ts';
import { pgdogSettings } from './pgdog/settings.ts';
import { redisDeploy } from './redis/deploy.ts';
import { RedisNode } from './redis/RedisNode.ts';
import { redisSettings } from './redis/settings.ts';
import { nodeKinds, registerNodeKind } from './registry.ts';

if (nodeKinds().length === 0) {
  registerNodeKind({
    kind: 'app',
    label: 'App servers',
    description: "Application servers: the workload's clients, a connection pool per instance, and the seed's DatabaseRouter.",
    settings: appSettings,
    connectsTo: ['postgres', 'pgbouncer', 'redis', 'pgdog'],
    counts: 'requests',
    served: 'app',
    create: (ctx, spec) => new AppNode(ctx, spec),
  });
  registerNodeKind({
    kind: 'postgres',
    label: 'PostgreSQL',
    description: 'A PostgreSQL server backed by a real embedded PostgreSQL (PGlite), with its hardware modelled.',
    settings: postgresSettings,
    // An edge postgres -> postgres is a replication edge: the second node is a replica of the first.
    connectsTo: ['postgres'],
    replicatesTo: ['postgres'],
    console: 'sql',
    served: 'engine',
    config: { file: 'postgresql.conf', format: formatPostgresqlConf, parse: parsePostgresqlConf, keeps: LAB_ONLY_SETTINGS },
    advise: formatAdvice,
    deploy: postgresDeploy,
    create: (ctx, spec) => new PostgresNode(ctx, spec),
  });
  registerNodeKind({
    kind: 'pgbouncer',
    label: 'PgBouncer',
    description: 'PgBouncer 1.2x: many client connections on few server connections, pooled by session, transaction or statement.',
    settings: pgbouncerSettings,
    connectsTo: ['postgres'],
    console: 'pgbouncer-admin',
    served: 'pooler',
    config: { file: 'pgbouncer.ini', format: formatPgbouncerIni, parse: parsePgbouncerIni },
    deploy: pgbouncerDeploy,
    create: (ctx, spec) => new PgBouncerNode(ctx, spec),
  });
  registerNodeKind({
    kind: 'pgdog',
    label: 'PgDog (shard router)',
    description: "A shard router between apps and shards, as PgDog: finds each statement's shard key, sends it to its shard, scatters and merges a read without one.",
    settings: pgdogSettings,
    connectsTo: ['postgres'],
    console: 'sql',
    routesShards: true,
    deploy: pgdogDeploy,
    create: (ctx, spec) => new PgDogNode(ctx, spec),
  });
  registerNodeKind({
    kind: 'redis',
    label: 'Redis',
    description: "Redis 7 on one thread: the L2 cache of the seed's CacheService (TTLs, maxmemory and eviction, pub/sub).",
    settings: redisSettings,
    connectsTo: [],
    console: 'redis',
    served: 'cache',
    deploy: redisDeploy,
    create: (ctx, spec) => new RedisNode(ctx, spec),
  });
}

export { isReplicationEdge, nodeKind, nodeKinds } from './registry.ts';
