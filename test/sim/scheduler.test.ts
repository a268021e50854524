/**
 * Invariants of the sim's core pieces: the virtual-time scheduler, the seeded random streams, the
 * latency histogram, processor sharing of a node's cores, and PostgreSQL's units.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ScheduledEvent } from '../../sim/core/Scheduler.ts';
import { Histogram } from '../../sim/metrics/Histogram.ts';
import { Cpu } from '../../sim/nodes/postgres/Cpu.ts';
import { parseDuration, parseMemory, parseTime, Rng, Scheduler } from '../../sim/index.ts';

// ---------------------------------------------------------------------------------------------------
// Scheduler

interface EventSpec {
  delay: number;
  async: boolean;
  /** When set, the handler cancels the event with this index (mod the number scheduled so far). */
  cancel: number | null;
  children: EventSpec[];
}

function eventSpec(depth: number): fc.Arbitrary<EventSpec> {
  return fc.record({
    delay: fc.integer({ min: 0, max: 30 }),
    async: fc.boolean(),
    cancel: fc.option(fc.nat(1000), { nil: null, freq: 3 }),
    children: depth === 0 ? fc.constant([]) : fc.array(eventSpec(depth - 1), { maxLength: 2 }),
  });
}

const rootSpec = fc.record({ time: fc.integer({ min: 0, max: 100 }), cancelAtOnce: fc.boolean(), spec: eventSpec(3) });

interface Rec {
  ev: ScheduledEvent;
  ran: number;
  ranAt: number;
  cancelledBeforeRun: boolean;
}

/** Schedules a random tree of events: handlers schedule children and cancel other events. */
function build(roots: { time: number; cancelAtOnce: boolean; spec: EventSpec }[]) {
  const s = new Scheduler();
  const all: Rec[] = [];
  const order: Rec[] = [];
  const cancel = (target: Rec) => {
    if (target.ran === 0) target.cancelledBeforeRun = true;
    s.cancel(target.ev);
  };
  const schedule = (spec: EventSpec, time: number | undefined) => {
    const rec: Rec = { ev: undefined as never, ran: 0, ranAt: -1, cancelledBeforeRun: false };
    const body = () => {
      rec.ran++;
      rec.ranAt = s.now;
      order.push(rec);
      for (const child of spec.children) schedule(child, undefined);
      if (spec.cancel !== null) cancel(all[spec.cancel % all.length]);
    };
    const handler = spec.async
      ? async () => {
          await Promise.resolve();
          body();
        }
      : body;
    rec.ev = time === undefined ? s.after(spec.delay, handler) : s.at(time, handler);
    all.push(rec);
    return rec;
  };
  for (const r of roots) {
    const rec = schedule(r.spec, r.time);
    if (r.cancelAtOnce) cancel(rec);
  }
  return { s, all, order };
}

function checkAfterRunUntil(all: Rec[], order: Rec[], until: number): void {
  for (let i = 1; i < order.length; i++) {
    const a = order[i - 1].ev;
    const b = order[i].ev;
    expect(a.time < b.time || (a.time === b.time && a.seq < b.seq), `event ${b.seq}@${b.time} ran after ${a.seq}@${a.time}`).toBe(true);
  }
  for (const r of all) {
    expect(r.ran).toBeLessThanOrEqual(1);
    if (r.ran === 1) expect(r.ranAt).toBe(r.ev.time);
    if (r.cancelledBeforeRun) expect(r.ran).toBe(0);
    else if (r.ev.time <= until) expect(r.ran).toBe(1);
    if (r.ev.time > until) expect(r.ran).toBe(0);
  }
}

