/**
 * What the sharding views ask the running sim for, kept outside the app store (they are views of the run,
 * not of the document): the last route explain shown in the console, and the cluster view's last figures of
 * each shard. They load the sim first, as the console does.
 */
import { createStore, useStore } from 'zustand';
import type { RouteExplain } from '../../sim/index.ts';
import { simClient } from '../sim/simClient.ts';
import { appStore } from '../store/appStore.ts';
import { monitorQueries, type ShardMonitor, shardMonitor } from './clusterView.ts';

export interface Explained {
  /** The loaded sim it is of (the run slice's loadedKey): an explain of another run is not shown. */
  run: string | undefined;
  node: string;
  sql: string;
  params: string[];
  result?: RouteExplain;
  error?: string;
}

interface ShardViews {
  /** The route explain shown in the console's result area (undefined: the console's own result). */
  explained: Explained | undefined;
  busy: boolean;
  explain(node: string, sql: string, params: string[]): Promise<void>;
  closeExplain(): void;
  /** Each shard's figures from its monitoring queries, and the simulated second they were taken at. */
  /** `run`: the loaded sim they are of (the run slice's loadedKey); figures of another run are not shown. */
  cluster: { at: number; run: string | undefined; shards: Record<string, ShardMonitor> } | undefined;
  refreshing: boolean;
  /** Runs the monitoring queries on each shard's primary, one shard after another. */
  refreshCluster(shards: readonly string[], tables: readonly string[]): Promise<void>;
}

export const shardStore = createStore<ShardViews>()((set) => ({
  explained: undefined,
  busy: false,
  async explain(node, sql, params) {
    set({ busy: true });
    try {
      if (!(await appStore.getState().ensureLoaded())) return;
      const result = await simClient().explainRoute(node, sql, params);
      set({ explained: { run: appStore.getState().loadedKey, node, sql, params, result } });
    } catch (e) {
      set({ explained: { run: appStore.getState().loadedKey, node, sql, params, error: String((e as Error)?.message ?? e) } });
    } finally {
      set({ busy: false });
    }
  },
  closeExplain() {
    set({ explained: undefined });
  },
  cluster: undefined,
  refreshing: false,
  async refreshCluster(shards, tables) {
    set({ refreshing: true });
    try {
      if (!(await appStore.getState().ensureLoaded())) return;
      const out: Record<string, ShardMonitor> = {};
      for (const shard of shards) {
        const results = [];
        for (const sql of monitorQueries(tables)) results.push(await simClient().apply({ do: 'runSql', node: shard, sql }));
        out[shard] = shardMonitor(tables, results);
      }
      set({ cluster: { at: appStore.getState().snapshot?.time ?? 0, run: appStore.getState().loadedKey, shards: out } });
    } catch (e) {
      appStore.getState().notify('error', `cluster view: ${String((e as Error)?.message ?? e)}`, undefined, true);
    } finally {
      set({ refreshing: false });
    }
  },
}));

export function useShardViews<T>(selector: (s: ShardViews) => T): T {
  return useStore(shardStore, selector);
}
