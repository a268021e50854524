/** The bench's per-thread CPU from /proc (sim/cli/threadTimes.ts): a child process is found, a busy thread's CPU counted. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { processTree, threadTimes, threadTimesBetween } from '../../sim/cli/threadTimes.ts';

describe.skipIf(!existsSync('/proc/self/schedstat'))('thread times from /proc', () => {
  it("finds a child process and counts this thread's CPU, not its sleep", async () => {
    const child = spawn('sleep', ['5']);
    try {
      await new Promise((r) => child.once('spawn', r));
      expect(processTree(process.pid)).toContain(child.pid);

      const before = threadTimes([process.pid]);
      let x = 0;
      const start = performance.now();
      while (performance.now() - start < 60) x += Math.sqrt(x + 1);
      await new Promise((r) => setTimeout(r, 60));
      // the test's thread (the main one or a worker's, as vitest runs it) is the busiest
      const [busiest] = threadTimesBetween(before, threadTimes([process.pid])).sort((a, b) => b.cpuMs + b.waitMs - (a.cpuMs + a.waitMs));
      // 60 ms of spinning and 60 of sleep: on a CPU or waiting for one for the spin, neither for the sleep
      expect(busiest.cpuMs + busiest.waitMs).toBeGreaterThanOrEqual(55);
      expect(busiest.cpuMs).toBeLessThan(110);
      expect(x).toBeGreaterThan(0);
    } finally {
      child.kill();
    }
  });
});
