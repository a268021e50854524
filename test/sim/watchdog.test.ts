/** The engine watchdog (sim/engine/WorkerEngine.ts): a statement is a runaway by the CPU it gets, not by how long a busy machine makes it take. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EngineDeadError } from '../../sim/engine/DbEngine.ts';
import { type ProgressMeasure, WALL_LIMIT, WorkerEngine, type WorkerPort } from '../../sim/engine/WorkerEngine.ts';

/** A worker that boots and then never answers, as one running a long statement. */
function silentWorker(): WorkerPort & { terminated: boolean } {
  let listener: (m: unknown) => void = () => undefined;
  const port = {
    terminated: false,
    postMessage: (m: unknown) => {
      if (!Array.isArray(m)) queueMicrotask(() => listener({ type: 'ready' }));
    },
    onMessage: (l: (m: unknown) => void) => {
      listener = l;
    },
    onError: () => undefined,
    terminate: () => {
      port.terminated = true;
    },
  };
  return port;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'setImmediate', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

async function started(measure?: ProgressMeasure) {
  const port = silentWorker();
  const engine = await WorkerEngine.start('primary', port, {}, 1000, [], measure);
  const reply = engine.request({ op: 'exec', sql: 'SELECT 1' });
  reply.catch(() => undefined);
  await vi.advanceTimersByTimeAsync(0);
  return { engine, port, reply };
}

describe('the watchdog', () => {
  it('without a CPU measure, kills after watchdogMs of wall time', async () => {
    const { engine, reply } = await started();
    await vi.advanceTimersByTimeAsync(900);
    expect(engine.alive).toBe(true);
    await vi.advanceTimersByTimeAsync(500);
    expect(engine.alive).toBe(false);
    await expect(reply).rejects.toBeInstanceOf(EngineDeadError);
  });

  it('on a loaded machine (the process gets 1/5 of a core), lets a statement run 5 times longer', async () => {
    const cpu = () => performance.now() / 5;
    const { engine, port } = await started({ cpuMs: cpu });
    await vi.advanceTimersByTimeAsync(4500);
    expect(engine.alive).toBe(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect([engine.alive, port.terminated]).toEqual([false, true]);
  });

  it('counts no more than wall time when other threads use the CPU too', async () => {
    const { engine } = await started({ cpuMs: () => performance.now() * 2 });
    await vi.advanceTimersByTimeAsync(900);
    expect(engine.alive).toBe(true);
    await vi.advanceTimersByTimeAsync(500);
    expect(engine.alive).toBe(false);
  });

  it(`kills a statement that uses no CPU (a real sleep) after ${WALL_LIMIT} times watchdogMs of wall time`, async () => {
    const { engine, reply } = await started({ cpuMs: () => 0 });
    await vi.advanceTimersByTimeAsync(WALL_LIMIT * 1000 - 600);
    expect(engine.alive).toBe(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(engine.alive).toBe(false);
    await expect(reply).rejects.toThrow(/ran past the watchdog \(1000 ms of CPU time, or 6000 ms of real time\)/);
  });

  it('in a browser (no CPU time), a thread getting 1/4 of a core lets a statement run 4 times longer', async () => {
    let measured = 0;
    const { engine } = await started({
      shareOfCore: () => {
        measured++;
        return 0.25;
      },
    });
    await vi.advanceTimersByTimeAsync(900);
    expect([engine.alive, measured]).toEqual([true, 0]);
    await vi.advanceTimersByTimeAsync(2900);
    expect(engine.alive).toBe(true);
    await vi.advanceTimersByTimeAsync(500);
    expect(engine.alive).toBe(false);
  });

  it('in a browser, a thread with a whole core kills at watchdogMs as wall time does', async () => {
    const { engine } = await started({ shareOfCore: () => 1 });
    await vi.advanceTimersByTimeAsync(1400);
    expect(engine.alive).toBe(false);
  });
});
