/** Settings of an `app` node: application servers, each with its own client-side connection pool. */
import { z } from 'zod';
import { appCacheSettings } from '../../caching/settings.ts';
import { enumSetting, intSetting, timeSetting } from '../../scenario/settings.ts';
import { READ_POLICIES } from '../proxy/DatabaseRouter.ts';

export const appSettings = z.strictObject({
  instances: intSetting(2, 1, 1000, {
    context: 'postmaster',
    help: 'Application server processes; each keeps its own connection pool, as every Prisma or node-postgres process does.',
  }),
  pool_size: intSetting(10, 1, 10_000, {
    context: 'postmaster',
    help: "Connections in each instance's pool, per database (Prisma's connection_limit, node-postgres' max).",
  }),
  read_policy: enumSetting(READ_POLICIES, 'random', {
    context: 'user',
    help:
      "Where reads go when the app has replicas (writes and transactions always go to the primary). random: the seed's " +
      "DatabaseRouter and Prisma's read-replicas extension; round-robin: what the seed's comment promises; least-connections; " +
      'lag-aware: skip replicas behind by more than max_replica_lag_ms; read-your-writes: a replica only once it replayed the ' +
      "client's last write, else the primary; primary: no read scaling.",
  }),
  max_replica_lag_ms: timeSetting(100, 'ms', '0ms', '1h', {
    context: 'user',
    help: 'read_policy lag-aware: a replica whose replay is further behind than this gets no reads.',
  }),
  connection_mode: enumSetting(['pool', 'per_request'], 'pool', {
    context: 'postmaster',
    help:
      "pool: each instance keeps a client-side pool of pool_size connections (Prisma, node-postgres' Pool). " +
      'per_request: each request opens a connection, runs, and closes it (PHP, CGI, serverless functions); pool_size is ignored.',
  }),
  pool_timeout: timeSetting('10s', 's', '0s', '1h', {
    context: 'user',
    help: "How long a request waits for a free pooled connection before failing (Prisma's pool_timeout, default 10 s).",
  }),
  ...appCacheSettings,
});

export type AppSettings = z.output<typeof appSettings>;
