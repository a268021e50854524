/**
 * The share of a core a thread of this page gets now, measured: the browser's watchdog measure of an
 * engine's progress. A page cannot read a thread's CPU time (Node's process.cpuUsage has no browser
 * equivalent), so the watchdog cannot tell a runaway statement from a legitimate one that a loaded
 * machine slows down. This thread runs a short, fixed loop in small chunks: a chunk that ran without being
 * descheduled takes about the median chunk's time; whatever the window took beyond those chunks' own time,
 * the thread was waiting for a core (a time slice is a few ms, so most 0.25 ms chunks run whole even on a
 * loaded machine: their lower quartile is a chunk's own time). Under contention the operating system shares cores out fairly, so
 * the engine's thread gets about what this one gets.
 */

/** Wall time one measure takes, ms: long enough for several scheduler time slices (a few ms each). */
const WINDOW_MS = 40;
/** A chunk's least duration, ms: well above the browser's coarsened timer (100 us without isolation). */
const CHUNK_MS = 0.25;

let sink = 0;

/**
 * The share of a core from the times at which each chunk of equal work ended (`ends`, after `start`): the
 * lower quartile's chunk is one that ran undisturbed, so the chunks' own time is their count times it.
 */
export function shareFromChunkEnds(start: number, ends: readonly number[]): number {
  if (ends.length < 5) return 1;
  const durations = ends.map((t, i) => t - (i === 0 ? start : ends[i - 1])).sort((a, b) => a - b);
  const own = durations[durations.length >> 2];
  const elapsed = ends[ends.length - 1] - start;
  return elapsed > 0 ? Math.min(1, (ends.length * own) / elapsed) : 1;
}

function spin(iterations: number): void {
  let x = sink;
  for (let i = 0; i < iterations; i++) x = (x * 31 + i) | 0;
  sink = x;
}

/** Measures, for about 40 ms of this thread's time, the share of a core it gets (0..1]. */
export function shareOfCore(): number {
  let iterations = 1000;
  for (;;) {
    const t = performance.now();
    spin(iterations);
    if (performance.now() - t >= CHUNK_MS) break;
    iterations *= 2;
  }
  const start = performance.now();
  const ends: number[] = [];
  for (let t = start; t - start < WINDOW_MS; ) {
    spin(iterations);
    t = performance.now();
    ends.push(t);
  }
  return shareFromChunkEnds(start, ends);
}
