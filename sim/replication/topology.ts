/** Validation of replication edges (postgres -> postgres) in a scenario: one upstream per replica, no cascading. */

/** The first problem with the scenario's replication edges, or undefined. `kinds`: node id -> kind. */
export function replicationProblem(edges: readonly { from: string; to: string }[], kinds: Map<string, string>): { edge: number; message: string } | undefined {
  const upstream = new Map<string, string>();
  const isRepl = (e: { from: string; to: string }) => kinds.get(e.from) === 'postgres' && kinds.get(e.to) === 'postgres';
  for (let i = 0; i < edges.length; i++) {
    const e = edges[i];
    if (!isRepl(e)) continue;
    const had = upstream.get(e.to);
    if (had) return { edge: i, message: `${e.to} already replicates from ${had}: a replica streams from one primary` };
    upstream.set(e.to, e.from);
  }
  for (let i = 0; i < edges.length; i++) {
    const e = edges[i];
    if (isRepl(e) && upstream.has(e.from)) {
      return { edge: i, message: `${e.from} is a replica of ${upstream.get(e.from)}: cascading replication (a replica of a replica) is not modelled; connect ${e.to} to ${upstream.get(e.from)}` };
    }
  }
  return undefined;
}
