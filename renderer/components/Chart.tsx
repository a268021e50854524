/** A uPlot time series that follows its container's size and redraws only its data. */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  color: string;
  values: (number | null)[];
}

export function Chart(props: { title: string; unit: string; x: number[]; series: ChartSeries[]; testId: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const labels = props.series.map((s) => s.label).join('|');

  // Recreated only when the set of series changes; data flows through setData below.
  // biome-ignore lint/correctness/useExhaustiveDependencies: see above
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      title: props.title,
      width: Math.max(200, el.clientWidth),
      height: Math.max(100, el.clientHeight - 4),
      scales: { x: { time: false } },
      axes: [{ label: 'simulated seconds', size: 36 }, { label: props.unit, size: 56 }],
      legend: { show: true, live: false },
      cursor: { show: true, drag: { x: false, y: false } },
      series: [{ label: 't' }, ...props.series.map((s) => ({ label: s.label, stroke: s.color, width: 2, points: { show: false } }))],
    };
    plot.current = new uPlot(opts, [[], ...props.series.map(() => [])] as uPlot.AlignedData, el);
    const ro = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(200, el.clientWidth), height: Math.max(100, el.clientHeight - 4) }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.current?.destroy();
      plot.current = undefined;
    };
  }, [labels, props.title, props.unit]);

  useEffect(() => {
    plot.current?.setData([props.x, ...props.series.map((s) => s.values)] as uPlot.AlignedData);
  }, [props.x, props.series]);

  return (
    <div className="chart" ref={box} data-testid={props.testId} data-points={props.x.length}>
      {props.x.length === 0 && <div className="chart-empty">press Run to see it live</div>}
    </div>
  );
}
