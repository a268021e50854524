/**
 * The skew heatmap, in the metrics dock of a sharded scenario: a row per shard, a column per few seconds,
 * each cell coloured by its load and showing its number (statements per second, or the primary's CPU), so a
 * range shard taking every new sequential id, or a hot region, shows as the hot spot it is.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { shardNodes, shardOfNodes } from '../../sim/index.ts';
import { appStore, useApp } from '../store/appStore.ts';
import { compact, heatColour, shardHeat } from './heat.ts';
import './sharding.css';

type Figure = 'qps' | 'cpu';

/** The shards of the document's map (its spare shards after them), or none when it is not sharded. */
export function useShards(): { shards: string[]; shardOf: Map<string, string> } | undefined {
  const sharding = useApp((s) => s.doc.sharding) as { shards?: string[]; spare_shards?: string[] } | undefined;
  const nodes = useApp((s) => s.doc.nodes);
  const edges = useApp((s) => s.doc.edges);
  return useMemo(() => {
    if (!sharding || !Array.isArray(sharding.shards)) return undefined;
    const shards = shardNodes({ shards: sharding.shards, spare_shards: sharding.spare_shards ?? [] });
    return { shards, shardOf: shardOfNodes({ nodes, edges }, shards) };
  }, [sharding, nodes, edges]);
}

const CELL_PX = 64;
const LABEL_PX = 150;

export function ShardHeatmap() {
  const map = useShards();
  const series = useApp((s) => s.series);
  const scale = useApp((s) => s.textScale);
  const stage = useApp((s) => s.stage);
  const big = useApp((s) => s.stageChart === 'chart-shard-heat');
  const [figure, setFigure] = useState<Figure>('qps');
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(600);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    setWidth(el.clientWidth);
    return () => ro.disconnect();
  }, []);
  const maxColumns = Math.max(1, Math.floor((width - LABEL_PX * scale) / (CELL_PX * scale)));
  const heat = useMemo(() => (map ? shardHeat(series, map.shards, map.shardOf, maxColumns) : undefined), [series, map, maxColumns]);
  if (!map || !heat) return null;
  const even = 1 / heat.shards.length;
  const hot = heat.hottest;
  const value = (c: { qps: number; cpu: number }) => (figure === 'qps' ? compact(c.qps) : `${Math.round(c.cpu * 100)}%`);
  const fraction = (c: { qps: number; cpu: number }) => (figure === 'qps' ? (heat.max.qps ? c.qps / heat.max.qps : 0) : c.cpu / heat.max.cpu);
  return (
    <div className={`chart shard-heat${big ? ' big' : ''}`} ref={box} data-testid="chart-shard-heat" data-points={series.length} data-hottest={hot ?? ''}>
      <div className="shard-heat-head">
        <b>Load by shard</b>
        <span className="shard-heat-toggle">
          {(['qps', 'cpu'] as const).map((f) => (
            <button type="button" key={f} aria-pressed={figure === f} className={figure === f ? 'active' : ''} data-testid={`shard-heat-${f}`} onClick={() => setFigure(f)}>
              {f === 'qps' ? 'queries/s' : 'CPU'}
            </button>
          ))}
        </span>
        <span className="muted">{heat.width === 1 ? 'per second' : `per ${heat.width} s`}</span>
      </div>
      {heat.columns.length === 0 ? (
        <div className="chart-empty">press Run to see each shard's load</div>
      ) : (
        <>
          <div className="shard-heat-grid" style={{ gridTemplateColumns: `minmax(${LABEL_PX * 0.7}px, max-content) repeat(${heat.columns.length}, minmax(0, 1fr))` }}>
            <span className="shard-heat-corner muted">shard · share</span>
            {heat.columns.map((c) => (
              <span key={c.from} className="shard-heat-time muted">
                {heat.width === 1 ? `${c.to} s` : `${c.from}–${c.to} s`}
              </span>
            ))}
            {heat.shards.map((s) => {
              const t = heat.totals[s];
              return [
                <span key={`${s}-label`} className={`shard-heat-label${s === hot ? ' hot' : ''}`} data-testid={`shard-heat-row-${s}`}>
                  {s === hot && <span title="the hottest shard">▲ </span>}
                  {s} <b>{Math.round(t.share * 100)}%</b>
                </span>,
                ...heat.columns.map((c) => {
                  const cell = c.cells[s];
                  const { background, ink } = heatColour(fraction(cell));
                  return (
                    <span
                      key={`${s}-${c.from}`}
                      className="shard-heat-cell"
                      style={{ background, color: ink }}
                      title={`${s}, ${c.from}–${c.to} s: ${cell.qps.toFixed(1)} statements/s, CPU ${Math.round(cell.cpu * 100)}%`}
                    >
                      {value(cell)}
                    </span>
                  );
                }),
              ];
            })}
          </div>
          <div className="shard-heat-foot" data-testid="shard-heat-summary">
            {hot
              ? `${hot} ran ${Math.round(heat.totals[hot].share * 100)}% of the statements (${Math.round(even * 100)}% each if even), CPU ${Math.round(heat.totals[hot].cpu * 100)}% on average.`
              : 'No statements yet.'}
          </div>
        </>
      )}
      {stage && (
        <button
          type="button"
          className="chart-zoom"
          data-testid="chart-shard-heat-zoom"
          title={big ? 'Back to all charts' : 'Show this chart alone, big'}
          onClick={() => appStore.getState().setStageChart(big ? undefined : 'chart-shard-heat')}
        >
          {big ? '▣' : '⤢'}
        </button>
      )}
    </div>
  );
}
