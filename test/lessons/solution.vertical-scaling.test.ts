/** Replays the vertical-scaling lesson headlessly on real PGlite: each goal is unmet at its step's start and met after the solution. */
import { describe, it } from 'vitest';
import { lesson, replayStep } from './lessonFiles.ts';

const l = lesson('vertical-scaling');

describe('lesson vertical-scaling', () => {
  l.lesson.steps.forEach((step, i) => {
    it(`${step.id}: not met at the start, met after the solution`, async () => {
      await replayStep(l, i, 'start');
      await replayStep(l, i, 'solution');
    }, 600_000); // the data set (200,000 real rows) loads once; each step runs a minute of simulated time
  });
});
