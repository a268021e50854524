/** The `app` kind's views: its canvas node, its cache's figures and charts, and its cache's label on the edge to its L2. */
import type { AppSnapshot, NodeSnapshot } from '../../../../sim/index.ts';
import { ServerIcon } from '../icons.tsx';
import type { KindView } from '../registry.ts';
import { AppNodeView } from './AppNodeView.tsx';
import { CacheCharts } from './CacheCharts.tsx';

/** The app's cache counters from a snapshot, for its charts (none before a request used the cache). */
function cacheFigures(snap: NodeSnapshot): Record<string, number | null> | undefined {
  const c = (snap as AppSnapshot).cache;
  if (!c) return undefined;
  return {
    cache_l1_hits: c.l1Hits,
    cache_l1_misses: c.l1Misses,
    cache_l2_hits: c.l2Hits,
    cache_l2_misses: c.l2Misses,
    cache_db_reads: c.readsFromDatabase,
    cache_spared: c.readsSpared,
    cache_l1_ms: c.l1Hits > 0 ? c.latencyMs.l1 : null,
    cache_l2_ms: c.l2Hits > 0 ? c.latencyMs.l2 : null,
    cache_db_ms: c.readsFromDatabase > 0 ? c.latencyMs.db : null,
    cache_stale_l1: c.staleL1,
    cache_stale_l2: c.staleL2,
  };
}

/** On the edge to the app's L2 (a node whose snapshot has keys and memory): Redis hits and misses so far. */
function cacheEdgeLabel(from: NodeSnapshot, to: NodeSnapshot | undefined): string | undefined {
  const c = (from as AppSnapshot).cache;
  if (!c || !to || !('usedMemory' in to)) return undefined;
  const lookups = c.l2Hits + c.l2Misses;
  const ratio = lookups > 0 ? `${Math.round((c.l2Hits / lookups) * 100)}%` : '–';
  return `L2 ${c.l2Hits} hits · ${c.l2Misses} misses (${ratio})${c.l2Errors > 0 ? ` · ${c.l2Errors} errors` : ''}`;
}

export const appView: KindView = { kind: 'app', view: AppNodeView, icon: ServerIcon, documentCharts: CacheCharts, liveFigures: cacheFigures, edgeLabel: cacheEdgeLabel };
