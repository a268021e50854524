/**
 * What the sharding views ask the running sim for, kept outside the app store (they are views of the run,
 * not of the document): the last route explain shown in the console. It loads the sim first, as the console does.
 */
import { createStore, useStore } from 'zustand';
import type { RouteExplain } from '../../sim/index.ts';
import { simClient } from '../sim/simClient.ts';
import { appStore } from '../store/appStore.ts';

export interface Explained {
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
}

export const shardStore = createStore<ShardViews>()((set) => ({
  explained: undefined,
  busy: false,
  async explain(node, sql, params) {
    set({ busy: true });
    try {
      if (!(await appStore.getState().ensureLoaded())) return;
      const result = await simClient().explainRoute(node, sql, params);
      set({ explained: { node, sql, params, result } });
    } catch (e) {
      set({ explained: { node, sql, params, error: String((e as Error)?.message ?? e) } });
    } finally {
      set({ busy: false });
    }
  },
  closeExplain() {
    set({ explained: undefined });
  },
}));

export function useShardViews<T>(selector: (s: ShardViews) => T): T {
  return useStore(shardStore, selector);
}
