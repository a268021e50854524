/**
 * Mounts its children after the first screen has painted, one `Later` per task in the order they were
 * first rendered (issue 14: no long task over 50 ms). Mounting the whole window at once (React Flow, the
 * dock's charts, the inspector's forms) was one commit and one round of effects of several hundred
 * milliseconds on a slow machine; a transition slices React's render but never its commit. Until its turn a
 * `Later` shows `fallback` (an empty box that keeps the layout). Only the start is staged: once every
 * `Later` of the start has mounted (nested ones too), a `Later` shows its children at once.
 */
import { type ReactNode, startTransition, useEffect, useState } from 'react';
import { nextTask } from './nextTask.ts';

/** Resolves when the previous `Later` has mounted and the page has had a task of its own since. */
let turn: Promise<void> = Promise.resolve();
/** `Later`s of the start not mounted yet. */
let waiting = 0;
let started = false;

export function Later(props: { children: ReactNode; fallback?: ReactNode }) {
  const [now] = useState(() => started);
  const [mounted, setMounted] = useState<(() => void) | undefined>(undefined);
  useEffect(() => {
    if (now) return;
    let live = true;
    let finished = false;
    const previous = turn;
    let resolve!: () => void;
    turn = new Promise<void>((r) => {
      resolve = r;
    });
    waiting++;
    const done = () => {
      if (finished) return;
      finished = true;
      resolve();
      if (--waiting === 0) started = true;
    };
    void previous.then(nextTask).then(() => {
      if (live) startTransition(() => setMounted(() => done));
      else done();
    });
    return () => {
      live = false;
      done();
    };
  }, [now]);
  // the next one waits for this one's commit and effects (a nested one's effects run before these)
  useEffect(() => mounted?.(), [mounted]);
  return now || mounted ? props.children : (props.fallback ?? null);
}
