/** Replays the caching lesson headlessly on real PGlite: each goal is unmet at its step's start and met after the solution. */
import { describe, it } from 'vitest';
import { lesson, replayStep } from './lessonFiles.ts';

const l = lesson('caching');

describe('lesson caching', () => {
  l.lesson.steps.forEach((step, i) => {
    it(`${step.id}: not met at the start, met after the solution`, async () => {
      await replayStep(l, i, 'start');
      await replayStep(l, i, 'solution');
    });
  });
});
