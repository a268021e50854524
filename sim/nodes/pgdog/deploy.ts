/**
 * A pgdog node in a real deployment: PgDog's own pgdog.toml and users.toml (field names as PgDog's
 * configuration reads them) and its docker-compose service (ghcr.io/pgdogdev/pgdog).
 *
 * pgdog.toml carries the node's [general] settings, one [[databases]] entry per shard (its primary, and
 * its standbys as replicas), and the shard map: [[sharded_tables]] for each table's key column, with
 * [[sharded_mappings]] for range (start inclusive, end exclusive, as PgDog matches) and for geography (a
 * list of each shard's regions). PgDog's hash is PostgreSQL's hash partitioning (hash_partition); the
 * lab's other hash strategies have no PgDog equivalent, and the file says so.
 */
import { timeUs } from '../../scenario/settings.ts';
import type { KeyType } from '../../sharding/keys.ts';
import type { ShardMap } from '../../sharding/shardMap.ts';
import { DATABASE, type DeployedNode, type DeployFormat } from '../deploy.ts';
import type { PgDogSettings } from './settings.ts';

const PORT = 6432;
/** PgDog's data_type of a key column: integers are hashed as bigint (PostgreSQL's int8 hash equals int4's on int4 values). */
const DATA_TYPE: Record<KeyType, string> = { smallint: 'bigint', integer: 'bigint', bigint: 'bigint', text: 'varchar', uuid: 'uuid' };

const str = (v: string) => JSON.stringify(v);
const value = (v: string | number) => (typeof v === 'number' ? String(v) : str(v));

/** The shard map as PgDog's [[sharded_tables]] and [[sharded_mappings]]. */
function shardMapToml(map: ShardMap): string[] {
  const out: string[] = [];
  const st = map.strategy;
  if (st.kind !== 'hash_partition' && st.kind !== 'range' && st.kind !== 'geography') {
    out.push(`# the lab's strategy "${st.kind}" is not PgDog's: PgDog places these keys by PostgreSQL's hash partitioning (hash_partition)`, '');
  }
  for (const t of map.tables) {
    out.push('[[sharded_tables]]', `database = ${str(DATABASE)}`, `name = ${str(t.table)}`, `column = ${str(t.column)}`, `data_type = ${str(DATA_TYPE[map.key_type])}`, '');
  }
  const mapping = (t: { table: string; column: string }, shard: number, lines: string[]) =>
    out.push('[[sharded_mappings]]', `database = ${str(DATABASE)}`, `table = ${str(t.table)}`, `column = ${str(t.column)}`, ...lines, `shard = ${shard}`, '');
  for (const t of map.tables) {
    if (st.kind === 'range') {
      map.shards.forEach((_, i) => {
        const start = i > 0 ? [`start = ${value(st.boundaries[i - 1])}`] : [];
        const end = i < st.boundaries.length ? [`end = ${value(st.boundaries[i])}`] : [];
        mapping(t, i, ['kind = "range"', ...start, ...end]);
      });
    } else if (st.kind === 'geography') {
      map.shards.forEach((shard, i) => {
        const regions = Object.keys(st.regions).filter((r) => st.regions[r] === shard);
        if (regions.length > 0) mapping(t, i, ['kind = "list"', `values = [${regions.map(str).join(', ')}]`]);
      });
    }
  }
  if (st.kind === 'geography' && st.default_shard) out.push(`# the lab's default_shard ${st.default_shard} (a region in no list) has no mapping here: PgDog sends such a key to every shard`, '');
  return out;
}

/** pgdog.toml: [general] (where it listens, the node's settings), the shards as [[databases]], the shard map. */
export function pgdogToml(settings: PgDogSettings, node: DeployedNode): string {
  const out = [
    `# pgdog.toml of node ${node.id}, exported by PG Scaling Lab`,
    '',
    '[general]',
    'host = "0.0.0.0"',
    `port = ${PORT}`,
    `default_pool_size = ${settings.default_pool_size}`,
    `checkout_timeout = ${Math.round(timeUs(settings.checkout_timeout, 'ms') / 1000)}`,
    `load_balancing_strategy = ${str(settings.load_balancing_strategy)}`,
    `expanded_explain = ${settings.expanded_explain}`,
    `two_phase_commit = ${settings.two_phase_commit}`,
    '# clients log in as the lab\'s do, without a password (the servers trust them too)',
    'auth_type = "trust"',
    '',
  ];
  const shards = node.sharding?.shards ?? [];
  // a standby serves its primary's shard (a cascade's upstream is followed back to the primary)
  const shardOf = (id: string): number => {
    const t = node.targets.find((x) => x.id === id);
    return t?.upstream ? shardOf(t.upstream) : shards.indexOf(id);
  };
  for (const t of node.sharding ? node.targets.filter((x) => shardOf(x.id) >= 0) : node.targets) {
    out.push('[[databases]]', `name = ${str(DATABASE)}`, `host = ${str(t.host)}`, `port = ${t.port}`, `role = ${t.upstream ? '"replica"' : '"primary"'}`);
    if (node.sharding) out.push(`shard = ${shardOf(t.id)}`);
    out.push('');
  }
  if (node.sharding) out.push(...shardMapToml(node.sharding));
  return `${out.join('\n').trimEnd()}\n`;
}

/** users.toml: the user clients log in as, and PgDog with to the servers (the compose file's postgres password). */
export function pgdogUsersToml(node: DeployedNode): string {
  return [`# users.toml of node ${node.id}, exported by PG Scaling Lab`, '', '[[users]]', 'name = "postgres"', `database = ${str(DATABASE)}`, 'password = "postgres"', ''].join('\n');
}

export const pgdogDeploy: DeployFormat<PgDogSettings> = {
  port: PORT,
  files: (settings, node) => [
    { name: 'pgdog.toml', text: pgdogToml(settings, node) },
    { name: 'users.toml', text: pgdogUsersToml(node) },
  ],
  compose: (_, node) => [
    'image: ghcr.io/pgdogdev/pgdog:main',
    `depends_on: [${node.targets.map((t) => t.id).join(', ')}]`,
    'volumes:',
    `  - ./${node.id}/pgdog.toml:/pgdog/pgdog.toml:ro`,
    `  - ./${node.id}/users.toml:/pgdog/users.toml:ro`,
    `ports: ["${PORT}"]`,
  ],
};
