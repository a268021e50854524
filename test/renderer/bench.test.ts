/**
 * The app's bench: the sweep and A/B orchestration on a fake port (which scenarios run, in what order,
 * the curve filling in, cancel), and the sim host's headless runs on the stand-in engine (a report per run,
 * the same one for the same seed, cancel).
 */
import { describe, expect, it } from 'vitest';
import { runAb, runSweep } from '../../renderer/bench/benchRuns.ts';
import { parseValues, settingChoices, suggestValues } from '../../renderer/bench/settingChoices.ts';
import { docFromFile } from '../../renderer/store/doc.ts';
import { createSimHost } from '../../renderer/sim/simHost.ts';
import single from '../../lessons/scenarios/single-primary.json';
import { standInEngineFactory } from '../../sim/engine/StandInEngine.ts';
import { parseScenario, type Report, type Scenario, type SweepResult } from '../../sim/index.ts';

const base = (() => {
  const r = parseScenario(single);
  if (!r.ok) throw new Error('single-primary does not parse');
  return r.scenario;
})();

/** A port answering a made-up report: throughput = clients x 10 + seed, so every figure is traceable. */
function fakePort() {
  const ran: Scenario[] = [];
  return {
    ran,
    run: async (s: Scenario) => {
      ran.push(s);
      const tp = (s.workload.clients ?? 0) * 10 + s.run.seed;
      return { throughputRps: tp, failed: 0, completed: tp, simulatedSeconds: 2, latencyMs: { p50: 1, p95: tp / 100, p99: 3, max: 4, mean: 1 }, nodes: {} } as unknown as Report;
    },
  };
}

describe('sweep and A/B orchestration', () => {
  it('runs every value on consecutive seeds with the duration set, and the curve fills in value by value', async () => {
    const port = fakePort();
    const partial: SweepResult[] = [];
    const progress: string[] = [];
    const r = await runSweep(base, { vary: { key: 'workload.clients', values: [10, 20] }, seeds: 2, durationUs: 2e6 }, port, {
      result: (x) => partial.push(x),
      progress: (p) => progress.push(`${p.done}/${p.total}`),
    });
    expect(port.ran.map((s) => [s.workload.clients, s.run.seed, s.run.duration])).toEqual([[10, 1, '2000ms'], [10, 2, '2000ms'], [20, 1, '2000ms'], [20, 2, '2000ms']]);
    expect(progress).toEqual(['0/4', '1/4', '2/4', '3/4', '4/4']);
    expect(partial.map((p) => p.points.length)).toEqual([1, 2]);
    expect(r.points.map((p) => p.figures.throughputRps.mean)).toEqual([101.5, 201.5]);
    // two seeds 1 apart: sd 0.707, t(0.975, 1) = 12.706, half-width 12.706 x 0.707 / sqrt 2 = 6.353
    expect(r.points[0].figures.throughputRps.hi - 101.5).toBeCloseTo(6.353, 3);
  });

  it('refuses a value the schema refuses before any run, and stops between runs when aborted', async () => {
    const port = fakePort();
    await expect(runSweep(base, { vary: { key: 'primary.max_connections', values: [10, -5] }, seeds: 1, durationUs: 1e6 }, port)).rejects.toThrow(/max_connections=-5/);
    expect(port.ran).toHaveLength(0);
    const abort = new AbortController();
    const stopping = {
      run: (s: Scenario) => {
        abort.abort();
        return port.run(s);
      },
    };
    await expect(runSweep(base, { vary: { key: 'workload.clients', values: [1, 2] }, seeds: 2, durationUs: 1e6 }, stopping, {}, abort.signal)).rejects.toThrow('cancelled');
    expect(port.ran).toHaveLength(1);
  });

  it("A/B runs both on A's seed and lists the key figures with B - A, and what differs", async () => {
    const port = fakePort();
    const b = { ...structuredClone(base), workload: { ...base.workload, clients: 80 }, run: { ...base.run, seed: 9 } };
    const r = await runAb(base, b, 3e6, port);
    expect(port.ran.map((s) => [s.run.seed, s.run.duration])).toEqual([[1, '3000ms'], [1, '3000ms']]);
    expect(r.key.find((d) => d.figure === 'throughputRps')).toEqual({ figure: 'throughputRps', a: 401, b: 801, diff: 400, pct: 99.751 });
    expect(r.key.map((d) => d.figure)).toContain('latencyMs.p95');
    expect(r.topology).toContain('~ workload.clients: 40 -> 80');
  });
});

