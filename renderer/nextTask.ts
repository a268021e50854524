/**
 * Resolves in a later task of the page, so what follows runs after the browser has had a turn (input,
 * layout, paint). Work that would block the main thread for long is cut at these points (issue 14).
 * `scheduler.yield` where the browser has it (a continuation, ahead of other tasks), else a timer.
 */
export function nextTask(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
  return scheduler?.yield ? scheduler.yield() : new Promise((resolve) => setTimeout(resolve, 0));
}
