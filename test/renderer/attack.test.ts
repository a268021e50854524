/**
 * A hostile user's pass on the sim host's paused and finished states (renderer/sim/simHost.ts) and the store's
 * commands around a run's end (renderer/store/runSlice.ts): the app's own chain, store → SimClient → sim host →
 * Simulation → real PGlite in this thread. Each defect it found failed its test here before its fix; the others
 * guard what held.
 */
import { describe, expect, it } from 'vitest';
import single from '../../lessons/scenarios/single-primary.json';
import type { WorkerMessage } from '../../renderer/sim/protocol.ts';
import { createSimHost } from '../../renderer/sim/simHost.ts';
import { docFromFile } from '../../renderer/store/doc.ts';
import { app, engines } from './appHarness.ts';

/** single-primary, small, lasting `duration`. */
const scenario = (duration: string) => ({
  ...structuredClone(single),
  workload: { ...single.workload, clients: 4, data: { users: 300, orders_per_user: 1 } },
  run: { seed: 1, duration },
});
type Snapshot = Extract<WorkerMessage, { type: 'snapshot' }>;

/** A sim host and what it posted; closed by the caller (`reset`). */
function host() {
  const posted: WorkerMessage[] = [];
  const h = createSimHost({ engines, post: (m) => posted.push(m) });
  const last = () => posted.filter((m): m is Snapshot => m.type === 'snapshot').at(-1)!;
  const primary = () => last().snapshot.nodes.find((n) => n.id === 'primary')!.status;
  return { h, posted, last, primary };
}

describe('the sim host at a run end', () => {
  // DEFECT (fixed): Step pressed again before the last step's stretch has run is lost: Runner.apply's step
  // reads sim.now when the command comes, not when its stretch starts, so steps that
  // wait for the one under way aim at the same moment and run nothing (three presses: 0.1 s, not 0.3 s).
  it('three Steps pressed in quick succession advance three steps', { timeout: 120_000 }, async () => {
    const { h, last } = host();
    try {
      await h.handle({ do: 'load', scenario: scenario('10s') });
      await Promise.all([h.handle({ do: 'step', us: 100_000 }), h.handle({ do: 'step', us: 100_000 }), h.handle({ do: 'step', us: 100_000 })]);
      expect(last().snapshot.time).toBeCloseTo(0.3, 5);
    } finally {
      await h.handle({ do: 'reset' });
    }
  });

  // DEFECT (fixed): a fork at the run's end (the scrubber at its last moment, then Fork) is a run paused at run.duration
  // whose Runner is 'ready', not 'finished' (simHost.ts fork: `pacer(replay, old.untilUs)`, status 'paused'):
  // a fault goes through (a stop's start never ends), and Continue does nothing the first time (the host's
  // continue answers only a 'finished' runner; the store's Run then finishes it at once).
  it('a run forked at its end: a fault is refused as on the finished run, and Continue takes it on', { timeout: 120_000 }, async () => {
    const { h, last, primary } = host();
    try {
      await h.handle({ do: 'load', scenario: scenario('300ms') });
      for (let i = 0; i < 3; i++) await h.handle({ do: 'step', us: 100_000 });
      expect(last().status).toBe('finished');
      await h.handle({ do: 'fork', at: 0.3e6 });
      expect(last().snapshot.time).toBeCloseTo(0.3, 5);
      const stop = await h.handle({ do: 'fault', fault: { kind: 'stop', node: 'primary' } }).then(
        () => 'applied',
        (e: Error) => e.message,
      );
      if (stop === 'applied') await h.handle({ do: 'fault', fault: { kind: 'start', node: 'primary' } });
      await h.handle({ do: 'continue' });
      await h.handle({ do: 'step', us: 100_000 });
      expect(last().snapshot.time, 'Continue took the run on').toBeCloseTo(0.4, 5);
      expect(stop).toMatch(/the run has finished/);
      expect(primary()).toBe('up');
    } finally {
      await h.handle({ do: 'reset' });
    }
  });

  it('finished by steps: a fault is refused with the Continue message and changes nothing; after Continue it acts and ends', { timeout: 120_000 }, async () => {
    const { h, posted, last, primary } = host();
    try {
      await h.handle({ do: 'load', scenario: scenario('1s') });
      // a step past the end stops at the end
      await h.handle({ do: 'step', us: 700_000 });
      await h.handle({ do: 'step', us: 700_000 });
      expect(last().snapshot.time).toBeCloseTo(1, 5);
      expect(last().status).toBe('finished');
      await expect(h.handle({ do: 'fault', fault: { kind: 'stop', node: 'primary' } })).rejects.toThrow(/the run has finished at its run.duration \(1 s\).*until the run goes on/);
      await expect(h.handle({ do: 'reshard', shards: ['primary'] })).rejects.toThrow(/the run has finished/);
      // step and run at the end do nothing, and hang nothing
      await h.handle({ do: 'step', us: 100_000 });
      await h.handle({ do: 'run' });
      expect(last().snapshot.time).toBeCloseTo(1, 5);
      expect(primary()).toBe('up');
      // Continue pressed twice: the second finds a run that is not finished and does nothing
      await h.handle({ do: 'continue' });
      await h.handle({ do: 'continue' });
      await h.handle({ do: 'fault', fault: { kind: 'stop', node: 'primary' } });
      await h.handle({ do: 'fault', fault: { kind: 'start', node: 'primary' } });
      await h.handle({ do: 'step', us: 1_500_000 });
      expect(last().snapshot.time).toBeCloseTo(2, 5);
      expect(last().status).toBe('finished');
      expect(primary()).toBe('up');
      expect(posted.flatMap((m) => (m.type === 'snapshot' ? m.events : [])).filter((e) => e.type === 'run-finished')).toHaveLength(2);
      // the continued run's end refuses as the first did, with its own end
      await expect(h.handle({ do: 'fault', fault: { kind: 'kill', node: 'primary' } })).rejects.toThrow(/the run has finished at its run.duration \(2 s\)/);
    } finally {
      await h.handle({ do: 'reset' });
    }
  });

  it('a Reset pressed while a step runs: the step answers, nothing hangs, and the host is idle', { timeout: 120_000 }, async () => {
    const { h, posted } = host();
    await h.handle({ do: 'load', scenario: scenario('10s') });
    const step = h.handle({ do: 'step', us: 1_000_000 });
    const reset = h.handle({ do: 'reset' });
    await expect(step).resolves.toBeNull();
    await reset;
    expect(posted.filter((m) => m.type === 'state').at(-1)).toMatchObject({ status: 'idle' });
    await expect(h.handle({ do: 'step', us: 100_000 })).rejects.toThrow(/no scenario is loaded: press Run first/);
    await expect(h.handle({ do: 'fork', at: 0 })).rejects.toThrow(/no scenario is loaded/);
  });
});

