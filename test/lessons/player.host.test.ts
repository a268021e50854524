/**
 * The player's path without a browser: a lesson step loaded into the app's sim host (the sim worker's
 * body) on real PGlite, driven as the app drives it, and its goal checked from the host's `report`
 * command and snapshots with the same GoalTracker the player uses.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { allMet, GoalTracker, type LoadedLesson } from '../../lessons/index.ts';
import type { WorkerMessage, WorkerResult } from '../../renderer/sim/protocol.ts';
import { createSimHost } from '../../renderer/sim/simHost.ts';
import { engines, lesson } from './lessonFiles.ts';

const messages: WorkerMessage[] = [];
const host = createSimHost({ engines, post: (m) => messages.push(m) });

afterAll(async () => {
  await host.handle({ do: 'reset' });
});

/** Steps the host by `seconds` of virtual time, checking the goal after each second, as the player does. */
async function runChecking(l: LoadedLesson, tracker: GoalTracker, seconds: number) {
  let results = tracker.update(await context(l));
  for (let i = 0; i < seconds; i++) {
    for (let k = 0; k < 5; k++) await host.handle({ do: 'step', us: 200_000 });
    results = tracker.update(await context(l));
  }
  return results;
}

async function context(l: LoadedLesson) {
  const { report, console } = (await host.handle({ do: 'report' })) as WorkerResult<{ do: 'report' }>;
  const snapshot = messages.filter((m) => m.type === 'snapshot').at(-1)?.snapshot;
  return { scenario: l.stepStarts[0], report, snapshot, console, now: report.simulatedSeconds, since: 0 };
}

describe('lesson goals through the app sim host', () => {
  it('monitoring, step 1: the console statement sent to the host meets the console goal', async () => {
    const l = lesson('monitoring');
    await host.handle({ do: 'load', scenario: l.stepStarts[0] });
    const tracker = new GoalTracker(l.lesson.steps[0].goal);
    expect(allMet(await runChecking(l, tracker, 1))).toBe(false);
    const r = await host.handle({ do: 'runSql', node: 'primary', sql: 'SELECT count(*), state FROM pg_stat_activity GROUP BY state;' });
    expect((r as { rowCount: number }).rowCount).toBeGreaterThan(0);
    const results = tracker.update(await context(l));
    expect(results[0]).toMatchObject({ met: true });
    expect(results[0].why).toMatch(/pool_size 10/);
  }, 120_000);

  it('connection pooling, step 3: pool_mode changed live on the running host clears cl_waiting', async () => {
    const l = lesson('connection-pooling');
    const start = l.stepStarts[2];
    await host.handle({ do: 'load', scenario: start });
    const tracker = new GoalTracker(l.lesson.steps[2].goal);
    const ctx = async () => ({ ...(await context(l)), scenario: start });
    for (let k = 0; k < 15; k++) await host.handle({ do: 'step', us: 200_000 });
    const before = tracker.update(await ctx());
    expect(before[0].met).toBe(false);
    expect(before[0].detail).toMatch(/cl_waiting = [1-9]/);
    const outcome = await host.handle({ do: 'setNodeSetting', node: 'pgbouncer', name: 'pool_mode', value: 'transaction' });
    expect(outcome).toMatchObject({ outcome: 'applied' });
    let after = before;
    for (let i = 0; i < 5 && !allMet(after); i++) {
      for (let k = 0; k < 5; k++) await host.handle({ do: 'step', us: 200_000 });
      after = tracker.update(await ctx());
    }
    expect(after.map((r) => r.met)).toEqual([true, true]);
  }, 120_000);
});
