/**
 * Route explain in the SQL console of a sharded scenario: a button beside Run that asks the router (the
 * console's node when it routes, else the first app or shard router that does) where the statement goes and
 * why, and the answer in the result area, EXPLAIN style (routeExplain.ts).
 */
import { useState } from 'react';
import { nodeKind } from '../../sim/index.ts';
import { useApp } from '../store/appStore.ts';
import { routeExplainLines } from './routeExplain.ts';
import { shardStore, useShardViews } from './shardStore.ts';

/** The nodes that route the document's sharded statements: shard routers, and apps with an edge to a shard. */
export function useRouters(): string[] {
  const doc = useApp((s) => s.doc);
  const shards = (doc.sharding as { shards?: string[] } | undefined)?.shards;
  if (!shards) return [];
  return doc.nodes
    .filter((n) => nodeKind(n.kind)?.routesShards || (nodeKind(n.kind)?.counts === 'requests' && doc.edges.some((e) => e.from === n.id && shards.includes(e.to))))
    .map((n) => n.id);
}

/** The console bar's route explain: parameters for `$n` when the statement has them, and the button. */
export function ExplainRouteControls(props: { node: string | undefined; sql: string }) {
  const routers = useRouters();
  const busy = useShardViews((s) => s.busy);
  const [params, setParams] = useState('');
  if (routers.length === 0) return null;
  const router = props.node && routers.includes(props.node) ? props.node : routers[0];
  const hasParams = /\$\d/.test(props.sql);
  const explain = () => {
    const values = params.trim() === '' ? [] : params.split(',').map((p) => p.trim().replace(/^'(.*)'$/, '$1'));
    void shardStore.getState().explain(router, props.sql, values);
  };
  return (
    <>
      {hasParams && (
        <input
          className="explain-params"
          data-testid="explain-params"
          aria-label="parameters"
          placeholder="$1, $2 …"
          value={params}
          onChange={(e) => setParams(e.target.value)}
        />
      )}
      <button type="button" data-testid="explain-route" disabled={busy || !props.sql.trim()} title={`Where ${router} sends this statement, and why (runs nothing)`} onClick={explain}>
        {busy ? 'Explaining…' : `Explain route (${router})`}
      </button>
    </>
  );
}

/** Whether the console's result area shows a route explain (one of the run loaded now). */
export function useExplainShown(): boolean {
  const run = useApp((s) => s.loadedKey);
  return useShardViews((s) => s.explained !== undefined && s.explained.run === run);
}

/** The last route explain, EXPLAIN style, in the console's result area. */
export function RouteExplainView() {
  const e = useShardViews((s) => s.explained);
  if (!useExplainShown() || !e) return null;
  return (
    <div className="route-explain" data-testid="route-explain">
      <div className="route-explain-head">
        <b>Route explain at {e.node}</b>
        {e.params.length > 0 && <span className="muted"> with {e.params.map((p, i) => `$${i + 1} = ${p}`).join(', ')}</span>}
        <button type="button" data-testid="route-explain-close" onClick={() => shardStore.getState().closeExplain()}>
          Back to results
        </button>
      </div>
      {e.error && (
        <div className="sql-error" role="alert">
          {e.error}
        </div>
      )}
      {e.result && (
        <table className="route-explain-lines">
          <tbody>
            {routeExplainLines(e.result).map((l, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: lines have no identity
              <tr key={i} data-testid="route-explain-line" className={l.depth === 0 ? 'headline' : ''}>
                <th style={{ paddingLeft: `${l.depth * 1.5}em` }}>{l.depth > 0 ? `-> ${l.label}` : l.label}</th>
                <td>{l.text}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
