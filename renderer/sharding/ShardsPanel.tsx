/**
 * The cluster-wide monitoring view, a dock tab of a sharded scenario: one row per shard with its rows and
 * size (counted on the shard), its load of the last simulated second (statements per second of the shard and
 * its replicas, its primary's CPU), and the seed's monitoring queries run on it (connections by state, queries
 * running over 5 s, the largest tables). Refresh runs the queries again on every shard's primary.
 */
import { useEffect, useMemo } from 'react';
import { formatBytes } from '../../sim/index.ts';
import { useApp } from '../store/appStore.ts';
import { compact, shardHeat } from './heat.ts';
import { ReshardPanel } from './ReshardPanel.tsx';
import { useShards } from './ShardHeatmap.tsx';
import { shardStore, useShardViews } from './shardStore.ts';

export function ShardsPanel() {
  const map = useShards();
  const sharding = useApp((s) => s.doc.sharding) as { tables?: { table: string }[] } | undefined;
  const tables = useMemo(() => (sharding?.tables ?? []).map((t) => t.table), [sharding]);
  const series = useApp((s) => s.series);
  const loadedKey = useApp((s) => s.loadedKey);
  const active = useApp((s) => s.status !== 'idle' && s.status !== 'booting');
  const stored = useShardViews((s) => s.cluster);
  const refreshing = useShardViews((s) => s.refreshing);
  const cluster = stored?.run === loadedKey ? stored : undefined;
  const last = useMemo(() => (map ? shardHeat(series.slice(-1), map.shards, map.shardOf, 1).columns[0] : undefined), [series, map]);
  const tableKey = tables.join();
  const refresh = () => map && void shardStore.getState().refreshCluster(map.shards, tables);
  // the first look at a loaded run takes its figures
  // biome-ignore lint/correctness/useExhaustiveDependencies: once per run shown
  useEffect(() => {
    if (map && active && !cluster && !shardStore.getState().refreshing) refresh();
  }, [active, loadedKey, tableKey]);
  if (!map) return <p className="muted">This scenario is not sharded.</p>;
  return (
    <div className="shards-panel" data-testid="shards-panel">
      <div className="console-bar">
        <button type="button" className="primary" data-testid="shards-refresh" disabled={refreshing} onClick={refresh}>
          {refreshing ? 'Querying the shards…' : 'Refresh'}
        </button>
        <span className="muted">
          {cluster ? `rows, size and the seed's monitoring queries at t = ${cluster.at.toFixed(1)} s, on each shard's primary; load: the last second` : 'press Refresh (or Run) to query every shard'}
        </span>
      </div>
      <table className="rows shards-table">
        <thead>
          <tr>
            <th>shard</th>
            {tables.map((t) => (
              <th key={t}>{t} rows</th>
            ))}
            <th>size</th>
            <th>queries/s</th>
            <th>CPU</th>
            <th>connections</th>
            <th>over 5 s</th>
            <th>largest tables</th>
          </tr>
        </thead>
        <tbody>
          {map.shards.map((s) => {
            const m = cluster?.shards[s];
            const members = [...map.shardOf].filter(([, o]) => o === s).map(([id]) => id);
            const cell = last?.cells[s];
            return (
              <tr key={s} data-testid={`shards-row-${s}`}>
                <td>
                  <b>{s}</b>
                  {members.length > 1 && <div className="muted">+ {members.filter((id) => id !== s).join(', ')}</div>}
                </td>
                {tables.map((t) => (
                  <td key={t} className="num">
                    {m && !m.error ? m.rows[t].toLocaleString('en') : '–'}
                  </td>
                ))}
                <td className="num">{m && !m.error ? formatBytes(m.bytes) : '–'}</td>
                <td className="num">{cell ? compact(cell.qps) : '–'}</td>
                <td className="num">{cell ? `${Math.round(cell.cpu * 100)}%` : '–'}</td>
                <td>
                  {m?.error ? (
                    <span className="sql-error">{m.error}</span>
                  ) : m ? (
                    Object.entries(m.connections)
                      .map(([state, n]) => `${state === 'null' ? 'NULL' : state} ${n}`)
                      .join(' · ') || 'none'
                  ) : (
                    '–'
                  )}
                </td>
                <td className="num">{m && !m.error ? m.longRunning : '–'}</td>
                <td>{m && !m.error ? m.tableSizes.slice(0, 2).map((t) => `${t.table} ${t.size}`).join(', ') : '–'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {sharding && <ReshardPanel map={sharding as Record<string, any>} />}
    </div>
  );
}
