/**
 * The bench's own small store: whether the dialog is open, the sweep and A/B under way (progress, cancel)
 * and their results, and the design kept as B. The runs go to the bench worker (benchClient.ts); the
 * document's store is only read (the design being edited is A).
 */
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import { parseScenario, parseScenarioText, type Scenario, type SweepResult, type Vary } from '../../sim/index.ts';
import { appStore } from '../store/appStore.ts';
import { docToScenario } from '../store/doc.ts';
import { type AbResult, type HeadlessPort, runAb, runSweep } from './benchRuns.ts';
import { type BenchPort, benchWorker } from './benchClient.ts';

export interface BenchState {
  open: boolean;
  tab: 'sweep' | 'ab';
  /** What runs: done runs of total, and the run under way (0..1). */
  progress?: { what: 'sweep' | 'ab'; done: number; total: number; run: number };
  error?: string;
  sweep?: SweepResult;
  ab?: AbResult;
  /** The sweep's form as typed (kept while the dialog switches tabs or closes); none until first edited. */
  sweepForm?: SweepForm;
  abDuration: string;
  /** The design compared as B: a copy kept with "Keep as B", or the file as last opened or saved. */
  variant?: { label: string; scenario: Scenario };
}

export interface SweepForm {
  key: string;
  values: string;
  seeds: number;
  duration: string;
}

export const benchStore = createStore<BenchState>(() => ({ open: false, tab: 'sweep', abDuration: '10s' }));
export const useBench = <T>(selector: (s: BenchState) => T): T => useStore(benchStore, selector);

let abort: AbortController | undefined;

/** The document as a parsed scenario (defaults filled in), or the reason it cannot run. */
export function currentScenario(): Scenario {
  const r = parseScenario(docToScenario(appStore.getState().doc));
  if (!r.ok) throw new Error(`this design cannot run yet: ${r.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`);
  return r.scenario;
}

async function guarded(what: 'sweep' | 'ab', port: BenchPort, body: (p: HeadlessPort, signal: AbortSignal) => Promise<void>): Promise<void> {
  if (benchStore.getState().progress) return;
  abort = new AbortController();
  const signal = abort.signal;
  benchStore.setState({ error: undefined, progress: { what, done: 0, total: what === 'ab' ? 2 : 1, run: 0 } });
  const off = port.onRunProgress((run) => {
    const p = benchStore.getState().progress;
    if (p) benchStore.setState({ progress: { ...p, run } });
  });
  try {
    await body(port, signal);
  } catch (e) {
    benchStore.setState({ error: signal.aborted ? 'Cancelled.' : String((e as Error)?.message ?? e) });
  } finally {
    off();
    abort = undefined;
    benchStore.setState({ progress: undefined });
  }
}

export function startSweep(spec: { vary: Vary; seeds: number; durationUs: number }, port: BenchPort = benchWorker()): Promise<void> {
  return guarded('sweep', port, async (p, signal) => {
    const base = currentScenario();
    benchStore.setState({ sweep: undefined });
    await runSweep(base, spec, p, {
      progress: ({ done, total }) => benchStore.setState({ progress: { what: 'sweep', done, total, run: 0 } }),
      result: (sweep) => benchStore.setState({ sweep }),
    }, signal);
  });
}

export function startAb(durationUs: number, port: BenchPort = benchWorker()): Promise<void> {
  return guarded('ab', port, async (p, signal) => {
    const b = benchStore.getState().variant;
    if (!b) throw new Error('keep a design as B first');
    const a = currentScenario();
    benchStore.setState({ ab: undefined });
    let done = 0;
    const counting: HeadlessPort = {
      run: async (s) => {
        // a Cancel between A and B: B does not start (the worker's cancel only stops the run under way)
        if (signal.aborted) throw new Error('cancelled');
        const r = await p.run(s);
        benchStore.setState({ progress: { what: 'ab', done: ++done, total: 2, run: 0 } });
        return r;
      },
    };
    benchStore.setState({ ab: await runAb(a, b.scenario, durationUs, counting) });
  });
}

/** Stops the sweep or A/B under way: no further run starts, and the one running stops. */
export async function cancelBench(port: BenchPort = benchWorker()): Promise<void> {
  abort?.abort();
  await port.cancel();
}

/** Keeps the current design as B, so it can be changed and compared with this copy. */
export function keepAsB(): void {
  const scenario = currentScenario();
  benchStore.setState({ variant: { label: `the copy kept of ${scenario.name}`, scenario }, ab: undefined });
}

/** B is the file as it was last opened or saved: the baseline the edits since are compared with. */
export function savedAsB(): void {
  const { savedText, file } = appStore.getState();
  const r = savedText === undefined ? undefined : parseScenarioText(savedText);
  if (!r?.ok) throw new Error('there is no saved file to compare with');
  benchStore.setState({ variant: { label: `${file?.name ?? r.scenario.name} as saved`, scenario: r.scenario }, ab: undefined });
}