describe('Scheduler', () => {
  it('refuses runUntil(NaN), which would never end', async () => {
    const s = new Scheduler();
    s.at(10, () => undefined);
    await expect(s.runUntil(Number.NaN)).rejects.toThrow(/NaN/);
    expect(s.now).toBe(0);
  });

  it('runs events in (time, seq) order, never a cancelled one, and runUntil(t) runs exactly those at <= t', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(rootSpec, { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 0, max: 150 }),
        fc.integer({ min: 0, max: 150 }),
        async (roots, until, more) => {
          const { s, all, order } = build(roots);
          await s.runUntil(until);
          expect(s.now).toBe(until);
          expect(s.executed).toBe(order.length);
          checkAfterRunUntil(all, order, until);

          await s.runUntil(until + more);
          expect(s.now).toBe(until + more);
          expect(s.executed).toBe(order.length);
          checkAfterRunUntil(all, order, until + more);

          // Drain: every event not cancelled before its time has run, once.
          while (await s.step());
          expect(s.pending).toBe(0);
          expect(s.peekTime()).toBe(Number.POSITIVE_INFINITY);
          checkAfterRunUntil(all, order, Number.POSITIVE_INFINITY);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('runs same-time events in the order they were scheduled', async () => {
    const s = new Scheduler();
    const seen: string[] = [];
    s.at(5, () => {
      seen.push('a');
      s.after(0, () => {
        seen.push('a-child');
      });
    });
    s.at(5, () => {
      seen.push('b');
    });
    s.at(3, () => {
      seen.push('first');
    });
    await s.runUntil(5);
    expect(seen).toEqual(['first', 'a', 'b', 'a-child']);
  });

  it('awaits an async handler before running the next event', async () => {
    const s = new Scheduler();
    const seen: string[] = [];
    s.at(1, async () => {
      await new Promise((r) => setTimeout(r, 5));
      seen.push('slow');
    });
    s.at(1, () => {
      seen.push('fast');
    });
    await s.runUntil(1);
    expect(seen).toEqual(['slow', 'fast']);
  });

  it('throws on an event in the past or at a time that is not finite', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 1, max: 1e9 }), async (now, back) => {
        const s = new Scheduler();
        await s.runUntil(now);
        expect(() => s.at(now - back, () => {})).toThrow(/before now/);
        expect(() => s.at(now - 1e-9 * now, () => {})).toThrow();
        expect(s.pending).toBe(0);
        expect(() => s.at(now, () => {})).not.toThrow();
        expect(s.pending).toBe(1);
      }),
      { numRuns: 200 },
    );
    const s = new Scheduler();
    expect(() => s.at(Number.NaN, () => {})).toThrow();
    expect(() => s.at(Number.POSITIVE_INFINITY, () => {})).toThrow();
    expect(() => s.after(Number.NaN, () => {})).toThrow();
    expect(s.pending).toBe(0);
  });

  it('after() with a negative delay runs now, not in the past', async () => {
    const s = new Scheduler();
    await s.runUntil(100);
    const ev = s.after(-50, () => {});
    expect(ev.time).toBe(100);
  });

  it('peekTime skips cancelled events; a cancelled event does not move the clock', async () => {
    const s = new Scheduler();
    const a = s.at(10, () => {});
    s.at(20, () => {});
    s.cancel(a);
    s.cancel(undefined);
    expect(s.peekTime()).toBe(20);
    expect(await s.step()).toBe(true);
    expect(s.now).toBe(20);
    expect(s.executed).toBe(1);
    expect(await s.step()).toBe(false);
  });

  it('runUntil stops early when asked, leaving the clock at the last event', async () => {
    const s = new Scheduler();
    let n = 0;
    for (let t = 1; t <= 10; t++) {
      s.at(t, () => {
        n++;
      });
    }
    await s.runUntil(100, () => n >= 3);
    expect(n).toBe(3);
    expect(s.now).toBe(3);
    expect(s.peekTime()).toBe(4);
  });
});

// ---------------------------------------------------------------------------------------------------
// Rng

const draws = (r: Rng, n: number) => Array.from({ length: n }, () => r.next());

