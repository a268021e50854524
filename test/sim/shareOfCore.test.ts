/** The browser watchdog's measure (sim/engine/web/shareOfCore.ts): the share of a core this thread gets. */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { shareFromChunkEnds, shareOfCore } from '../../sim/engine/web/shareOfCore.ts';

describe('the share of a core', () => {
  it('is 1 when every chunk took its own time, and the chunks over the window when the thread was descheduled', () => {
    const even = Array.from({ length: 40 }, (_, i) => (i + 1) * 0.5);
    expect(shareFromChunkEnds(0, even)).toBe(1);
    // Every fourth chunk waited a 4.5 ms time slice for a core beyond its own 0.5 ms: 20 ms of work in 65 ms.
    let t = 0;
    const waited = Array.from({ length: 40 }, (_, i) => (t += i % 4 === 3 ? 5 : 0.5));
    expect(shareFromChunkEnds(0, waited)).toBeCloseTo(20 / 65, 5);
  });

  it('drops when more threads spin than the machine has cores', { timeout: 30_000 }, async () => {
    const busy = Array.from({ length: 3 * availableParallelism() }, () => new Worker('for (;;) {}', { eval: true }));
    try {
      await new Promise((r) => setTimeout(r, 200));
      const shares = [shareOfCore(), shareOfCore(), shareOfCore()].sort();
      expect(shares[1]).toBeLessThan(0.75);
    } finally {
      await Promise.all(busy.map((w) => w.terminate()));
    }
  });
});
