/**
 * Mounts its children after the first screen has painted, one `Later` per task in the order they were
 * first rendered (issue 14: no long task over 50 ms). Mounting the whole window at once (React Flow, the
 * dock's charts, the inspector's forms) was one commit and one round of effects of several hundred
 * milliseconds on a slow machine; a transition slices React's render but never its commit. Until its turn a
 * `Later` shows `fallback` (an empty box that keeps the layout).
 */
import { type ReactNode, startTransition, useEffect, useState } from 'react';
import { nextTask } from './nextTask.ts';

/** Resolves when the previous `Later` has mounted and the page has had a task of its own since. */
let turn: Promise<void> = Promise.resolve();

export function Later(props: { children: ReactNode; fallback?: ReactNode }) {
  const [mounted, setMounted] = useState<(() => void) | undefined>(undefined);
  useEffect(() => {
    let live = true;
    const previous = turn;
    let done!: () => void;
    turn = new Promise<void>((resolve) => {
      done = resolve;
    });
    void previous.then(nextTask).then(() => {
      if (live) startTransition(() => setMounted(() => done));
      else done();
    });
    return () => {
      live = false;
      done();
    };
  }, []);
  // the next one waits for this one's commit and effects
  useEffect(() => mounted?.(), [mounted]);
  return mounted ? props.children : (props.fallback ?? null);
}
