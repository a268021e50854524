/**
 * Rewind and fork (sim/timeline.ts) on real PGlite: a moment replayed from the seed and the journal is the
 * original run at that moment, figure for figure; a jump forward goes on from the kept replay (no replay
 * from the seed); a fork is the original up to the fork point and another run after it.
 */
import { describe, expect, it } from 'vitest';
import { type SimCommand, type Simulation, Timeline } from '../../sim/index.ts';
import { engines, readReplicas, startSim } from './harness.ts';

/** What the app shows of a moment: the snapshot (nodes, badges, requests in flight, events) and every complete second's figures. */
function moment(sim: Simulation): string {
  const seconds = sim.metrics.seconds.slice(0, Math.floor(sim.now / 1e6)).map(secondOf);
  return JSON.stringify({ snapshot: sim.snapshot(), seconds, console: sim.consoleHistory.entries });
}

function secondOf(b: Simulation['metrics']['seconds'][number]) {
  return { t: b.t, completed: b.completed, failed: b.failed, p50: b.latency.percentile(50), p95: b.latency.percentile(95), nodes: [...b.nodes] };
}

describe('time scrubber: rewind and fork', () => {
  it('a rewound moment is the original at that time; a jump forward reuses the keyframe; a fork diverges only after its point', async () => {
    const s = readReplicas({}, 5);
    const original = await startSim(s);
    const seen = new Map<number, string>();
    const commands: [number, SimCommand][] = [
      [0.4e6, { do: 'setNodeSetting', node: 'app', name: 'read_policy', value: 'round-robin' }],
      [1.3e6, { do: 'fault', fault: { kind: 'lag-spike', node: 'replica2', applyFactor: 50, duration: '0.4s' } }],
      [1.6e6, { do: 'runSql', node: 'replica1', sql: 'SELECT count(*) FROM orders' }],
    ];
    for (const t of [0.4e6, 1e6, 1.3e6, 1.6e6, 2e6, 3e6]) {
      await original.runUntil(t);
      for (const [at, c] of commands) if (at === t) await original.apply(c);
      seen.set(t, moment(original));
    }

    const timeline = new Timeline(original, { engines });
    try {
      const at1 = await timeline.at(1e6);
      expect(moment(at1)).toBe(seen.get(1e6));
      expect(timeline.replaysFromSeed).toBe(1);
      // forward past two commands: the keyframe goes on, no replay from the seed
      const at2 = await timeline.at(2e6);
      expect(at2).toBe(at1);
      expect(timeline.replaysFromSeed).toBe(1);
      expect(moment(at2)).toBe(seen.get(2e6));
      // back before the keyframe: a replay from the seed, the same moment again
      expect(moment(await timeline.at(1.3e6))).toBe(seen.get(1.3e6));
      expect(timeline.replaysFromSeed).toBe(2);

      // fork at 2 s: the replica takes no more reads (the app's policy sends them to the primary)
      const fork = await timeline.fork(2e6);
      try {
        expect(moment(fork)).toBe(seen.get(2e6));
        await fork.apply({ do: 'fault', fault: { kind: 'stop', node: 'replica1' } });
        await fork.runUntil(3e6);
        const mine = fork.metrics.seconds.slice(0, 3).map(secondOf);
        const theirs = original.metrics.seconds.slice(0, 3).map(secondOf);
        // seconds 0 and 1 ended before the fork point: the same; second 2 is another run
        expect(JSON.stringify(mine.slice(0, 2))).toBe(JSON.stringify(theirs.slice(0, 2)));
        expect(JSON.stringify(mine[2])).not.toBe(JSON.stringify(theirs[2]));
        expect(mine[2].nodes.find(([id]) => id === 'replica1')?.[1].queries ?? 0).toBeLessThan(theirs[2].nodes.find(([id]) => id === 'replica1')![1].queries);
        expect(fork.journal.slice(0, -1)).toEqual(original.journal);
        expect(fork.journal.at(-1)).toMatchObject({ at: 2e6, command: { do: 'fault' } });
      } finally {
        await fork.close();
      }
    } finally {
      await timeline.close();
    }
  }, 120_000);
});
