/**
 * PgBouncer's one core: every relayed message takes cpu_per_message of it, so a pooler driven past its
 * core's capacity is the bottleneck (100 % CPU, messages queueing for it) where one twice as fast is not.
 */
import { describe, expect, it } from 'vitest';
import type { PgBouncerSnapshot } from '../../sim/nodes/pgbouncer/PgBouncerNode.ts';
import { formatPgbouncerIni, parsePgbouncerIni } from '../../sim/nodes/pgbouncer/ini.ts';
import { pgbouncerSettings } from '../../sim/nodes/pgbouncer/settings.ts';
import { TestSim } from './TestSim.ts';

/** 2,000 statements a second (4,000 messages) offered to a pooler whose core handles `cpu` a message. */
async function drive(cpu: string) {
  const t = await TestSim.start('app -> pgbouncer -> primary', {
    settings: { pgbouncer: { pool_mode: 'transaction', cpu_per_message: cpu, max_client_conn: 5000 }, app: { pool_size: 200 } },
    workload: { mode: 'open', arrival_rate: 2000, operations: [{ name: 'one', sql: 'SELECT 1' }] },
  });
  await t.advance('1500ms');
  const r = t.report();
  type Block = { queriesPerSecond: number; cpuUtilization: number; cpu: { avgWaitMs: number; maxWaitMs: number }; pool: { avgWaitMs: number } };
  return { snap: t.node<PgBouncerSnapshot>('pgbouncer'), report: r.nodes.pgbouncer as unknown as Block, latency: r.latencyMs };
}

describe("PgBouncer's core", () => {
  it('saturated at 300 µs a message: ~100 % CPU, messages and clients queueing; twice as fast, neither', async () => {
    const slow = await drive('300us');
    const fast = await drive('150us');
    // 4,000 messages a second x 300 µs = 1.2 cores of work offered to one: it relays what one core can
    expect(slow.snap.cpuUtilization).toBeGreaterThan(0.97);
    expect(slow.snap.cpuUtilization).toBeLessThanOrEqual(1);
    expect(slow.report.queriesPerSecond).toBeLessThan(1700);
    expect(slow.report.cpu.avgWaitMs).toBeGreaterThan(2);
    // servers wait for the core to hand their results back, so clients queue for servers too
    expect(slow.report.pool.avgWaitMs).toBeGreaterThan(20);
    // x 150 µs = 0.6 of the core: all served, short queues only
    expect(fast.snap.cpuUtilization).toBeGreaterThan(0.5);
    expect(fast.snap.cpuUtilization).toBeLessThan(0.7);
    expect(fast.report.queriesPerSecond).toBeGreaterThan(1900);
    expect(fast.report.cpu.avgWaitMs).toBeLessThan(0.5);
    expect(fast.report.pool.avgWaitMs).toBeLessThan(5);
    expect(fast.latency.p50 * 10).toBeLessThan(slow.latency.p50);
  });

  it('is free at 0: no CPU and no wait', async () => {
    const free = await drive('0ms');
    expect(free.report.cpuUtilization).toBe(0);
    expect(free.report.cpu.maxWaitMs).toBe(0);
  });

  it("travels in pgbouncer.ini as a ;lab: line (PgBouncer's own parser skips it), not as a key", () => {
    const settings = pgbouncerSettings.parse({ cpu_per_message: '20us' });
    const ini = formatPgbouncerIni(settings);
    expect(ini).toContain(';lab: cpu_per_message = 20us');
    expect(ini).not.toMatch(/^cpu_per_message/m);
    const back = parsePgbouncerIni(ini);
    expect(back.ok && back.settings.cpu_per_message).toBe('20us');
    const asKey = parsePgbouncerIni('[pgbouncer]\ncpu_per_message = 20us\n');
    expect(asKey.ok && asKey.settings.cpu_per_message).toBe('7us');
    expect(asKey.warnings[0].message).toMatch(/;lab: cpu_per_message/);
  });
});