describe('Rng', () => {
  it('gives the same sequence for the same seed and name', () => {
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 32 - 1 }), fc.string({ maxLength: 20 }), (seed, name) => {
        expect(draws(new Rng(seed, name), 50)).toEqual(draws(new Rng(seed, name), 50));
      }),
      { numRuns: 300 },
    );
  });

  it('gives different streams for different names, and for different seeds', () => {
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 32 - 1 }), fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }), (seed, a, b) => {
        fc.pre(a !== b);
        expect(draws(new Rng(seed, a), 4)).not.toEqual(draws(new Rng(seed, b), 4));
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 32 - 1 }), fc.nat({ max: 2 ** 32 - 1 }), fc.string({ maxLength: 20 }), (s1, s2, name) => {
        fc.pre(s1 !== s2);
        expect(draws(new Rng(s1, name), 4)).not.toEqual(draws(new Rng(s2, name), 4));
      }),
      { numRuns: 500 },
    );
  });

  it('next() is in [0, 1) and int(min, max) within its bounds, both ends reachable', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: -1e6, max: 1e6 }), fc.integer({ min: 0, max: 5 }), (seed, min, span) => {
        const r = new Rng(seed, 'bounds');
        const seen = new Set<number>();
        const bad: number[] = [];
        for (let i = 0; i < 300; i++) {
          const x = r.next();
          if (!(x >= 0 && x < 1)) bad.push(x);
          const k = r.int(min, min + span);
          if (!Number.isInteger(k) || k < min || k > min + span) bad.push(k);
          seen.add(k);
        }
        expect(bad).toEqual([]);
        // 300 draws over at most 6 values: every value turns up (a miss has odds below 1e-20).
        expect(seen.size).toBe(span + 1);
      }),
      { numRuns: 200 },
    );
  });

  it('exponential(mean) has the right mean over 20000 draws (within 5%)', () => {
    fc.assert(
      fc.property(fc.nat(), fc.string({ maxLength: 10 }), fc.double({ min: 0.001, max: 1e6, noNaN: true }), (seed, name, mean) => {
        const r = new Rng(seed, name);
        let sum = 0;
        let min = Number.POSITIVE_INFINITY;
        for (let i = 0; i < 20000; i++) {
          const x = r.exponential(mean);
          if (x < min) min = x;
          sum += x;
        }
        expect(min).toBeGreaterThanOrEqual(0);
        expect(Math.abs(sum / 20000 - mean) / mean).toBeLessThan(0.05);
      }),
      { numRuns: 30 },
    );
  });

  it('next() is roughly uniform (each tenth gets 10% +- 1.5% of 20000 draws)', () => {
    const r = new Rng(7, 'uniform');
    const bins = new Array(10).fill(0);
    for (let i = 0; i < 20000; i++) bins[Math.floor(r.next() * 10)]++;
    for (const b of bins) expect(Math.abs(b / 20000 - 0.1)).toBeLessThan(0.015);
  });
});

// ---------------------------------------------------------------------------------------------------
// Histogram

/** The nearest-rank percentile of sorted values, with an exact integer rank for integer p. */
function exactPercentile(sorted: number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p * sorted.length) / 100 - 1e-9));
  return sorted[rank - 1];
}

describe('Histogram', () => {
  const percentiles = [0, 1, 5, 10, 25, 50, 75, 90, 95, 99, 100];
  const values = fc.oneof(
    fc.array(fc.double({ min: 1, max: 1e8, noNaN: true }), { minLength: 1, maxLength: 2000 }),
    fc.array(fc.integer({ min: 1, max: 10_000_000 }), { minLength: 1, maxLength: 2000 }),
    // Heavy ties: few distinct values, as latencies of one operation have.
    fc.array(fc.constantFrom(100, 101, 250, 1000, 1010, 5000), { minLength: 1, maxLength: 500 }),
  );

  it('percentiles are within 1% of the exact ones; count, sum and max are exact', () => {
    fc.assert(
      fc.property(values, (data) => {
        const h = new Histogram();
        for (const v of data) h.record(v);
        const sorted = [...data].sort((a, b) => a - b);
        expect(h.count).toBe(data.length);
        expect(h.max).toBe(sorted[sorted.length - 1]);
        expect(h.sum).toBe(data.reduce((a, b) => a + b, 0));
        let prev = 0;
        for (const p of percentiles) {
          const got = h.percentile(p);
          const want = exactPercentile(sorted, p);
          expect(Math.abs(got - want), `p${p}: ${got} vs ${want}`).toBeLessThanOrEqual(want * 0.01 + 1e-9);
          expect(got).toBeLessThanOrEqual(h.max);
          expect(got).toBeGreaterThanOrEqual(prev);
          prev = got;
        }
        expect(h.percentile(100)).toBeCloseTo(h.max, 6);
      }),
      { numRuns: 300 },
    );
  });

  it('is 0 when empty', () => {
    const h = new Histogram();
    expect(h.percentile(50)).toBe(0);
    expect(h.mean).toBe(0);
    expect(h.max).toBe(0);
  });

  it('the mean is exact', () => {
    const h = new Histogram();
    for (const v of [100, 200, 600]) h.record(v);
    expect(h.mean).toBe(300);
    expect(h.percentile(50)).toBeGreaterThanOrEqual(200);
    expect(h.percentile(50)).toBeLessThanOrEqual(202);
  });

  // (p / 100) * count is not exact in floating point: 0.07 * 100 = 7.000000000000001; the rank must
  // still be the 7th value (and p99.9 of 1000 values the 999th, not the maximum).
  it('p7 of 100 values is the 7th value (floating-point rank)', () => {
    const h = new Histogram();
    for (let i = 1; i <= 100; i++) h.record(i * 1000);
    expect(h.percentile(7)).toBeLessThanOrEqual(7000 * 1.01);
  });
});

