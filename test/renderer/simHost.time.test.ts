/**
 * The sim worker's time and trace commands on real PGlite: a fork at an earlier moment is the run's replay
 * there (same figures as the run showed then), paused, and sends only the seconds after it; following
 * carries over to the fork, and a followed request's path comes back by id and as the slowest.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createSimHost } from '../../renderer/sim/simHost.ts';
import type { WorkerMessage } from '../../renderer/sim/protocol.ts';
import { nodeEngineFactory } from '../../sim/engine/node/platform.ts';
import type { RequestPath } from '../../sim/index.ts';
import single from '../../lessons/scenarios/single-primary.json';

const messages: WorkerMessage[] = [];
const host = createSimHost({ engines: nodeEngineFactory({ kind: 'in-process' }), post: (m) => messages.push(m) });
const scenario = { ...structuredClone(single), workload: { ...single.workload, clients: 8, data: { users: 500, orders_per_user: 2 } } };
const snapshots = () => messages.filter((m): m is Extract<WorkerMessage, { type: 'snapshot' }> => m.type === 'snapshot');

afterAll(async () => {
  await host.handle({ do: 'reset' });
});

describe('sim host: fork and follow', () => {
  it('forks at an earlier moment with the figures of then, and follows requests across the fork', async () => {
    await host.handle({ do: 'follow', on: true });
    await host.handle({ do: 'load', scenario });
    for (let i = 0; i < 6; i++) await host.handle({ do: 'step', us: 100_000 });
    const then = snapshots().at(-1)!.snapshot;
    expect(then.time).toBeCloseTo(0.6, 6);
    await host.handle({ do: 'setNodeSetting', node: 'app', name: 'pool_timeout', value: '2s' });
    for (let i = 0; i < 9; i++) await host.handle({ do: 'step', us: 100_000 });
    expect(snapshots().at(-1)!.snapshot.time).toBeCloseTo(1.5, 6);

    const slowest = (await host.handle({ do: 'requestPath', which: 'slowest' })) as RequestPath;
    expect(slowest.done).toBe(true);
    expect(slowest.spans.map((s) => s.what)).toEqual(expect.arrayContaining(['network', 'engine']));
    expect(await host.handle({ do: 'requestPath', which: slowest.id })).toEqual(slowest);

    const before = messages.length;
    await host.handle({ do: 'fork', at: 0.6e6 });
    const after = messages.slice(before);
    const snap = after.filter((m) => m.type === 'snapshot').at(-1) as Extract<WorkerMessage, { type: 'snapshot' }>;
    // the replay at 0.6 s is the run at 0.6 s: the same figures, nodes and requests in flight
    expect(JSON.stringify({ ...snap.snapshot, events: [] })).toBe(JSON.stringify({ ...then, events: [] }));
    expect(snap.series).toEqual([]);
    expect(after.filter((m) => m.type === 'state').at(-1)).toMatchObject({ status: 'paused' });
    expect(after.some((m) => m.type === 'progress')).toBe(true);
    await expect(host.handle({ do: 'fork', at: 5e6 })).rejects.toThrow(/a moment of this run, from 0 to 0.6 s/);

    // the fork goes on, following requests; it sends the seconds the app cut at the fork point (second 0 ends after 0.6 s)
    for (let i = 0; i < 6; i++) await host.handle({ do: 'step', us: 100_000 });
    expect(snapshots().flatMap((m) => (messages.indexOf(m) >= before ? m.series.map((p) => p.t) : []))).toEqual([0]);
    expect(await host.handle({ do: 'requestPath', which: 'slowest' })).toMatchObject({ done: true });
  }, 180_000);
});
