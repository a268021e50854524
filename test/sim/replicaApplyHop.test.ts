/**
 * Follow one request, its replica-apply hop (sim/net/Link.ts ReplicaApply): a followed write's commit until
 * each standby applied it, and a followed stale read's missed write until the replica that served the read
 * applied it, which is after the read (that is why it was stale). Writes go through PgBouncer. recovery_min_apply_delay makes the lag, 20 users
 * make reads meet recent writes.
 */
import { describe, expect, it } from 'vitest';
import type { RequestPath } from '../../sim/index.ts';
import { TestSim } from './TestSim.ts';

describe('replica-apply hop of a followed request', () => {
  it("a write's hop per standby ends when that standby applied it; a stale read's missed write is applied after the read", async () => {
    const t = await TestSim.start('app -> pgb -> primary -> replica1, primary -> replica2, app -> replica1, app -> replica2', {
      settings: { replica1: { recovery_min_apply_delay: '30ms' }, replica2: { recovery_min_apply_delay: '60ms' } },
      workload: { clients: 8, think_time: '5ms', data: { users: 20 } },
    });
    t.sim.followRequests(true);
    await t.advance('600ms');
    const paths: RequestPath[] = [];
    for (let id = 0; id < t.sim.metrics.completed + t.sim.metrics.failed; id++) {
      const p = t.sim.requestPath(id);
      if (p?.done) paths.push(p);
    }
    const writes = paths.filter((p) => p.applies.some((a) => !a.missed));
    expect(writes.length).toBeGreaterThan(5);
    // a write done long enough ago was applied on both standbys, each at least its apply delay after the commit
    const w = writes.find((p) => p.endUs < t.sim.now - 200_000)!;
    expect(w.applies.map((a) => a.standby).sort()).toEqual(['replica1', 'replica2']);
    const applyUs = (standby: string) => {
      const a = w.applies.find((x) => x.standby === standby)!;
      return a.appliedUs! - a.committedUs!;
    };
    expect(applyUs('replica1')).toBeGreaterThanOrEqual(30_000);
    expect(applyUs('replica2')).toBeGreaterThanOrEqual(60_000);
    // a commit is within the write's life (asynchronous: its reply does not wait for the standbys)
    expect(w.applies[0].committedUs!).toBeGreaterThanOrEqual(w.startUs);
    expect(w.applies[0].committedUs!).toBeLessThanOrEqual(w.endUs);

    // stale reads: the write each missed was committed before the read and applied on its replica after it
    const stale = paths.filter((p) => p.applies.some((a) => a.missed));
    expect(stale.length).toBeGreaterThan(0);
    for (const p of stale) {
      const [m] = p.applies;
      expect(m.missed).toBe(true);
      expect(p.spans.some((s) => s.place === m.standby && s.what === 'engine')).toBe(true);
      expect(m.committedUs!).toBeLessThan(p.endUs);
      if (m.appliedUs !== undefined) expect(m.appliedUs).toBeGreaterThan(p.spans.find((s) => s.place === m.standby)!.startUs);
    }
    expect(stale.some((p) => p.applies[0].appliedUs !== undefined)).toBe(true);
    // reads that were not stale, and requests nobody followed, have no such hop
    expect(paths.some((p) => p.applies.length === 0)).toBe(true);
  });
});
