/**
 * The architect's bench: a sweep of one setting over values and seeds (its curves with 95 % confidence
 * intervals, filling in value by value), and an A/B of the design against a copy kept as B, on one seed
 * (its figures side by side, and its per-second series overlaid).
 * Both run in the bench worker, so the page stays responsive; a run under way can be cancelled.
 */
import { useMemo } from 'react';
import { type FigureDiff, overlayCharts, parseDuration, plusMinus, type Report, type SweepResult, svgChart, sweepCharts } from '../../sim/index.ts';
import { useApp } from '../store/appStore.ts';
import { benchStore, cancelBench, keepAsB, savedAsB, startAb, startSweep, type SweepForm, useBench } from './benchStore.ts';
import { parseValues, settingChoices, suggestValues } from './settingChoices.ts';
import './bench.css';

export function BenchDialog() {
  const tab = useBench((s) => s.tab);
  const progress = useBench((s) => s.progress);
  const error = useBench((s) => s.error);
  const close = () => benchStore.setState({ open: false });
  return (
    <div className="bench-backdrop">
      <div className="bench" role="dialog" aria-label="Bench" data-testid="bench" onKeyDown={(e) => e.key === 'Escape' && close()}>
        <header className="bench-head">
          <div className="bench-tabs" role="tablist">
            <button type="button" role="tab" aria-selected={tab === 'sweep'} className={tab === 'sweep' ? 'active' : ''} data-testid="bench-tab-sweep" onClick={() => benchStore.setState({ tab: 'sweep' })}>
              Sweep
            </button>
            <button type="button" role="tab" aria-selected={tab === 'ab'} className={tab === 'ab' ? 'active' : ''} data-testid="bench-tab-ab" onClick={() => benchStore.setState({ tab: 'ab' })}>
              A/B
            </button>
          </div>
          <button type="button" className="link" data-testid="bench-close" onClick={close} aria-label="Close the bench">
            ✕
          </button>
        </header>
        {progress && (
          <div className="bench-progress" data-testid="bench-progress">
            <progress max={1} value={Math.min(1, (progress.done + progress.run) / progress.total)} />
            <span>
              {progress.what === 'sweep' ? 'sweep' : 'A/B'}: run {Math.min(progress.done + 1, progress.total)} of {progress.total}
            </span>
            <button type="button" data-testid="bench-cancel" onClick={() => void cancelBench()}>
              Cancel
            </button>
          </div>
        )}
        {error && (
          <p className="bench-error" data-testid="bench-error">
            {error}
          </p>
        )}
        <div className="bench-body">{tab === 'sweep' ? <SweepPanel /> : <AbPanel />}</div>
      </div>
    </div>
  );
}

function SweepPanel() {
  const doc = useApp((s) => s.doc);
  const selected = useApp((s) => s.selection.nodes[0]);
  const choices = useMemo(() => settingChoices(doc), [doc]);
  const first = choices.find((c) => selected && c.key.startsWith(`${selected}.`) && c.type !== 'boolean') ?? choices.find((c) => c.key === 'workload.clients') ?? choices[0];
  const form = useBench((s) => s.sweepForm) ?? { key: first?.key ?? '', values: suggestValues(first), seeds: 3, duration: '10s' };
  const set = (patch: Partial<SweepForm>) => benchStore.setState({ sweepForm: { ...form, ...patch } });
  const { key, values, seeds, duration } = form;
  const choice = choices.find((c) => c.key === key);
  const running = useBench((s) => s.progress !== undefined);
  const result = useBench((s) => s.sweep);
  const list = parseValues(values);
  const durationUs = parseDuration(duration);
  const problem =
    !choice ? 'pick a setting' : list.length === 0 ? 'give at least one value' : new Set(list).size !== list.length ? 'a value is given twice' : !(Number.isInteger(seeds) && seeds >= 1 && seeds <= 20) ? 'seeds: a whole number, 1 to 20' : durationUs === undefined || durationUs < 100_000 || durationUs > 86_400e6 ? 'duration: 100ms to 24h, for example 10s' : undefined;
  return (
    <section className="bench-sweep">
      <form
        className="bench-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (!problem && durationUs) void startSweep({ vary: { key, values: list }, seeds, durationUs });
        }}
      >
        <label>
          Setting
          <select data-testid="sweep-setting" value={key} onChange={(e) => set({ key: e.target.value, values: suggestValues(choices.find((c) => c.key === e.target.value)) })}>
            {choices.map((c) => (
              <option key={c.key} value={c.key}>
                {c.key}
              </option>
            ))}
          </select>
        </label>
        <label>
          Values
          <input data-testid="sweep-values" value={values} onChange={(e) => set({ values: e.target.value })} placeholder="10, 20, 50" />
        </label>
        <label>
          Seeds per value
          <input data-testid="sweep-seeds" type="number" min={1} max={20} value={seeds} onChange={(e) => set({ seeds: Number(e.target.value) })} />
        </label>
        <label>
          Simulated time per run
          <input data-testid="sweep-duration" value={duration} onChange={(e) => set({ duration: e.target.value })} size={6} />
        </label>
        <button type="submit" className="primary" data-testid="sweep-run" disabled={running || !!problem}>
          Run {list.length * seeds || ''} runs
        </button>
        {problem && <span className="muted">{problem}</span>}
      </form>
      <p className="muted bench-note">
        Each point is the mean over the seeds (the scenario's seed and the next ones); the whiskers and bands are its 95 % confidence interval (Student's t). The same as <code>npm run sweep</code>.
      </p>
      {result && result.points.length > 0 && <SweepFigures result={result} />}
    </section>
  );
}