// ---------------------------------------------------------------------------------------------------
// Cpu (processor sharing)

function cpuRig(cores: number) {
  const s = new Scheduler();
  let busy = 0;
  const cpu = new Cpu(s, cores, (from, to, busyCores) => {
    expect(to).toBeGreaterThan(from);
    expect(busyCores).toBeLessThanOrEqual(cpu.cores);
    busy += (to - from) * busyCores;
  });
  return { s, cpu, busy: () => busy };
}

/** Exact processor sharing by hand: n jobs on c cores each advance at min(1, c/n). */
function psReference(cores: number, jobs: { start: number; work: number }[]): number[] {
  const finish = new Array<number>(jobs.length).fill(Number.NaN);
  const arrivals = jobs.map((j, i) => ({ ...j, i })).sort((a, b) => a.start - b.start || a.i - b.i);
  const active: { i: number; left: number }[] = [];
  let t = 0;
  let k = 0;
  while (k < arrivals.length || active.length > 0) {
    const rate = active.length === 0 ? 0 : Math.min(1, cores / active.length);
    const nextArrival = k < arrivals.length ? arrivals[k].start : Number.POSITIVE_INFINITY;
    const nextFinish = active.length === 0 ? Number.POSITIVE_INFINITY : t + Math.min(...active.map((a) => a.left)) / rate;
    const next = Math.min(nextArrival, nextFinish);
    for (const a of active) a.left -= (next - t) * rate;
    t = next;
    for (let j = active.length - 1; j >= 0; j--) {
      if (active[j].left <= 1e-9) {
        finish[active[j].i] = t;
        active.splice(j, 1);
      }
    }
    while (k < arrivals.length && arrivals[k].start === t) {
      const a = arrivals[k++];
      if (a.work === 0) finish[a.i] = t;
      else active.push({ i: a.i, left: a.work });
    }
  }
  return finish;
}

describe('Cpu (processor sharing)', () => {
  async function finishTimes(cores: number, jobs: { start: number; work: number }[]) {
    const rig = cpuRig(cores);
    const done: number[] = new Array(jobs.length).fill(Number.NaN);
    const order: number[] = [];
    jobs.forEach((j, i) => {
      rig.s.at(j.start, () =>
        rig.cpu.run(j.work, () => {
          done[i] = rig.s.now;
          order.push(i);
        }),
      );
    });
    while (await rig.s.step());
    return { done, order, busy: rig.busy(), cpu: rig.cpu };
  }

  it('1 core, jobs of 10 and 20 at t=0: they finish at 20 and 30', async () => {
    expect((await finishTimes(1, [{ start: 0, work: 10 }, { start: 0, work: 20 }])).done).toEqual([20, 30]);
  });

  it('2 cores, jobs of 10 and 20 at t=0: they finish at 10 and 20', async () => {
    expect((await finishTimes(2, [{ start: 0, work: 10 }, { start: 0, work: 20 }])).done).toEqual([10, 20]);
  });

  it('a job added later slows the running one: 1 core, 30 at t=0 and 10 at t=10 finish at 40 and 30', async () => {
    // t 0-10: A alone gets 10 of its 30. t 10-30: A and B at half speed each get 10; B is done at 30.
    // t 30-40: A alone gets its last 10.
    const r = await finishTimes(1, [{ start: 0, work: 30 }, { start: 10, work: 10 }]);
    expect(r.done).toEqual([40, 30]);
    expect(r.order).toEqual([1, 0]);
    expect(r.busy).toBe(40);
  });

  it('three jobs on two cores share them: 10 each at t=0 all finish at 15, in start order', async () => {
    const r = await finishTimes(2, [{ start: 0, work: 10 }, { start: 0, work: 10 }, { start: 0, work: 10 }]);
    expect(r.done).toEqual([15, 15, 15]);
    expect(r.order).toEqual([0, 1, 2]);
    expect(r.busy).toBe(30);
  });

  it('a job of no work finishes at once', async () => {
    const r = await finishTimes(1, [{ start: 0, work: 50 }, { start: 5, work: 0 }]);
    expect(r.done).toEqual([50, 5]);
  });

  it('matches exact processor sharing on random jobs, and accounts all the work as busy core time', async () => {
    const job = fc.record({ start: fc.integer({ min: 0, max: 200 }), work: fc.integer({ min: 0, max: 300 }) });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.array(job, { minLength: 1, maxLength: 12 }), async (cores, jobs) => {
        const r = await finishTimes(cores, jobs);
        const want = psReference(cores, jobs);
        r.done.forEach((t, i) => {
          expect(Math.abs(t - want[i]), `job ${i}: ${t} vs ${want[i]}`).toBeLessThanOrEqual(1e-6 * Math.max(1, want[i]));
          // No job runs faster than one core.
          expect(t).toBeGreaterThanOrEqual(jobs[i].start + jobs[i].work - 1e-6);
        });
        const work = jobs.reduce((a, j) => a + j.work, 0);
        expect(Math.abs(r.busy - work)).toBeLessThanOrEqual(1e-6 * Math.max(1, work));
        expect(r.cpu.running).toBe(0);
      }),
      { numRuns: 400 },
    );
  });

  it('setCores keeps progress: 2 jobs of 10 on 1 core, a second core at t=10, both finish at 15', async () => {
    const rig = cpuRig(1);
    const done: number[] = [];
    rig.cpu.run(10, () => {
      done.push(rig.s.now);
    });
    rig.cpu.run(10, () => {
      done.push(rig.s.now);
    });
    rig.s.at(10, () => rig.cpu.setCores(2));
    while (await rig.s.step());
    expect(done).toEqual([15, 15]);
    expect(rig.busy()).toBe(20);
  });

  it('clear drops the running jobs without calling them', async () => {
    const rig = cpuRig(1);
    let called = 0;
    rig.cpu.run(10, () => {
      called++;
    });
    rig.s.at(5, () => rig.cpu.clear());
    while (await rig.s.step());
    expect(called).toBe(0);
    expect(rig.cpu.running).toBe(0);
    expect(rig.s.now).toBe(5);
    // The CPU still works afterwards, at full speed.
    rig.cpu.run(10, () => {
      called++;
    });
    while (await rig.s.step());
    expect(called).toBe(1);
    expect(rig.s.now).toBe(15);
  });
});

