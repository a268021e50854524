/**
 * The one way in: `Simulation.apply` validates every command (a bad one is refused and changes nothing),
 * journals what it applies, and a journal replayed from the same scenario and seed gives the same run,
 * byte for byte. Topology edits on a running sim answer restart-required. The runner paces it.
 */
import { describe, expect, it } from 'vitest';
import { buildReport, CommandError, type JournalEntry, Runner, type Scenario, type SimCommand, type Simulation } from '../../sim/index.ts';
import { readReplicas, scenarioFile, startSim } from './harness.ts';

/** The report (minus wallSeconds) and console history of a sim, as text. */
function runOf(sim: Simulation): string {
  const { wallSeconds: _, ...report } = buildReport(sim, [], 0);
  return JSON.stringify({ report, console: sim.consoleHistory.entries }, null, 1);
}

/** Runs `steps` (advance to a time, then apply commands, each of which must take effect now) and returns the sim. */
async function drive(s: Scenario, steps: [number, SimCommand[]][], endUs: number): Promise<Simulation> {
  const sim = await startSim(s);
  for (const [at, commands] of steps) {
    await sim.runUntil(at);
    for (const c of commands) {
      const r = await sim.apply(c);
      if ('outcome' in r) expect(r, c.do).toMatchObject({ outcome: 'applied' });
    }
  }
  await sim.runUntil(endUs);
  return sim;
}

const fault = (f: Extract<SimCommand, { do: 'fault' }>['fault']): SimCommand => ({ do: 'fault', fault: f });

describe('the journal', () => {
  it('read replicas: live settings and faults at various times, replayed from the journal, give the same report byte for byte', async () => {
    const s = readReplicas({}, 21);
    const sim = await drive(
      s,
      [
        [0.3e6, [{ do: 'setNodeSetting', node: 'app', name: 'read_policy', value: 'round-robin' }]],
        [0.7e6, [{ do: 'setNodeSetting', node: 'primary', name: 'work_mem', value: '16MB' }, fault({ kind: 'lag-spike', node: 'replica2', applyFactor: 50, duration: '0.5s' })]],
        [1e6, [{ do: 'runSql', node: 'primary', sql: 'INSERT INTO orders (user_id, amount) VALUES (7, 1.5)' }]],
        [1.45e6, [fault({ kind: 'kill', node: 'primary' })]],
        [2e6, [fault({ kind: 'promote', node: 'replica1' }), { do: 'setWorkload', set: { think_time: '10ms' } }]],
        [2.6e6, [{ do: 'runSql', node: 'replica1', sql: 'SELECT count(*) FROM orders' }]],
      ],
      3.2e6,
    );
    expect(sim.journal.map((e) => [e.at, e.command.do])).toEqual([
      [0.3e6, 'setNodeSetting'],
      [0.7e6, 'setNodeSetting'],
      [0.7e6, 'fault'],
      [1e6, 'runSql'],
      [1.45e6, 'fault'],
      [2e6, 'fault'],
      [2e6, 'setWorkload'],
      [2.6e6, 'runSql'],
    ]);
    expect(sim.events.some((e) => e.type === 'promoted')).toBe(true);
    // a journal is plain data: it goes through JSON (a file) and comes back the same run
    const replay = await startSim(s, { journal: JSON.parse(JSON.stringify(sim.journal)) });
    await replay.runUntil(3.2e6);
    expect(replay.journal).toEqual(sim.journal);
    expect(runOf(replay) === runOf(sim), 'the replayed run differs').toBe(true);
    // without the journal, the same scenario and seed is another run
    const plain = await startSim(s);
    await plain.runUntil(3.2e6);
    expect(runOf(plain)).not.toBe(runOf(sim));
  }, 180_000);

  it('pgbouncer: pool_mode, work_mem and a think time changed live, replayed, give the same report byte for byte', async () => {
    const s = structuredClone(scenarioFile('pgbouncer.json'));
    s.workload.clients = 60;
    s.run.seed = 5;
    const sim = await drive(
      s,
      [
        [0.4e6, [{ do: 'setNodeSetting', node: 'pgbouncer', name: 'pool_mode', value: 'session' }]],
        [0.9e6, [{ do: 'setNodeSetting', node: 'primary', name: 'work_mem', value: '32MB' }, { do: 'runSql', node: 'pgbouncer', sql: 'SHOW POOLS' }]],
        [1.3e6, [{ do: 'setNodeSetting', node: 'pgbouncer', name: 'pool_mode', value: 'transaction' }, { do: 'setWorkload', set: { think_time: '20ms' } }]],
      ],
      2e6,
    );
    const replay = await startSim(s, { journal: sim.journal });
    await replay.runUntil(2e6);
    expect(replay.journal).toEqual(sim.journal);
    expect(runOf(replay) === runOf(sim), 'the replayed run differs').toBe(true);
  }, 180_000);

  it('a journal written by hand: times with units, applied in order; out of order or run control is refused', async () => {
    const s = readReplicas({}, 3);
    const sim = await startSim(s, {
      journal: [
        { at: '0.5s', command: { do: 'runSql', node: 'primary', sql: 'SELECT 1' } },
        { at: 500_000, command: fault({ kind: 'stop', node: 'replica2' }) },
      ],
    });
    await sim.runUntil(0.4e6);
    expect(sim.journal).toEqual([]);
    await sim.runUntil(1e6);
    expect(sim.journal.map((e) => e.at)).toEqual([0.5e6, 0.5e6]);
    expect(sim.snapshot().nodes.find((n) => n.id === 'replica2')?.status).toBe('down');
    await expect(startSim(s, { journal: [{ at: 2, command: { do: 'stopWorkload' } }, { at: 1, command: { do: 'stopWorkload' } }] })).rejects.toThrow(
      /journal entry 2: at 0.000001 s is before the entry above it/,
    );
    await expect(startSim(s, { journal: [{ at: 1, command: { do: 'pause' } }] })).rejects.toThrow(/journal entry 1: pause is run control/);
  }, 60_000);
});

