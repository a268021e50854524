/**
 * Node figures per second of virtual time (sim/metrics/Metrics.ts) do not depend on when a deferred figure
 * is recorded: an engine answers whenever its thread gets there, so a statement's count may be recorded
 * seconds of virtual time after the statement ended, and the second it lands in must read the same.
 */
import { describe, expect, it } from 'vitest';
import { Metrics } from '../../sim/metrics/Metrics.ts';

/**
 * 5 connections from second 0, 3 from 1.5 s, 4 from 3.2 s; a statement that ended at 2.4 s (a second with no
 * other figure) is recorded when `recordAtUs` has come: the most connections of its second 2 are 3.
 */
function secondTwo(recordAtUs: number): number {
  let now = 0;
  const m = new Metrics(() => now);
  m.connections('db', 5);
  now = 1_500_000;
  m.connections('db', -2);
  now = 3_200_000;
  const opened = () => m.connections('db', 1);
  if (recordAtUs > now) opened();
  now = Math.max(now, recordAtUs);
  m.query('db', false, 2_400_000);
  if (recordAtUs <= 3_200_000) {
    now = 3_200_000;
    opened();
  }
  return m.seconds[2].nodes.get('db')!.connectionsMax;
}

describe('node seconds', () => {
  it("a second's most connections is its own, whenever a deferred statement opens its bucket", () => {
    // recorded before or after the count changed at 3.2 s
    expect([secondTwo(2_500_000), secondTwo(3_500_000)]).toEqual([3, 3]);
  });

  it('a second that starts with connections open counts them, though they close within it', () => {
    let now = 0;
    const m = new Metrics(() => now);
    m.connections('db', 4);
    now = 1_200_000;
    m.connections('db', -4);
    expect(m.seconds[1].nodes.get('db')!.connectionsMax).toBe(4);
  });
});
