/**
 * The app's cache over time, for the Metrics dock whenever an app caches: the hit ratio of each level
 * and the database reads against the reads it did not see (per snapshot interval, from the counters'
 * growth), the mean latency by where the answer came from, and the stale cached reads per level.
 * Drawn from the per-snapshot figures (store `live`).
 */
import { useMemo } from 'react';
import { Chart, type ChartSeries } from '../../../components/Chart.tsx';
import { useApp } from '../../../store/appStore.ts';
import type { LivePoint } from '../../../store/liveSeries.ts';

/** The app nodes whose points carry cache figures. */
function cachingApps(live: LivePoint[]): string[] {
  const ids = new Set<string>();
  for (const p of live.slice(-5)) for (const [id, f] of Object.entries(p.nodes)) if (f.cache_l1_hits !== undefined) ids.add(id);
  return [...ids].sort();
}

/** A counter's growth between consecutive points (null where either is unknown). */
function growth(live: LivePoint[], id: string, name: string): (number | null)[] {
  return live.map((p, i) => {
    const now = p.nodes[id]?.[name];
    const before = i > 0 ? live[i - 1].nodes[id]?.[name] : undefined;
    return now == null || before == null ? null : now - before;
  });
}

const ratio = (hits: (number | null)[], misses: (number | null)[]) =>
  hits.map((h, i) => (h == null || misses[i] == null || h + misses[i]! === 0 ? null : Math.round((h / (h + misses[i]!)) * 1000) / 10));

export function CacheCharts() {
  const live = useApp((s) => s.live);
  const apps = useMemo(() => cachingApps(live), [live]);
  const x = useMemo(() => live.map((p) => p.t), [live]);
  const charts = useMemo(() => {
    const hit: ChartSeries[] = [];
    const db: ChartSeries[] = [];
    const latency: ChartSeries[] = [];
    const stale: ChartSeries[] = [];
    const dt = live.map((p, i) => (i > 0 ? p.t - live[i - 1].t : null));
    const perSecond = (v: (number | null)[]) => v.map((n, i) => (n == null || !dt[i] ? null : Math.round(n / dt[i]!)));
    for (const id of apps) {
      const g = (name: string) => growth(live, id, name);
      const v = (name: string) => live.map((p) => p.nodes[id]?.[name] ?? null);
      hit.push({ label: `${id} L1 hit %`, color: '#16a34a', values: ratio(g('cache_l1_hits'), g('cache_l1_misses')) });
      hit.push({ label: `${id} L2 hit %`, color: '#dc2626', values: ratio(g('cache_l2_hits'), g('cache_l2_misses')) });
      db.push({ label: `${id} database reads/s`, color: '#7c3aed', values: perSecond(g('cache_db_reads')) });
      db.push({ label: `${id} spared/s`, color: '#0891b2', values: perSecond(g('cache_spared')) });
      latency.push({ label: `${id} L1`, color: '#16a34a', values: v('cache_l1_ms') });
      latency.push({ label: `${id} L2`, color: '#dc2626', values: v('cache_l2_ms') });
      latency.push({ label: `${id} database`, color: '#7c3aed', values: v('cache_db_ms') });
      stale.push({ label: `${id} stale L1`, color: '#d97706', values: v('cache_stale_l1') });
      stale.push({ label: `${id} stale L2`, color: '#db2777', values: v('cache_stale_l2') });
    }
    return { hit, db, latency, stale };
  }, [apps, live]);
  if (apps.length === 0) return null;
  return (
    <>
      <Chart testId="chart-cache-hit" title="Cache hit ratio per level" unit="%" x={x} series={charts.hit} />
      <Chart testId="chart-cache-db" title="Reads: database vs cache" unit="per second" x={x} series={charts.db} />
      <Chart testId="chart-cache-latency" title="Latency by answer's source (mean)" unit="ms" x={x} series={charts.latency} />
      <Chart testId="chart-cache-stale" title="Stale cached reads (total)" unit="reads" x={x} series={charts.stale} />
    </>
  );
}
