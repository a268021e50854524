/**
 * Replays the reshard lesson headlessly on real PGlite. Both steps start from the same two modulo shards, so
 * one sim shows both starts unmet, step 1 met after its modulo reshard, and step 2's goal still unmet after
 * it (modulo moves about two rows in three): only the virtual shards of step 2's solution meet it.
 */
import { describe, expect, it } from 'vitest';
import { allMet, GoalTracker, LessonSession } from '../../lessons/index.ts';
import { engines, lesson, replayStep } from './lessonFiles.ts';

const l = lesson('sharding-reshard');
const [modulo, virtual] = l.lesson.steps;

describe('lesson sharding-reshard', () => {
  it(`${modulo.id}: both steps' goals unmet at the start; a modulo reshard meets step 1's and moves too many rows for step 2's`, async () => {
    expect(l.stepStarts[1]).toEqual(l.stepStarts[0]);
    const session = LessonSession.forStep(engines, l, 0);
    const next = new GoalTracker(virtual.goal);
    try {
      await session.apply({ do: 'run', for: 8 });
      expect(session.evaluate().filter((r) => r.met)).toEqual([]);
      expect(next.update(session.context()).filter((r) => r.met)).toEqual([]);
      await session.applyAll(modulo.solution);
      expect(allMet(session.evaluate())).toBe(true);
      const { sharding } = session.context().report!;
      // 1000 users and their 5000 orders: a key stays only where h % 2 == h % 3
      expect(sharding!.rowsMoved).toBeGreaterThan(0.6 * 6000);
      expect(next.update(session.context())[0]).toMatchObject({ met: false, detail: `sharding.rowsMoved = ${sharding!.rowsMoved}` });
    } finally {
      await session.close();
    }
  });

  it(`${virtual.id}: met after the solution`, async () => {
    await replayStep(l, 1, 'solution');
  });
});
