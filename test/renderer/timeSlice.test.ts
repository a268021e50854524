/**
 * The scrubber in the store: a past moment shows the frame of then and the present cut there (charts,
 * events, console result), snapshots arriving meanwhile go to the present, Back to now restores it, and a
 * fork asks the worker to replay to the frame's exact time and keeps the original's series.
 */
import { describe, expect, it } from 'vitest';
import { createAppStore, type SimPort } from '../../renderer/store/appStore.ts';
import { MAX_FRAMES, recordFrame } from '../../renderer/store/timeSlice.ts';
import type { SeriesPoint, WorkerMessage } from '../../renderer/sim/protocol.ts';
import type { ConsoleResult, SimSnapshot } from '../../sim/index.ts';
import { emptyDoc } from '../../renderer/store/doc.ts';

function port() {
  const sent: unknown[] = [];
  let listener: ((m: Exclude<WorkerMessage, { type: 'reply' }>) => void) | undefined;
  const p: SimPort = {
    load: async () => ({ nodes: [] }),
    apply: (async (c: { do: string; sql?: string }) => {
      sent.push(c);
      return c.do === 'runSql' ? { node: 'primary', query: c.sql, columns: ['n'], rows: [[c.sql]], rowCount: 1 } : null;
    }) as SimPort['apply'],
    reset: async () => null,
    continueRun: async () => null,
    time: (async (c: unknown) => {
      sent.push(c);
      return null;
    }) as SimPort['time'],
    subscribe: (l) => {
      listener = l;
      return () => undefined;
    },
  };
  return { p, sent, emit: (m: Exclude<WorkerMessage, { type: 'reply' }>) => listener!(m) };
}

const snap = (time: number): SimSnapshot => ({ time, completed: Math.round(time * 100), failed: 0, nodes: [], inFlight: [], events: [] });
const point = (t: number): SeriesPoint => ({ t, throughput: 100 + t, failed: 0, p50: 1, p95: 2 + t, p99: 3, nodes: {} });

describe('time scrubber (store)', () => {
  it('shows a past moment as it was, keeps the present going behind it, and forks at the frame shown', async () => {
    const sim = port();
    const store = createAppStore(() => sim.p);
    const s = () => store.getState();
    store.setState({ doc: emptyDoc() });
    await s().runSql('primary', 'SELECT 1'); // subscribes; nothing loaded, so no frame yet
    for (let i = 1; i <= 30; i++) {
      const series = i % 5 === 0 ? [point(i / 5 - 1)] : [];
      sim.emit({ type: 'snapshot', snapshot: snap(i * 0.2), series, events: [{ at: i * 0.2e6, type: 'console', message: `e${i}` }], status: 'running' });
      if (i === 10) await s().runSql('primary', 'at two seconds');
    }
    expect(s().frames).toHaveLength(30);
    expect(s().series.map((p) => p.t)).toEqual([0, 1, 2, 3, 4, 5]);

    await s().scrubTo(2.5);
    expect(sim.sent).toContainEqual({ do: 'pause' });
    expect(s().scrub).toBe(2.5);
    expect(s().snapshot?.time).toBeCloseTo(2.4);
    expect(s().series.map((p) => p.t)).toEqual([0, 1]);
    expect(s().events.at(-1)?.message).toBe('e12');
    expect((s().consoleResult as ConsoleResult).rows).toEqual([['at two seconds']]);
    // a snapshot arriving now goes to the present, not to what is shown
    sim.emit({ type: 'snapshot', snapshot: snap(6.2), series: [point(6)], events: [], status: 'paused' });
    expect(s().snapshot?.time).toBeCloseTo(2.4);
    expect(s().present?.series.at(-1)?.t).toBe(6);

    await s().scrubTo(1.1);
    expect(s().snapshot?.time).toBeCloseTo(1.0);
    expect(s().series.map((p) => p.t)).toEqual([0]);
    expect((s().consoleResult as ConsoleResult).rows).toEqual([['SELECT 1']]);

    await s().scrubTo(undefined);
    expect(s().scrub).toBeUndefined();
    expect(s().snapshot?.time).toBeCloseTo(6.2);
    expect(s().series.map((p) => p.t)).toEqual([0, 1, 2, 3, 4, 5, 6]);

    await s().scrubTo(3.1);
    expect(s().snapshot?.time).toBeCloseTo(3.0);
    await s().forkHere();
    // the worker replays to the moment asked; what is shown until its snapshot comes is the frame before
    expect(sim.sent.at(-1)).toEqual({ do: 'fork', at: 3.1e6 });
    expect(s().baseline?.at).toBeCloseTo(3.1);
    expect(s().baseline?.series.map((p) => p.t)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(s().series.map((p) => p.t)).toEqual([0, 1, 2]);
    expect(s().frames.at(-1)?.time).toBeCloseTo(3);
    expect(s().scrub).toBeUndefined();
    // the fork's snapshots and seconds go on from there
    sim.emit({ type: 'snapshot', snapshot: snap(4.2), series: [point(3)], events: [], status: 'running' });
    expect(s().series.map((p) => p.t)).toEqual([0, 1, 2, 3]);
  });

  it('keeps at most MAX_FRAMES frames, thinning the older half', () => {
    let frames: ReturnType<typeof recordFrame> = [];
    for (let i = 1; i <= MAX_FRAMES + 1; i++) frames = recordFrame(frames, snap(i / 10), undefined);
    expect(frames.length).toBeLessThanOrEqual(MAX_FRAMES);
    expect(frames.at(-1)?.time).toBeCloseTo((MAX_FRAMES + 1) / 10);
    expect(frames[0].time).toBeCloseTo(0.1);
    expect(frames.every((f, i) => i === 0 || f.time > frames[i - 1].time)).toBe(true);
  });
});
