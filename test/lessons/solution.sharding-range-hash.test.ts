/**
 * Replays the sharding-range-hash lesson headlessly on real PGlite, in one sim per step: each goal is unmet after 8 s of
 * its step's start (a shard map's figures hold from the first second) and met once the solution is applied.
 */
import { describe, it } from 'vitest';
import { lesson, replayStep } from './lessonFiles.ts';

const l = lesson('sharding-range-hash');

describe('lesson sharding-range-hash', () => {
  l.lesson.steps.forEach((step, i) => {
    it(`${step.id}: not met at the start, met after the solution`, async () => {
      await replayStep(l, i, 'start-then-solution', 8);
    });
  });
});
