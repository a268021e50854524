/**
 * Settings of a `pgdog` node, by their names in PgDog's pgdog.toml ([general]); its sharding comes from the
 * scenario's shard map (PgDog's [[sharded_tables]] and its shards' [[databases]]).
 */
import { z } from 'zod';
import { enumSetting, intSetting, timeSetting } from '../../scenario/settings.ts';
import type { ReadRouting } from '../proxy/DatabaseRouter.ts';

export const pgdogSettings = z.strictObject({
  default_pool_size: intSetting(10, 1, 10_000, {
    context: 'postmaster',
    help: 'Server connections PgDog opens at most per database pool (each shard primary and each replica), default 10.',
  }),
  checkout_timeout: timeSetting('5s', 'ms', '0ms', '1h', {
    context: 'user',
    help: 'How long a client waits for a server connection from the pool before its query fails (default 5 s).',
  }),
  load_balancing_strategy: enumSetting(['random', 'round_robin', 'least_active_connections'], 'random', {
    context: 'user',
    help: "Which replica of a shard serves a read (writes and transactions go to the shard's primary); with no replicas, the primary.",
  }),
  two_phase_commit: enumSetting(['true', 'false'], 'false', {
    context: 'user',
    help:
      'A transaction (or a write) over several shards commits with two-phase commit: each shard runs its part, then PREPARE TRANSACTION ' +
      'on each and COMMIT PREPARED on each, all or none; off (the default), such a transaction is refused. The shards need ' +
      'max_prepared_transactions above 0.',
  }),
  expanded_explain: enumSetting(['true', 'false'], 'true', {
    context: 'user',
    help:
      "EXPLAIN in the console appends PgDog's routing (the sharding key matched, its shard and why). PgDog's default is false; " +
      'the lab turns it on, since route explain is what it is here for.',
  }),
});

export type PgDogSettings = z.output<typeof pgdogSettings>;

/** load_balancing_strategy as the DatabaseRouter's read policy (PgDog sends reads to replicas when a shard has them). */
export function readRouting(s: PgDogSettings): ReadRouting {
  const policy = { random: 'random', round_robin: 'round-robin', least_active_connections: 'least-connections' } as const;
  return { read_policy: policy[s.load_balancing_strategy], max_replica_lag_ms: 0 };
}
