/** Helpers of the lesson tests: the lesson files from disk, and one step replayed headlessly. */
import { readdirSync, readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { allMet, type CheckResult, type LoadedLesson, LessonSession, loadLessons } from '../../lessons/index.ts';
import { nodeEngineFactory } from '../../sim/engine/node/platform.ts';

export const engines = nodeEngineFactory({ kind: 'in-process' });

/** lessons/*.json and lessons/scenarios/*.json, as path -> text. */
export function lessonFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const f of readdirSync('lessons')) if (f.endsWith('.json')) files[`lessons/${f}`] = readFileSync(`lessons/${f}`, 'utf8');
  for (const f of readdirSync('lessons/scenarios')) if (f.endsWith('.json')) files[`lessons/scenarios/${f}`] = readFileSync(`lessons/scenarios/${f}`, 'utf8');
  return files;
}

export function lesson(id: string): LoadedLesson {
  const { lessons, errors } = loadLessons(lessonFiles());
  expect(errors).toEqual([]);
  const l = lessons.find((x) => x.lesson.id === id);
  if (!l) throw new Error(`no lesson ${id}`);
  return l;
}

/**
 * Simulated seconds the start state runs before its checks are read: long enough for caches to warm up and
 * pools to settle, so a figure that drifts to its target by itself shows here and not in a classroom.
 */
const WARM_UP = 20;

const show = (r: CheckResult[]) => r.map((c) => `${c.met ? 'met' : 'NOT met'}: ${c.label} (${c.detail})`).join('\n');

/**
 * Replays step `index`: the start state, its demonstration, then either the solution (every check must
 * be met after it) or, for the start state, a run of WARM_UP seconds: the student pressed Run and did
 * nothing else (no check may be met but a `guard`, which only says the change must not break something).
 * `start-then-solution` does both in one sim, as a student who watched the start for `warmUp` seconds and
 * then made the change (one boot instead of two: for lessons whose sims are costly to load).
 */
export async function replayStep(
  l: LoadedLesson,
  index: number,
  mode: 'solution' | 'start' | 'start-then-solution',
  /** Seconds of the start state; shorter only for figures that hold from the first second (a shard map's skew or scatters, no cache or pool to settle). */
  warmUp = WARM_UP,
): Promise<CheckResult[]> {
  const step = l.lesson.steps[index];
  const session = LessonSession.forStep(engines, l, index);
  try {
    await session.applyAll(step.demonstration);
    let results: CheckResult[] = [];
    if (mode !== 'solution') {
      await session.applyAll([{ do: 'run', for: warmUp }]);
      results = session.evaluate();
      const wrong = results.filter((r, i) => r.met && !step.goal[i].guard);
      expect(wrong, `${l.lesson.id}/${step.id} after ${warmUp} s of its start, no check but a guard may be met:\n${show(results)}`).toEqual([]);
    }
    if (mode !== 'start') {
      await session.applyAll(step.solution);
      results = session.evaluate();
      expect(allMet(results), `${l.lesson.id}/${step.id} after its solution:\n${show(results)}`).toBe(true);
    }
    return results;
  } finally {
    await session.close();
  }
}