/** The app's store with single-primary loaded and stepped to its end (0.3 s). */
async function finishedApp() {
  const store = app();
  const s = () => store.getState();
  store.setState({ doc: docFromFile(scenario('300ms')) });
  await s().ensureLoaded();
  for (let i = 0; i < 3; i++) await s().step();
  expect(s().status).toBe('finished');
  return s;
}

describe('the speed chosen before the first Run', () => {
  // DEFECT (fixed): the store told the sim host a speed only once it had subscribed to it (after a first load),
  // and the load's state messages carried the host's speed (1), which the store took: max chosen before the
  // first Run ran at 1x (the browser bench measured exactly 1.0 simulated s per wall s on an idle machine).
  it('max chosen before the first Run is the speed it runs at', { timeout: 120_000 }, async () => {
    const store = app();
    const s = () => store.getState();
    store.setState({ doc: docFromFile(scenario('10s')) });
    await s().setSpeed('max');
    await s().run();
    // the host says its speed in every state message (the load's too): max, not the 1 it started with
    expect(s().speed).toBe('max');
    await s().pause();
    expect(s().speed).toBe('max');
    await s().resetRun();
  });
});

describe('the store at a run end', () => {
  // DEFECT (fixed): a setting that restarts the node (cores, ram, shared_buffers, instance) given on a finished run
  // applies, and its restart acts over virtual time that never comes: the canvas shows the primary
  // 'restarting' for good and its console answers "the database system is starting up". The store's
  // applySettingLive sent it, and the runner refused only faults and reshards.
  it('a resize on a finished run leaves the node usable', { timeout: 120_000 }, async () => {
    const s = await finishedApp();
    try {
      await s().applySettingLive('primary', 'cores', 8);
      await s().runSql('primary', 'SELECT 1');
      expect(s().consoleResult?.error).toBeUndefined();
      expect(s().snapshot?.nodes.find((n) => n.id === 'primary')?.status).toBe('up');
    } finally {
      await s().resetRun();
    }
  });

  it('finished: a fault is refused in the store without reaching the sim; Continue then lets it through', { timeout: 120_000 }, async () => {
    const s = await finishedApp();
    try {
      expect(await s().fault({ kind: 'stop', node: 'primary' })).toBe(false);
      expect(s().notice?.text).toMatch(/Press Continue/);
      expect(s().snapshot?.nodes.find((n) => n.id === 'primary')?.status).toBe('up');
      await s().continueRun();
      await s().pause();
      expect(['paused', 'running']).toContain(s().status);
      expect(await s().fault({ kind: 'stop', node: 'primary' })).toBe(true);
    } finally {
      await s().resetRun();
    }
  });
});