const svgUrl = (svg: string) => `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;

function SweepFigures({ result }: { result: SweepResult }) {
  const charts = useMemo(() => sweepCharts(result), [result]);
  const key = result.vary[0].key;
  return (
    <div className="bench-figures">
      <div className="bench-charts">
        {charts.map((c) => (
          <img key={c.name} data-testid={`sweep-chart-${c.name}`} src={svgUrl(svgChart(c.chart))} alt={c.chart.title} />
        ))}
      </div>
      <table className="bench-table" data-testid="sweep-table">
        <thead>
          <tr>
            <th>{key}</th>
            <th>req/s</th>
            <th>p50 ms</th>
            <th>p95 ms</th>
            <th>p99 ms</th>
            <th>failed</th>
          </tr>
        </thead>
        <tbody>
          {result.points.map((p) => (
            <tr key={String(p.at[key])}>
              <td>{String(p.at[key])}</td>
              {(['throughputRps', 'p50Ms', 'p95Ms', 'p99Ms', 'failed'] as const).map((f) => (
                <td key={f}>{plusMinus(p.figures[f])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">
        mean ± half-width of the 95 % interval over {result.seeds.length} seed{result.seeds.length === 1 ? '' : 's'} ({result.seeds.join(', ')}), {result.simulatedSeconds} s simulated each
      </p>
    </div>
  );
}

function AbPanel() {
  const variant = useBench((s) => s.variant);
  const result = useBench((s) => s.ab);
  const running = useBench((s) => s.progress !== undefined);
  const name = useApp((s) => s.doc.name);
  const duration = useBench((s) => s.abDuration);
  const durationUs = parseDuration(duration);
  const saved = useApp((s) => s.savedText !== undefined);
  const choose = (how: () => void) => {
    try {
      how();
      benchStore.setState({ error: undefined });
    } catch (e) {
      benchStore.setState({ error: String((e as Error).message) });
    }
  };
  return (
    <section className="bench-ab">
      <div className="bench-form">
        <span>
          A: <b>the design being edited</b> ({name}) · B: {variant ? <b data-testid="ab-variant">{variant.label}</b> : <span className="muted">none yet: keep a copy, then change the design</span>}
        </span>
        <button type="button" data-testid="ab-keep" onClick={() => choose(keepAsB)} disabled={running}>
          Keep the current design as B
        </button>
        {saved && (
          <button type="button" data-testid="ab-saved" onClick={() => choose(savedAsB)} disabled={running} title="Compare the edits since with the file as it was opened or saved">
            B = the saved file
          </button>
        )}
        <label>
          Simulated time
          <input data-testid="ab-duration" value={duration} onChange={(e) => benchStore.setState({ abDuration: e.target.value })} size={6} />
        </label>
        <button type="button" className="primary" data-testid="ab-run" disabled={running || !variant || !durationUs} onClick={() => durationUs && void startAb(durationUs)}>
          Run A and B
        </button>
      </div>
      <p className="muted bench-note">Both run on A's seed, so any difference comes from the designs, not from chance. The same as <code>npm run compare</code>.</p>
      {result && (
        <div className="bench-figures" data-testid="ab-result">
          <p>
            Seed {result.seed}, {result.reports[0].simulatedSeconds} s each. {result.topology.length === 0 ? 'The designs are the same.' : 'What differs (A → B):'}
          </p>
          {result.topology.length > 0 && (
            <ul className="bench-diff" data-testid="ab-topology">
              {result.topology.map((l) => (
                <li key={l}>
                  <code>{l}</code>
                </li>
              ))}
            </ul>
          )}
          <DiffTable rows={result.key} testId="ab-table" />
          <AbCharts reports={result.reports} />
          <details>
            <summary>Every figure of the reports ({result.all.length})</summary>
            <DiffTable rows={result.all} />
          </details>
        </div>
      )}
    </section>
  );
}

/** A's and B's per-second throughput and latency on the same axes. */
function AbCharts({ reports }: { reports: [Report, Report] }) {
  const charts = useMemo(() => overlayCharts(reports[0], reports[1]), [reports]);
  return (
    <div className="bench-charts" data-testid="ab-charts">
      {charts.map((c) => (
        <img key={c.name} data-testid={`ab-chart-${c.name}`} src={svgUrl(svgChart(c.chart))} alt={`${c.chart.title}, A and B`} />
      ))}
    </div>
  );
}

const num = (v: number | undefined) => (v === undefined ? '' : String(Math.round(v * 1000) / 1000));
const signed = (v: number | undefined, unit = '') => (v === undefined ? '' : `${v > 0 ? '+' : ''}${v}${unit}`);

function DiffTable({ rows, testId }: { rows: FigureDiff[]; testId?: string }) {
  return (
    <table className="bench-table" data-testid={testId}>
      <thead>
        <tr>
          <th>figure</th>
          <th>A</th>
          <th>B</th>
          <th>B − A</th>
          <th>%</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((d) => (
          <tr key={d.figure}>
            <td>{d.figure}</td>
            <td>{num(d.a)}</td>
            <td>{num(d.b)}</td>
            <td>{signed(d.diff)}</td>
            <td>{signed(d.pct, '%')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