describe('a bad command is refused with a clear error and changes nothing', () => {
  it('unknown kinds, NaN, Infinity, 1e308, unknown nodes; the run goes on after them', async () => {
    const sim = await startSim(readReplicas({}, 4));
    await sim.runUntil(0.3e6);
    const refused = async (c: unknown, message: RegExp) => {
      const e = await sim.apply(c as SimCommand).catch((x) => x);
      expect(e).toBeInstanceOf(CommandError);
      expect((e as Error).message).toMatch(message);
    };
    await refused(fault({ kind: 'explode', node: 'primary' } as never), /fault\.kind: Invalid discriminator value\. Expected 'stop' \| 'start' \| 'kill' \| 'promote' \| 'lag-spike'/);
    await refused({ do: 'explode' }, /unknown command "explode"; expected one of addNode, .*runSql/);
    await refused(fault({ kind: 'lag-spike', node: 'replica1', applyFactor: Number.NaN }), /fault\.applyFactor: Invalid input: expected number, received NaN/);
    await refused(fault({ kind: 'lag-spike', node: 'replica1', applyFactor: Number.POSITIVE_INFINITY }), /fault\.applyFactor: Invalid input: expected number, received Infinity/);
    await refused(fault({ kind: 'lag-spike', node: 'replica1', applyFactor: 1e308 }), /applyFactor: at most 10000 times slower/);
    await refused(fault({ kind: 'lag-spike', node: 'replica1', linkDelay: 1e308 }), /fault\.linkDelay: a time such as 50ms/);
    await refused(fault({ kind: 'lag-spike', node: 'replica1', duration: Number.NaN }), /fault\.duration: a time such as 50ms or 2s \(a bare number is in s\), at most 3600 s/);
    await refused(fault({ kind: 'kill', node: 'nosuch' }), /no node "nosuch" in the running simulation/);
    await refused({ do: 'runSql', node: 'nosuch', sql: 'SELECT 1' }, /no node "nosuch"/);
    await refused({ do: 'runSql', node: 'app', sql: 'SELECT 1' }, /node "app" \(app\) has no console/);
    await refused({ do: 'setNodeSetting', node: 'primary', name: 'work_mem', value: '99TB' }, /outside the allowed range/);
    await refused({ do: 'setNodeSetting', node: 'primary', name: 'no_such_setting', value: 1 }, /no_such_setting/);
    await refused(fault({ kind: 'promote', node: 'primary' }), /primary is not a replica/);
    await refused({ do: 'runSql', node: 'primary', sql: 'SELECT 1', extra: true }, /runSql: unknown key "extra"/);
    await refused({ do: 'step' }, /step is run control/);
    expect(sim.journal).toEqual([]);
    expect(sim.restartScenario).toEqual(sim.scenario);
    // nothing broke: the run goes on, and replica1 still replays at its normal speed
    const before = sim.metrics.completed;
    await sim.runUntil(1e6);
    expect(sim.metrics.completed).toBeGreaterThan(before + 100);
    expect(sim.snapshot().nodes.find((n) => n.id === 'replica1')?.status).toBe('up');
  }, 60_000);
});