describe('what a sweep can vary', () => {
  it("every scalar setting of the workload and of each node, named as --vary names it, with the document's value", () => {
    const choices = settingChoices(docFromFile(structuredClone(single)));
    const keys = choices.map((c) => c.key);
    expect(keys).toContain('workload.clients');
    expect(keys).toContain('workload.arrival_rate');
    expect(keys).toContain('primary.max_connections');
    // sizes and times, the vertical-scaling settings a sweep is for
    expect(keys).toContain('primary.shared_buffers');
    expect(keys).toContain('primary.work_mem');
    expect(keys).toContain('workload.think_time');
    expect(choices.find((c) => c.key === 'primary.shared_buffers')?.current).toBe('4GB');
    expect(keys.filter((k) => k.startsWith('workload.')).some((k) => /operations|data$/.test(k))).toBe(false);
    const clients = choices.find((c) => c.key === 'workload.clients');
    expect(clients?.current).toBe(40);
    expect(suggestValues(clients)).toBe('40, 80');
    expect(suggestValues(choices.find((c) => c.key === 'workload.mode'))).toBe('closed, open');
    expect(parseValues(' 10, 20 ,, transaction ')).toEqual([10, 20, 'transaction']);
  });
});

describe('headless runs in the sim host', () => {
  const host = createSimHost({ engines: standInEngineFactory(), post: () => undefined });
  const short = { ...single, workload: { ...single.workload, clients: 5 }, run: { seed: 3, duration: '1s' } };

  it('a run to its duration answers its report, the same for the same seed', async () => {
    const a = await host.handle({ do: 'headless', scenario: short });
    const b = await host.handle({ do: 'headless', scenario: short });
    expect(a.simulatedSeconds).toBe(1);
    expect(a.completed).toBeGreaterThan(0);
    expect({ ...b, wallSeconds: 0 }).toEqual({ ...a, wallSeconds: 0 });
  });

  it('cancel stops the run under way', async () => {
    const long = { ...short, run: { seed: 3, duration: '1h' } };
    const running = host.handle({ do: 'headless', scenario: long });
    const failed = expect(running).rejects.toThrow('cancelled');
    await new Promise((r) => setTimeout(r, 300));
    await host.handle({ do: 'cancelHeadless' });
    await failed;
  });
});

describe('the bench store', () => {
  it('B is a copy kept or the file as saved; the A/B then runs the design being edited against it, with progress', async () => {
    const { appStore } = await import('../../renderer/store/appStore.ts');
    const { benchStore, keepAsB, savedAsB, startAb } = await import('../../renderer/bench/benchStore.ts');
    const { docText } = await import('../../renderer/store/doc.ts');
    const s = appStore.getState();
    s.replaceDoc(docFromFile(structuredClone(single)));
    expect(() => savedAsB()).toThrow(/no saved file/);
    s.setFile({ name: 'single.json' }, docText(appStore.getState().doc));
    keepAsB();
    expect(benchStore.getState().variant?.label).toBe('the copy kept of Single primary');
    savedAsB();
    expect(benchStore.getState().variant?.label).toBe('single.json as saved');
    s.replaceDoc(docFromFile({ ...structuredClone(single), workload: { ...single.workload, clients: 8 } }));
    const port = fakePort();
    const seen: number[] = [];
    const off = benchStore.subscribe((b) => b.progress && seen.push(b.progress.done));
    await startAb(1e6, { ...port, cancel: async () => undefined, onRunProgress: () => () => undefined });
    off();
    expect(port.ran.map((x) => x.workload.clients)).toEqual([8, 40]);
    expect(seen).toContain(1);
    expect(benchStore.getState().progress).toBeUndefined();
    expect(benchStore.getState().ab?.topology).toEqual(['~ workload.clients: 8 -> 40']);

    // a Cancel while A runs: B never starts, and the dialog says so
    const { cancelBench } = await import('../../renderer/bench/benchStore.ts');
    const cancelling = fakePort();
    const quiet = { cancel: async () => undefined, onRunProgress: () => () => undefined };
    const port2 = {
      ...quiet,
      run: async (x: Scenario) => {
        await cancelBench({ ...quiet, run: cancelling.run });
        return cancelling.run(x);
      },
    };
    await startAb(1e6, port2);
    expect(cancelling.ran).toHaveLength(1);
    expect(benchStore.getState().error).toBe('Cancelled.');
  });
});
