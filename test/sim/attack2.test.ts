/**
 * A hostile user's pass on a finished run's settings (Simulation.actsOverTime, NodeModel.restartsFor), a resize
 * while a node is down or restarting, a journal replayed, and the postgres console around a restart. Real
 * PGlite, in process. The it.fails tests are defects found here (the suite stays green until they are fixed).
 */
import { describe, expect, it } from 'vitest';
import { buildReport, nodeKind, Runner, Simulation } from '../../sim/index.ts';
import { engines, killable, scenarioFile, startSim } from './harness.ts';

const status = (sim: Simulation, node: string) => sim.nodes.get(node)!.snapshot().status;

/** lessons/scenarios/NAME, small (4 clients) and lasting `duration`. */
function small(name: string, duration: string) {
  const s = structuredClone(scenarioFile(name));
  s.workload.clients = Math.min(4, s.workload.clients ?? 4);
  s.run.duration = duration;
  return s;
}

describe('a finished run', () => {
  it('every setting of every node kind, given its own value: applied, waiting for a restart, or refused as acting over time; nothing is left down, and the run goes on', { timeout: 120_000 }, async () => {
    for (const file of ['pgbouncer-replicas.json', 'sharding-pgdog.json', 'cache.json']) {
      const s = small(file, '0.3s');
      const sim = await startSim(s);
      const runner = new Runner(sim, { speed: 'max' });
      await runner.apply({ do: 'run' });
      await runner.stopped();
      expect(runner.status).toBe('finished');
      const kinds = new Set<string>();
      for (const n of s.nodes) {
        kinds.add(n.kind);
        const all = nodeKind(n.kind)!.settings.parse(n.settings) as Record<string, unknown>;
        for (const [name, value] of Object.entries(all)) {
          if (value === undefined) continue;
          const answer = await runner.apply({ do: 'setNodeSetting', node: n.id, name, value: value as never }).then(
            (r) => r.outcome,
            (e: Error) => e.message,
          );
          expect(answer, `${file} ${n.id}.${name}`).toMatch(/^applied$|^restart-required$|the run has finished at its run.duration .*a restart of/);
        }
      }
      for (const n of s.nodes) expect(status(sim, n.id), `${file} ${n.id}`).toBe('up');
      const more = new Runner(sim, { speed: 'max', untilUs: sim.now + 0.3e6 });
      await more.apply({ do: 'run' });
      await more.stopped();
      expect(more.status).toBe('finished');
      for (const n of s.nodes) expect(status(sim, n.id), `${file} ${n.id} continued`).toBe('up');
      expect(buildReport(sim, [], 0).completed).toBeGreaterThan(0);
      if (file === 'cache.json') expect([...kinds].sort()).toEqual(['app', 'postgres', 'redis']);
    }
  });
});

describe('resizes while a node is restarting or dead, replayed from the journal', () => {
  it('the same report: a resize over a resize restart, a stop and a start refused meanwhile, a kill, a resize of the dead node, a live setting on the finished run', { timeout: 120_000 }, async () => {
    const s = small('single-primary.json', '1s');
    s.workload.data = { ...s.workload.data, users: 300, orders_per_user: 1 };
    const sim = await startSim(s);
    const runner = new Runner(sim, { speed: 'max' });
    const act = (c: Parameters<Runner['apply']>[0]) => runner.apply(c).then(
      () => 'ok',
      (e: Error) => e.message,
    );
    await act({ do: 'step', us: 200_000 });
    await act({ do: 'setNodeSetting', node: 'primary', name: 'shared_buffers', value: '2GB' });
    expect(status(sim, 'primary')).toBe('restarting');
    await act({ do: 'step', us: 100_000 });
    await act({ do: 'setNodeSetting', node: 'primary', name: 'cores', value: 8 });
    expect(await act({ do: 'fault', fault: { kind: 'stop', node: 'primary' } })).toMatch(/not running/);
    expect(await act({ do: 'fault', fault: { kind: 'start', node: 'primary' } })).toMatch(/not a stopped server/);
    await act({ do: 'step', us: 100_000 });
    await act({ do: 'fault', fault: { kind: 'kill', node: 'primary' } });
    await act({ do: 'setNodeSetting', node: 'primary', name: 'shared_buffers', value: '1GB' });
    await act({ do: 'run' });
    await runner.stopped();
    expect(runner.status).toBe('finished');
    await act({ do: 'setNodeSetting', node: 'primary', name: 'work_mem', value: '8MB' });
    const more = new Runner(sim, { speed: 'max', untilUs: 2e6 });
    await more.apply({ do: 'run' });
    await more.stopped();
    const report = (x: Simulation) => {
      const { wallSeconds: _, ...r } = buildReport(x, [], 0);
      return JSON.stringify(r);
    };
    const replay = await Simulation.create(sim.scenario, { engines, journal: structuredClone(sim.journal) });
    try {
      await replay.runUntil(2e6);
      expect(report(replay)).toBe(report(sim));
    } finally {
      await replay.close();
    }
  });
});

describe('the postgres console around a restart', () => {
  // DEFECT: a console statement on a node in crash recovery completes the recovery at once, in a run whose
  // clock goes on as well as in a finished one (PostgresNode.ts console: `if (this.status === 'restarting') await
  // this.restarted()`, from b175964, meant for a clock that no longer advances). A student who types SELECT 1
  // while a paused run's primary recovers has it up at once: the RESTART_US + redo of downtime the run would show
  // (and its clients' errors) are skipped, and the run differs from one where nobody typed.
  it.fails('paused mid-run, a console statement during crash recovery is answered "starting up" and the recovery keeps its time', { timeout: 60_000 }, async () => {
    const k = killable();
    const sim = await startSim(small('single-primary.json', '10s'), { engines: k.factory });
    const runner = new Runner(sim, { speed: 'max' });
    await runner.apply({ do: 'step', us: 300_000 });
    k.live.get('primary')!.kill();
    expect((await runner.apply({ do: 'runSql', node: 'primary', sql: 'SELECT 1' })).error).toBeDefined();
    expect(status(sim, 'primary')).toBe('restarting');
    const during = await runner.apply({ do: 'runSql', node: 'primary', sql: 'SELECT 1' });
    expect(status(sim, 'primary')).toBe('restarting');
    expect(during.error?.code).toBe('cannot_connect_now');
  });

  // DEFECT: the console of a stopped (or killed) server says "the database system is starting up"
  // (PostgresNode.ts console: cannot_connect_now for any status but up), while a client's connect to it gets
  // PostgreSQL's "Connection refused" (PostgresNode.ts connect, sqlclient_unable_to_establish_sqlconnection), as
  // psql does against a server that is not running.
  it('the console of a stopped server: connection refused, not "starting up"', { timeout: 60_000 }, async () => {
    const sim = await startSim(small('single-primary.json', '10s'));
    const runner = new Runner(sim, { speed: 'max' });
    await runner.apply({ do: 'step', us: 200_000 });
    await runner.apply({ do: 'fault', fault: { kind: 'stop', node: 'primary' } });
    expect(status(sim, 'primary')).toBe('down');
    const r = await runner.apply({ do: 'runSql', node: 'primary', sql: 'SELECT 1' });
    expect(r.error?.code).toBe('sqlclient_unable_to_establish_sqlconnection');
  });
});
