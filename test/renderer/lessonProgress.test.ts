/** The student's progress file: export, import (refusing what is not one), merge. */
import { describe, expect, it } from 'vitest';
import { emptyProgress, mergeProgress, parseProgress, progressText } from '../../renderer/lessons/progress.ts';

describe('lesson progress', () => {
  it('round-trips through its exported text', () => {
    const p = emptyProgress();
    p.lessons.monitoring = { done: ['connections'], current: 1 };
    expect(parseProgress(progressText(p))).toEqual({ ok: true, progress: p });
  });

  it('refuses a file that is not a progress file, with a message', () => {
    expect(parseProgress('{')).toMatchObject({ ok: false, message: expect.stringMatching(/^not a progress file/) });
    expect(parseProgress(JSON.stringify({ nodes: [] }))).toMatchObject({ ok: false });
    expect(parseProgress(JSON.stringify({ ...emptyProgress(), lessons: { x: { done: 'all', current: 0 } } }))).toMatchObject({ ok: false });
  });

  it('merges an import: a step done in either is done; the furthest step is kept', () => {
    const a = emptyProgress();
    a.lessons.monitoring = { done: ['connections'], current: 1 };
    const b = emptyProgress();
    b.lessons.monitoring = { done: ['long-running'], current: 2 };
    b.lessons['read-replicas'] = { done: [], current: 0 };
    const m = mergeProgress(a, b);
    expect(m.lessons.monitoring).toEqual({ done: ['connections', 'long-running'], current: 2 });
    expect(m.lessons['read-replicas']).toEqual({ done: [], current: 0 });
    expect(a.lessons.monitoring.done).toEqual(['connections']);
  });
});
