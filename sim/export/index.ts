/**
 * Export what a scenario designed (issue 15): every file a deployment of its topology needs, by path.
 *
 *   NODE/postgresql.conf   a fragment per database node (non-default settings, replication)
 *   NODE/pgbouncer.ini     per pooler, with NODE/userlist.txt
 *   NODE/redis.conf        per cache
 *   NODE/pgdog.toml        per shard router, with NODE/users.toml: its shards and shard map
 *   APP/databaseRouter.ts  per app: the seed's DatabaseRouter with its read_policy (to a shard router: one database)
 *   APP/cacheService.ts    per app with a cache: the seed's CacheService with its strategy
 *   shardRouter.ts         sharded scenarios without a shard router node: the ShardRouter with the shard map
 * (each node's files and docker-compose service come from its kind's `deploy`, sim/nodes/<kind>/deploy.ts)
 *   initdb/                the primary's first boot: the replication role, the schema and the data
 *   docker-compose.yml     the topology from the official images, streaming replication set up
 */
import type { AppSettings } from '../nodes/app/settings.ts';
import type { Scenario } from '../scenario/schema.ts';
import { defaultSetupSql } from '../workload/defaults.ts';
import { cacheServiceTs, databaseRouterTs, type Endpoint, type ExportTemplates, shardRouterTs } from './appCode.ts';
import { nodeKind } from '../nodes/index.ts';
import { DATABASE, dockerCompose, primaryInitScript } from './configs.ts';
import { appRoles, deployed, placement, portOf, routesShards } from './topology.ts';

export type { ExportTemplates } from './appCode.ts';
export { DATABASE, pgbouncerIni, postgresFragment, REPLICATION_USER } from './configs.ts';
export { appRoles, databaseBehind, type Placement, placement } from './topology.ts';

export interface ExportedFile {
  path: string;
  text: string;
}

/** Every exported file of a (parsed) scenario, in a stable order; the application code from `templates` (templates/*.ts.txt). */
export function exportScenario(s: Scenario, templates: ExportTemplates): ExportedFile[] {
  const p = placement(s);
  const files: ExportedFile[] = [];
  const endpoint = (id: string): Endpoint => ({ id, host: id, port: portOf(s.nodes.find((n) => n.id === id)!.kind) });
  for (const n of s.nodes) {
    for (const f of nodeKind(n.kind)?.deploy?.files(n.settings, deployed(s, p, n.id)) ?? []) files.push({ path: `${n.id}/${f.name}`, text: f.text });
  }
  for (const [app, ends] of p.apps) {
    const settings = s.nodes.find((n) => n.id === app)!.settings as AppSettings;
    const roles = appRoles(p, app);
    // a sharded scenario's app routes with the ShardRouter below, unless a shard router node (pgdog) does it for it
    if (roles.primary && (!s.sharding || routesShards(s, roles.primary))) files.push({ path: `${app}/databaseRouter.ts`, text: databaseRouterTs(templates.databaseRouter, app, settings, endpoint(roles.primary), roles.replicas.map(endpoint), DATABASE) });
    if (ends.redis) files.push({ path: `${app}/cacheService.ts`, text: cacheServiceTs(templates.cacheService, app, settings, endpoint(ends.redis)) });
  }
  if (s.sharding && !s.nodes.some((n) => routesShards(s, n.id))) files.push({ path: 'shardRouter.ts', text: shardRouterTs(templates.shardRouter, s.sharding, s.sharding.shards.map(endpoint), DATABASE) });
  files.push({ path: 'initdb/10-replication.sh', text: primaryInitScript() });
  files.push({ path: 'initdb/20-data.sql', text: `-- the scenario's schema and data\n${s.workload.setup_sql ?? defaultSetupSql(s.workload.data)}` });
  files.push({ path: 'docker-compose.yml', text: dockerCompose(s, p) });
  return files;
}
