/** Validation of replication edges (postgres -> postgres) in a scenario: one upstream per replica, no cascading. */

type Edge = { from: string; to: string };

/** The first problem with the scenario's replication edges (those `isRepl` says are streams), or undefined. */
export function replicationProblem(edges: readonly Edge[], isRepl: (e: Edge) => boolean): { edge: number; message: string } | undefined {
  const upstream = new Map<string, string>();
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
