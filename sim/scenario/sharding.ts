/**
 * The checks of a scenario's `sharding` block against its topology (the block's own shape is
 * sim/sharding/shardMap.ts): every shard is a database node that is not a replica; every app reaches each
 * shard over an edge of its own (its ShardRouter routes), or reaches shard routers only (a kind that
 * `routesShards`, such as pgdog, routes for it); a router reaches every shard. An app's or a router's other
 * database edges go to replicas of a shard (the ShardRouter reads from them as its read policy says).
 */
import { isReplicationEdge, nodeKind } from '../nodes/registry.ts';
import { type ShardMap, shardMembers, shardNodes } from '../sharding/shardMap.ts';

interface Topology {
  nodes: readonly { id: string; kind: string }[];
  edges: readonly { from: string; to: string }[];
}

export interface ShardingIssue {
  path: (string | number)[];
  message: string;
}

/** The shard each database node of the scenario belongs to: the shard itself and the replicas downstream of it. */
export function shardOfNodes(t: Topology, shards: readonly string[]): Map<string, string> {
  const kinds = new Map(t.nodes.map((n) => [n.id, n.kind]));
  return shardMembers(shards, (id) => t.edges.filter((e) => e.from === id && isReplicationEdge(kinds.get(e.from), kinds.get(e.to))).map((e) => e.to));
}

/** What is wrong with `map` on this topology, with paths from the scenario's root. */
export function shardingIssues(t: Topology, map: ShardMap): ShardingIssue[] {
  const issues: ShardingIssue[] = [];
  const kinds = new Map(t.nodes.map((n) => [n.id, n.kind]));
  const isRouter = (id: string) => !!nodeKind(kinds.get(id) ?? '')?.routesShards;
  const isDatabase = (id: string) => nodeKind(kinds.get(id) ?? '')?.console === 'sql' && !isRouter(id);
  const all = shardNodes(map);
  all.forEach((s, i) => {
    const path = i < map.shards.length ? ['sharding', 'shards', i] : ['sharding', 'spare_shards', i - map.shards.length];
    if (!kinds.has(s)) issues.push({ path, message: `no node ${s}` });
    else if (!isDatabase(s)) issues.push({ path, message: `shard ${s} is a ${kinds.get(s)} node, not a database node` });
    else if (t.edges.some((e) => e.to === s && isReplicationEdge(kinds.get(e.from), kinds.get(s)))) {
      issues.push({ path, message: `shard ${s} is a replica; a shard is a primary (its replicas follow it)` });
    }
  });
  if (issues.length > 0) return issues;
  const owner = shardOfNodes(t, all);
  for (const app of t.nodes.filter((n) => nodeKind(n.kind)?.counts === 'requests' || nodeKind(n.kind)?.routesShards)) {
    const targets = t.edges.filter((e) => e.from === app.id).map((e) => e.to);
    if (targets.length > 0 && targets.every(isRouter)) continue;
    for (const [i, s] of all.entries()) {
      const path = i < map.shards.length ? ['sharding', 'shards', i] : ['sharding', 'spare_shards', i - map.shards.length];
      if (!targets.includes(s)) issues.push({ path, message: `${app.id} has no edge to shard ${s}: an app connects to every shard` });
    }
    for (const to of targets) {
      if (!owner.has(to)) {
        const message = isRouter(to)
          ? `${app.id} -> ${to}: an app connects either to the shards (it routes) or to shard routers only`
          : `${app.id} -> ${to}: with sharding, an app connects to the shards and their replicas only`;
        issues.push({ path: ['edges', t.edges.findIndex((e) => e.from === app.id && e.to === to)], message });
      }
    }
  }
  return issues;
}
