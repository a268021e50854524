/**
 * A uPlot time series that follows its container's size and redraws only its data. A chart is built, and
 * redrawn, in a task of its own: a snapshot that changes every chart (or an example that opens several)
 * is then a few short tasks instead of one that blocks the page (issue 14: no long task over 50 ms). uPlot
 * itself is loaded with the first chart built, not at start-up.
 */
import { useEffect, useRef } from 'react';
import type uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { nextTask } from '../nextTask.ts';
import { lonePoint, valueRange } from './chartScale.ts';
import { appStore, useApp } from '../store/appStore.ts';

/**
 * uPlot, loaded once. Its module makes a number and a date formatter as it is evaluated: ICU's first use,
 * 20-25 ms of CPU in the task that evaluated it; each formatter's first use is made in a task of its own
 * before it (issue 14), and before them the locale's likely subtags, which the first formatter loads too
 * (3-5 ms of it: the rest, V8's set of the locales ICU has, is one native call that cannot be cut).
 */
let uplot: Promise<{ default: typeof uPlot }> | undefined;
function loadUPlot() {
  uplot ??= (async () => {
    new Intl.Locale(navigator.language).maximize();
    await nextTask();
    new Intl.NumberFormat(navigator.language).format(1);
    await nextTask();
    new Intl.DateTimeFormat().resolvedOptions();
    await nextTask();
    return import('uplot');
  })();
  return uplot;
}

export interface ChartSeries {
  label: string;
  color: string;
  values: (number | null)[];
  /** Dashed (the original run, beside its fork). */
  dash?: boolean;
}

export function Chart(props: { title: string; unit: string; x: number[]; series: ChartSeries[]; testId: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const labels = props.series.map((s) => s.label).join('|');
  // uPlot draws its axes on a canvas: their font follows Aa here, the title and legend follow it in CSS
  const scale = useApp((s) => s.textScale);
  const contrast = useApp((s) => s.highContrast);
  const stage = useApp((s) => s.stage);
  const big = useApp((s) => s.stageChart === props.testId);
  // the data to draw when the chart's task runs (the latest render's)
  const data = useRef<uPlot.AlignedData>([[]]);
  data.current = [props.x, ...props.series.map((s) => s.values)] as uPlot.AlignedData;

  // Recreated only when the set of series or the text size changes; data flows through setData below.
  // biome-ignore lint/correctness/useExhaustiveDependencies: see above
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    // the plot's height leaves room for uPlot's title and legend (their lines of text, as drawn: the legend
    // wraps as the chart narrows or the text grows)
    const chrome = () =>
      plot.current ? [...plot.current.root.querySelectorAll<HTMLElement>('.u-title, .u-legend')].reduce((h, e) => h + e.offsetHeight, 0) : Math.round(20 * scale);
    const height = () => Math.max(100, el.clientHeight - chrome() - 4);
    const font = `${Math.round(11 * scale)}px system-ui, sans-serif`;
    const ink = contrast ? '#000' : '#4b5563';
    const axis = (label: string, size: number): uPlot.Axis => ({ label, size: Math.round(size * scale), font, labelFont: font, labelSize: Math.round(16 * scale), stroke: ink });
    // built in the chart's task: its sizes are read there (a read here would lay out the page in the commit)
    const options = (): uPlot.Options => ({
      title: props.title,
      width: Math.max(200, el.clientWidth),
      height: height(),
      scales: { x: { time: false }, y: { range: (_u, min, max) => valueRange(min, max) } },
      axes: [axis('simulated seconds', 30), axis(props.unit, 52)],
      legend: { show: true, live: false },
      cursor: { show: true, drag: { x: false, y: false } },
      series: [{ label: 't' }, ...props.series.map((s) => ({ label: s.label, stroke: s.color, width: (contrast ? 3 : 2) * Math.min(scale, 1.5), points: { show: lonePoint }, ...(s.dash ? { dash: [6, 4] } : {}) }))],
    });
    // Resized in a task of its own too: in the observer's callback, each chart's read of its sizes would lay
    // out the page again after the previous chart's resize (an example that opens several charts resized
    // them all in one long task of the page's lifecycle)
    let resize: ReturnType<typeof setTimeout> | undefined;
    const ro = new ResizeObserver(() => {
      clearTimeout(resize);
      resize = setTimeout(() => plot.current?.setSize({ width: Math.max(200, el.clientWidth), height: height() }), 0);
    });
    let gone = false;
    const build = setTimeout(async () => {
      const { default: UPlot } = await loadUPlot();
      // charts waiting for uPlot's first load are built a task each too, not all in the one it loads in
      await nextTask();
      if (gone) return;
      plot.current = new UPlot(options(), data.current, el);
      // its height once its title and legend are laid out, in a task of its own: building and sizing it in
      // one task was the cold start's longest but one (10-17 ms of CPU on a loaded machine)
      await nextTask();
      if (gone) return;
      plot.current.setSize({ width: Math.max(200, el.clientWidth), height: height() });
      ro.observe(el);
    }, 0);
    return () => {
      gone = true;
      clearTimeout(build);
      clearTimeout(resize);
      ro.disconnect();
      plot.current?.destroy();
      plot.current = undefined;
    };
  }, [labels, props.title, props.unit, scale, contrast]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: redrawn when its data changes (read from `data` when its task runs)
  useEffect(() => {
    const draw = setTimeout(() => plot.current?.setData(data.current), 0);
    return () => clearTimeout(draw);
  }, [props.x, props.series]);

  return (
    <div className={`chart${big ? ' big' : ''}`} ref={box} data-testid={props.testId} data-points={props.x.length}>
      {props.x.length === 0 && <div className="chart-empty">press Run to see it live</div>}
      {stage && (
        <button
          type="button"
          className="chart-zoom"
          data-testid={`${props.testId}-zoom`}
          title={big ? 'Back to all charts' : 'Show this chart alone, big'}
          onClick={() => appStore.getState().setStageChart(big ? undefined : props.testId)}
        >
          {big ? '▣' : '⤢'}
        </button>
      )}
    </div>
  );
}