describe('topology edits and the workload on a running simulation', () => {
  it('a topology edit answers restart-required, says why, and changes the scenario a restart loads, not the running sim', async () => {
    const sim = await startSim(readReplicas({}, 6));
    await sim.runUntil(0.2e6);
    const added = await sim.apply({ do: 'addNode', id: 'replica3', kind: 'postgres', settings: {} });
    expect(added).toEqual({ outcome: 'restart-required', message: expect.stringMatching(/replica3 is added to the topology: .* starts when the run restarts/) });
    expect(await sim.apply({ do: 'addEdge', from: 'primary', to: 'replica3' })).toMatchObject({ outcome: 'restart-required' });
    expect(await sim.apply({ do: 'removeEdge', from: 'app', to: 'replica2' })).toMatchObject({ outcome: 'restart-required', message: expect.stringMatching(/keeps carrying traffic until the run restarts/) });
    // a setting of the node that is not running yet is for the restart too
    expect(await sim.apply({ do: 'setNodeSetting', node: 'replica3', name: 'work_mem', value: '8MB' })).toMatchObject({ outcome: 'restart-required' });
    await expect(sim.apply({ do: 'addEdge', from: 'replica3', to: 'nowhere' })).rejects.toThrow(/no node nowhere/);
    await expect(sim.apply({ do: 'removeNode', id: 'nowhere' })).rejects.toThrow(/no node "nowhere"/);
    expect(sim.nodes.has('replica3')).toBe(false);
    expect(sim.scenario.nodes.map((n) => n.id)).toEqual(['app', 'primary', 'replica1', 'replica2']);
    const next = sim.restartScenario;
    expect(next.nodes.find((n) => n.id === 'replica3')?.settings.work_mem).toBe('8MB');
    expect(next.edges.some((e) => e.from === 'primary' && e.to === 'replica3')).toBe(true);
    expect(next.edges.some((e) => e.from === 'app' && e.to === 'replica2')).toBe(false);
    expect(sim.events.filter((e) => e.type === 'restart-required')).toHaveLength(4);
    await sim.runUntil(0.5e6);
    expect(sim.snapshot().nodes.map((n) => n.id)).toEqual(['app', 'primary', 'replica1', 'replica2']);
  }, 60_000);

  it('setWorkload: a think time applies at once; a client count needs a restart and changes nothing now', async () => {
    const s = readReplicas({}, 8);
    const sim = await startSim(s);
    await sim.runUntil(0.5e6);
    expect(await sim.apply({ do: 'setWorkload', set: { think_time: '500ms' } })).toMatchObject({ outcome: 'applied' });
    const restart = await sim.apply({ do: 'setWorkload', set: { clients: 2 } });
    expect(restart).toMatchObject({ outcome: 'restart-required', message: expect.stringMatching(/clients cannot change while the workload runs/) });
    expect(sim.restartScenario.workload).toMatchObject({ clients: 2, think_time: '500ms' });
    await expect(sim.apply({ do: 'setWorkload', set: { clients: -1 } })).rejects.toThrow(/setWorkload: workload.clients/);
    // 16 clients thinking 500 ms: about 32 requests a second, not the 16 / 20 ms of before
    const before = sim.metrics.completed;
    await sim.runUntil(2.5e6);
    const rate = (sim.metrics.completed - before) / 2;
    expect(rate).toBeGreaterThan(15);
    expect(rate).toBeLessThan(60);
  }, 60_000);
});

describe('the runner', () => {
  it('runs to the end at max speed; a finished run stays finished; step and run then do nothing', async () => {
    const s = readReplicas({}, 9);
    s.run.duration = '0.6s';
    const sim = await startSim(s);
    const statuses: string[] = [];
    const ticks: number[] = [];
    const runner = new Runner(sim, { speed: 'max', onTick: (now) => ticks.push(now), onStatus: (st) => statuses.push(st) });
    await expect(runner.apply({ do: 'setSpeed', speed: Number.NaN })).rejects.toThrow(/setSpeed: speed: max, or a number from 0.1 to 1000/);
    expect(runner.speed).toBe('max');
    await runner.apply({ do: 'run' });
    await runner.stopped();
    expect(statuses).toEqual(['running', 'finished']);
    expect(sim.now).toBe(0.6e6);
    expect(ticks).toEqual([0.1e6, 0.2e6, 0.3e6, 0.4e6, 0.5e6, 0.6e6]);
    await runner.apply({ do: 'run' });
    await runner.apply({ do: 'step', us: 100_000 });
    await runner.stopped();
    expect(runner.status).toBe('finished');
    expect(sim.now).toBe(0.6e6);
    // a fault would act over virtual time that never comes (a stopped server's start would never end): refused, not journaled
    await expect(runner.apply({ do: 'fault', fault: { kind: 'stop', node: 'primary' } })).rejects.toThrow(/the run has finished at its run.duration \(0.6 s\): a fault acts over virtual time/);
    expect(sim.nodes.get('primary')!.snapshot().status).toBe('up');
    // every other command goes to the sim, and is journaled
    expect((await runner.apply({ do: 'runSql', node: 'primary', sql: 'SELECT 1 AS one' })).rows).toEqual([[1]]);
    expect(sim.journal.map((e) => e.command.do)).toEqual(['runSql']);
    const entry: JournalEntry = sim.journal[0];
    expect(entry.at).toBe(0.6e6);
  }, 60_000);
});
