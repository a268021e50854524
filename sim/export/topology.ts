/**
 * What a scenario's topology means for a deployment: each node's role (primary, standby of which primary,
 * pooler in front of which database node) and where a client reaches it (host = node id, the real default
 * ports). Export and real mode place servers from it; the simulator's own models are not involved.
 */
import type { DeployedNode, DeployEndpoint } from '../nodes/deploy.ts';
import { isReplicationEdge, nodeKind } from '../nodes/index.ts';
import type { Scenario } from '../scenario/schema.ts';

/** The real server's default port of a kind (its `deploy`'s); a kind with none is reached as PostgreSQL. */
export const portOf = (kind: string | undefined): number => (kind && nodeKind(kind)?.deploy?.port) || 5432;

export interface Placement {
  /** Postgres nodes that stream to no one and from no one, or that have standbys. */
  primaries: string[];
  /** Each standby's upstream (the node it streams from). */
  upstreamOf: Map<string, string>;
  /** Each pooler's database nodes (its [databases] entries' hosts). */
  poolerTargets: Map<string, string[]>;
  /** Each app's SQL endpoints (edges to postgres, pgbouncer or shard router nodes) and its redis node, if any. */
  apps: Map<string, { sql: string[]; redis?: string }>;
}

const kindOf = (s: Scenario, id: string) => s.nodes.find((n) => n.id === id)?.kind;
/** Whether a node is a shard router (pgdog): the app sees it as one database, it routes to the shards. */
export const routesShards = (s: Scenario, id: string): boolean => !!nodeKind(kindOf(s, id) ?? '')?.routesShards;

export function placement(s: Scenario): Placement {
  const upstreamOf = new Map<string, string>();
  for (const e of s.edges) if (isReplicationEdge(kindOf(s, e.from), kindOf(s, e.to))) upstreamOf.set(e.to, e.from);
  const primaries = s.nodes.filter((n) => n.kind === 'postgres' && !upstreamOf.has(n.id)).map((n) => n.id);
  const poolerTargets = new Map<string, string[]>();
  const apps = new Map<string, { sql: string[]; redis?: string }>();
  for (const n of s.nodes) {
    const out = s.edges.filter((e) => e.from === n.id).map((e) => e.to);
    if (n.kind === 'pgbouncer') poolerTargets.set(n.id, out.filter((t) => kindOf(s, t) === 'postgres'));
    if (nodeKind(n.kind)?.counts === 'requests') {
      const sql = out.filter((t) => kindOf(s, t) === 'postgres' || kindOf(s, t) === 'pgbouncer' || routesShards(s, t));
      const redis = out.find((t) => kindOf(s, t) === 'redis');
      apps.set(n.id, { sql, ...(redis ? { redis } : {}) });
    }
  }
  return { primaries, upstreamOf, poolerTargets, apps };
}

/**
 * A node's place in the deployment, for its kind's `deploy`: its upstream and standbys, the database nodes
 * it connects to, the shard map. Others are reached at `host` (default: the node id as host name, its
 * kind's port).
 */
export function deployed(s: Scenario, p: Placement, id: string, host?: (id: string) => { host: string; port: number }): DeployedNode {
  const reach = (to: string): DeployEndpoint => ({ id: to, ...(host ? host(to) : { host: to, port: portOf(kindOf(s, to)) }) });
  const upstream = p.upstreamOf.get(id);
  const targets = s.edges.filter((e) => e.from === id && !isReplicationEdge(kindOf(s, e.from), kindOf(s, e.to))).map((e) => e.to);
  return {
    id,
    ...(upstream ? { upstream: reach(upstream) } : {}),
    standbys: [...p.upstreamOf].filter(([, up]) => up === id).map(([st]) => st),
    targets: targets.map((t) => ({ ...reach(t), ...(p.upstreamOf.has(t) ? { upstream: p.upstreamOf.get(t) } : {}) })),
    ...(s.sharding ? { sharding: s.sharding } : {}),
  };
}

/** The database node behind an SQL endpoint: itself, or a pooler's first database node. */
export function databaseBehind(p: Placement, endpoint: string): string {
  return p.poolerTargets.get(endpoint)?.[0] ?? endpoint;
}

/** An app's endpoints split as its router sees them: the primary's endpoint, then the replicas'. */
export function appRoles(p: Placement, app: string): { primary?: string; replicas: string[] } {
  const sql = p.apps.get(app)?.sql ?? [];
  const isStandby = (e: string) => p.upstreamOf.has(databaseBehind(p, e));
  const primary = sql.find((e) => !isStandby(e));
  return { primary, replicas: sql.filter((e) => e !== primary && isStandby(e)) };
}
