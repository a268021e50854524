/** The student's progress file: export, import (refusing what is not one), merge. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { emptyProgress, loadProgress, mergeProgress, parseProgress, progressText, saveProgress } from '../../renderer/lessons/progress.ts';

const g = globalThis as { pgLab?: unknown; indexedDB?: unknown };

afterEach(() => {
  delete g.pgLab;
  delete g.indexedDB;
});

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

  it('is stored through the desktop bridge when window.pgLab exists, never in IndexedDB', async () => {
    const saved = emptyProgress();
    saved.lessons.monitoring = { done: ['connections'], current: 1 };
    const lessonProgress = vi.fn(async (p?: unknown) => p ?? saved);
    g.pgLab = { platform: 'electron', lessonProgress };
    const open = vi.fn(() => {
      throw new Error('IndexedDB used');
    });
    g.indexedDB = { open };
    expect(await loadProgress()).toEqual(saved);
    const next = mergeProgress(saved, { ...emptyProgress(), lessons: { 'read-replicas': { done: [], current: 0 } } });
    await saveProgress(next);
    expect(lessonProgress.mock.calls).toEqual([[], [next]]);
    expect(open).not.toHaveBeenCalled();
  });

  it('gives empty progress when the bridge answers something that is not progress', async () => {
    g.pgLab = { platform: 'electron', lessonProgress: async () => ({ nodes: [] }) };
    expect(await loadProgress()).toEqual(emptyProgress());
  });

  it('uses IndexedDB without the bridge', async () => {
    const open = vi.fn(() => {
      throw new Error('IndexedDB used');
    });
    g.indexedDB = { open };
    expect(await loadProgress()).toEqual(emptyProgress());
    expect(open).toHaveBeenCalled();
  });
});
