/**
 * Real mode (npm run real): one short scenario with two streaming replicas and a pooler on real
 * PostgreSQL, PgBouncer; the report has the sim's shape, and every server it started is gone afterwards
 * (by PID), its scratch directory too. What the machine cannot host is refused before anything starts.
 * Skipped, saying why, where the servers are not installed (CI installs them: .ci/run).
 */
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cannotHost, runReal } from '../../real/run.ts';
import { alive, missingTools } from '../../real/servers.ts';
import { applyOverrides, parseScenarioText, type Scenario } from '../../sim/index.ts';

const scenario = (file: string, sets: string[] = []): Scenario => {
  const p = parseScenarioText(readFileSync(`lessons/scenarios/${file}.json`, 'utf8'));
  if (!p.ok) throw new Error(file);
  const s = applyOverrides(p.scenario, sets);
  if (!s.ok) throw new Error(JSON.stringify(s.issues));
  return s.scenario;
};

const missing = missingTools({ postgres: true, pgbouncer: true });

describe('what a machine cannot host is refused, naming why', () => {
  it('sharding, and servers bigger than the free memory', () => {
    expect(cannotHost(scenario('sharding-hash'))).toMatch(/sharded/);
    if (missing.length === 0) {
      expect(cannotHost(scenario('read-replicas', ['primary.ram=4TB', 'primary.shared_buffers=1TB']))).toMatch(/need about \d+ MB .* lower shared_buffers/);
    }
  });
});

describe.skipIf(missing.length > 0)(`a real run${missing.length > 0 ? ` (skipped: ${missing.join('; ')} missing)` : ''}`, () => {
  it('pgbouncer-replicas on real servers: the report has the sim\'s shape and the servers are gone after', { timeout: 300_000 }, async () => {
    const phases: string[] = [];
    const { report, pids, dir } = await runReal(scenario('pgbouncer-replicas', ['workload.clients=8']), {
      durationMs: 2000,
      onPhase: (p) => phases.push(p),
    });
    // primary, two standbys cloned from it, the pooler
    expect(pids).toHaveLength(4);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    // its own scratch directory (other tests may have theirs at the same time)
    expect(dir.startsWith(join(tmpdir(), 'pg-lab-real-'))).toBe(true);
    expect(existsSync(dir)).toBe(false);
    expect(phases).toContain('cloning replica1');
    expect((report as { source?: string }).source).toBe('real');
    expect(report.completed).toBeGreaterThan(0);
    expect(report.failed, JSON.stringify(report.errors)).toBe(0);
    expect(report.latencyMs.p50).toBeGreaterThan(0);
    expect(report.latencyMs.p99).toBeGreaterThanOrEqual(report.latencyMs.p50);
    expect(Object.keys(report.nodes).sort()).toEqual(['app', 'pgbouncer', 'primary', 'replica1', 'replica2']);
    // writes went through the pooler to the primary, reads to the replicas
    expect(report.nodes.pgbouncer.queries).toBeGreaterThan(0);
    expect(report.nodes.primary.queries).toBe(report.nodes.pgbouncer.queries);
    expect(report.nodes.replica1.queries).toBeGreaterThan(0);
    expect(report.nodes.pgbouncer.pool).toMatchObject({ clActiveAvg: expect.any(Number), svActiveAvg: expect.any(Number), serverConnectionsMax: expect.any(Number) });
    expect(report.nodes.replica1.replication).toMatchObject({ state: 'streaming', replayLagMs: { p50: expect.any(Number) } });
    expect(report.timeSeries.length).toBe(2);
  });
});