// ---------------------------------------------------------------------------------------------------
// Units

describe('units', () => {
  const MB = 1024 ** 2;

  it('parses memory sizes as postgresql.conf does', () => {
    expect(parseMemory('128MB', 1)).toBe(128 * MB);
    expect(parseMemory(16384, 8192)).toBe(128 * MB);
    expect(parseMemory('16384', 8192)).toBe(128 * MB);
    expect(parseMemory('1.5GB', 1)).toBe(1.5 * 1024 ** 3);
    expect(parseMemory(' 4 kB ', 1)).toBe(4096);
    expect(parseMemory('1TB', 1)).toBe(1024 ** 4);
    expect(parseMemory('abc', 1)).toBeUndefined();
    expect(parseMemory('4mb', 1)).toBeUndefined();
    expect(parseMemory('-1MB', 1)).toBeUndefined();
    expect(parseMemory(-1, 1024)).toBeUndefined();
    expect(parseMemory(Number.POSITIVE_INFINITY, 1024)).toBeUndefined();
    expect(parseMemory('', 1024)).toBeUndefined();
  });

  it('parses times as postgresql.conf does, in microseconds', () => {
    expect(parseTime('500ms', 1)).toBe(500_000);
    expect(parseTime('1min', 1)).toBe(60_000_000);
    expect(parseTime(2, 1000)).toBe(2000);
    expect(parseTime('2', 1000)).toBe(2000);
    expect(parseTime('1.5s', 1)).toBe(1_500_000);
    expect(parseTime('10us', 1)).toBe(10);
    expect(parseTime('1h', 1)).toBe(3600e6);
    expect(parseTime('1d', 1)).toBe(86400e6);
    expect(parseTime('abc', 1)).toBeUndefined();
    expect(parseTime('5 minutes', 1)).toBeUndefined();
    expect(parseTime(-1, 1000)).toBeUndefined();
    expect(parseTime(Number.NaN, 1000)).toBeUndefined();
  });

  it('parses CLI durations: a bare number is seconds', () => {
    expect(parseDuration('30')).toBe(30e6);
    expect(parseDuration('2min')).toBe(120e6);
    expect(parseDuration('500ms')).toBe(500e3);
    expect(parseDuration('soon')).toBeUndefined();
  });

  it('a number and its string with the base unit agree', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e9 }), fc.constantFrom(1, 1024, 8192, MB), (n, base) => {
        expect(parseMemory(String(n), base)).toBe(n * base);
        expect(parseMemory(n, base)).toBe(n * base);
        expect(parseTime(String(n), base)).toBe(n * base);
      }),
      { numRuns: 300 },
    );
  });
});
