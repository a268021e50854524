/** Replays the range vs hash sharding lesson headlessly on real PGlite: each goal is unmet after 20 s of its step's start and met once the solution is applied in the same sim. */
import { describe, it } from 'vitest';
import { lesson, replayStep } from './lessonFiles.ts';

const l = lesson('sharding-range-hash');

describe('lesson sharding-range-hash', () => {
  l.lesson.steps.forEach((step, i) => {
    it(`${step.id}: not met at the start, met after the solution`, async () => {
      await replayStep(l, i, 'start-then-solution');
    });
  });
});
