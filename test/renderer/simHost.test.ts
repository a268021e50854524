/** The sim worker's body, driven as the app drives it, on real PGlite engines (in-process, in Node). */
import { afterAll, describe, expect, it } from 'vitest';
import { createSimHost, requestErrorEvents } from '../../renderer/sim/simHost.ts';
import { failuresTitle } from '../../renderer/canvas/nodes/NodeFrame.tsx';
import pooling from '../../lessons/connection-pooling.json';
import type { WorkerMessage } from '../../renderer/sim/protocol.ts';
import { nodeEngineFactory } from '../../sim/engine/node/platform.ts';
import type { ConsoleResult, EngineFactory } from '../../sim/index.ts';
import single from '../../lessons/scenarios/single-primary.json';

const messages: WorkerMessage[] = [];
const host = createSimHost({ engines: nodeEngineFactory({ kind: 'in-process' }), post: (m) => messages.push(m) });
/** The simulated time of the last snapshot posted. */
const time = () => messages.filter((m): m is Extract<WorkerMessage, { type: 'snapshot' }> => m.type === 'snapshot').at(-1)?.snapshot.time ?? 0;
const scenario = { ...structuredClone(single), workload: { ...single.workload, clients: 8, data: { users: 500, orders_per_user: 2 } } };

afterAll(async () => {
  await host.handle({ do: 'reset' });
});

describe('sim host', () => {
  it('refuses a bad scenario with its issues', async () => {
    await host.receive({ id: 1, command: { do: 'load', scenario: { nodes: [] } } });
    const reply = messages.find((m) => m.type === 'reply' && m.id === 1);
    expect(reply).toMatchObject({ ok: false });
    expect((reply as { issues?: unknown[] }).issues?.length).toBeGreaterThan(0);
  });

  it('loads with progress, steps, and reports snapshots and series', async () => {
    const r = await host.handle({ do: 'load', scenario });
    expect(r).toEqual({ nodes: ['app', 'primary'] });
    expect(messages.some((m) => m.type === 'progress')).toBe(true);
    for (let i = 0; i < 12; i++) await host.handle({ do: 'step', us: 100_000 });
    const snaps = messages.filter((m): m is Extract<WorkerMessage, { type: 'snapshot' }> => m.type === 'snapshot');
    const last = snaps.at(-1)!;
    expect(last.snapshot.time).toBeCloseTo(1.2, 5);
    expect(last.snapshot.completed).toBeGreaterThan(0);
    const series = snaps.flatMap((s) => s.series);
    expect(series.map((p) => p.t)).toEqual([0]);
    expect(series[0].throughput).toBeGreaterThan(0);
    expect(series[0].nodes.primary.qps).toBeGreaterThan(0);
    expect(snaps.flatMap((s) => s.events).some((e) => e.type === 'node-booted')).toBe(true);
  }, 120_000);

  it('applies a live setting, and says when one needs a restart', async () => {
    expect(await host.handle({ do: 'setNodeSetting', node: 'primary', name: 'work_mem', value: '8MB' })).toMatchObject({ outcome: 'applied' });
    expect(await host.handle({ do: 'setNodeSetting', node: 'primary', name: 'max_connections', value: 200 })).toMatchObject({ outcome: 'restart-required' });
    // a 'user' setting of the app applies live: no "needs a restart" banner for it
    expect(await host.handle({ do: 'setNodeSetting', node: 'app', name: 'read_policy', value: 'read-your-writes' })).toMatchObject({ outcome: 'applied' });
    await expect(host.handle({ do: 'setNodeSetting', node: 'primary', name: 'work_mem', value: '99TB' })).rejects.toThrow(/outside the allowed range/);
    const events = messages.flatMap((m) => (m.type === 'snapshot' ? m.events : []));
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['setting-applied', 'restart-required']));
  });

  it('runs console SQL on a node: rows, and the real error', async () => {
    const ok = (await host.handle({ do: 'runSql', node: 'primary', sql: 'SELECT count(*) AS n FROM users' })) as ConsoleResult;
    expect(ok.rows).toEqual([[500]]);
    const bad = (await host.handle({ do: 'runSql', node: 'primary', sql: 'SELECT * FROM nope' })) as ConsoleResult;
    expect(bad.error?.message).toBe('relation "nope" does not exist');
  });

  it('refuses a bad command with the reason, and the run goes on', async () => {
    await host.receive({ id: 7, command: { do: 'fault', fault: { kind: 'lag-spike', node: 'primary', applyFactor: Number.NaN } } });
    expect(messages.find((m) => m.type === 'reply' && m.id === 7)).toMatchObject({ ok: false, error: 'fault: fault.applyFactor: Invalid input: expected number, received NaN' });
    await expect(host.handle({ do: 'explode' } as never)).rejects.toThrow(/unknown command "explode"/);
    const before = time();
    await host.handle({ do: 'step', us: 100_000 });
    expect(time() - before).toBeCloseTo(0.1, 5);
  });

  it('runs and pauses on the wall clock', async () => {
    const t0 = messages.filter((m) => m.type === 'snapshot').length;
    await host.handle({ do: 'setSpeed', speed: 'max' });
    await host.handle({ do: 'run' });
    await new Promise((r) => setTimeout(r, 1500));
    const from = messages.length;
    await host.handle({ do: 'pause' });
    expect(messages.some((m) => m.type === 'state' && m.status === 'running')).toBe(true);
    expect(messages.filter((m) => m.type === 'snapshot').length).toBeGreaterThan(t0);
    // 'paused' comes with the snapshot of the moment the loop stopped at, not one of the stretch it then ran on
    for (let waited = 0; !messages.slice(from).some((m) => m.type === 'state' && m.status === 'paused') && waited < 10_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    const shown = time();
    await host.handle({ do: 'runSql', node: 'primary', sql: 'SELECT 1' }); // posts the snapshot of now
    expect(time()).toBe(shown);
  }, 30_000);
  it('keeps running when the speed is switched to max while a paced chunk waits', async () => {
    await host.handle({ do: 'setSpeed', speed: 1 });
    await host.handle({ do: 'load', scenario });
    await host.handle({ do: 'run' });
    await new Promise((r) => setTimeout(r, 300));
    // the paced loop is in its 25 ms sleep now and then: switch while it may be there
    await new Promise((r) => setTimeout(r, 10));
    await host.handle({ do: 'setSpeed', speed: 'max' });
    const atSwitch = time();
    // simulated time goes on after the switch (a loaded machine is slower, not frozen: wait up to 60 s)
    for (let waited = 0; time() < atSwitch + 1 && waited < 60_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    expect(time()).toBeGreaterThanOrEqual(atSwitch + 1);
    const r = (await Promise.race([
      host.handle({ do: 'runSql', node: 'primary', sql: 'SELECT 1 AS one' }),
      new Promise((resolve) => setTimeout(() => resolve('frozen'), 10_000)),
    ])) as ConsoleResult | 'frozen';
    expect(r).not.toBe('frozen');
    await host.handle({ do: 'pause' });
  }, 120_000);
});

describe('a run that reaches its duration', () => {
  it('says so, and Continue takes it on for as long again from where it stopped', async () => {
    const posted: WorkerMessage[] = [];
    const h = createSimHost({ engines: nodeEngineFactory({ kind: 'in-process' }), post: (m) => posted.push(m) });
    try {
      await h.handle({ do: 'load', scenario: { ...scenario, run: { seed: 1, duration: '300ms' } } });
      for (let i = 0; i < 4; i++) await h.handle({ do: 'step', us: 100_000 });
      const finished = posted.flatMap((m) => (m.type === 'snapshot' ? m.events : [])).find((e) => e.type === 'run-finished');
      expect(finished?.message).toMatch(/run finished at 0\.3 s: the scenario's duration\. Continue runs it as long again/);
      await h.handle({ do: 'continue' });
      for (let i = 0; i < 2; i++) await h.handle({ do: 'step', us: 100_000 });
      const last = posted.filter((m): m is Extract<WorkerMessage, { type: 'snapshot' }> => m.type === 'snapshot').at(-1)!;
      expect(last.snapshot.time).toBeCloseTo(0.5, 5);
      expect(last.status).toBe('paused');
    } finally {
      await h.handle({ do: 'reset' });
    }
  }, 120_000);
});

describe('connection errors reach the Events panel and the badge tooltip', () => {
  it('tells each error code at most once a simulated second, with how many requests it failed, in the real words', () => {
    const sent = new Map<string, { n: number; at: number }>();
    expect(requestErrorEvents(sent, new Map([['too_many_connections', 3]]), 5)).toEqual([
      { at: 5, type: 'request-error', message: 'FATAL: sorry, too many clients already (SQLSTATE 53300): 3 requests failed (too_many_connections)' },
    ]);
    expect(requestErrorEvents(sent, new Map([['too_many_connections', 9]]), 200_000)).toEqual([]);
    expect(requestErrorEvents(sent, new Map([['too_many_connections', 10]]), 1_000_005)[0].message).toMatch(/: 7 requests failed/);
    expect(requestErrorEvents(sent, new Map([['too_many_connections', 10]]), 3_000_000)).toEqual([]);
  });

  it('the pooling lesson\'s start: "sorry, too many clients already" is an event and in the app\'s err tooltip', async () => {
    const posted: WorkerMessage[] = [];
    const h = createSimHost({ engines: nodeEngineFactory({ kind: 'in-process' }), post: (m) => posted.push(m) });
    try {
      const s = structuredClone(pooling.scenario);
      s.workload.data = { users: 1000, orders_per_user: 1 };
      await h.handle({ do: 'load', scenario: s });
      for (let i = 0; i < 10; i++) await h.handle({ do: 'step', us: 200_000 });
      const events = posted.flatMap((m) => (m.type === 'snapshot' ? m.events : []));
      const refused = events.filter((e) => e.type === 'request-error');
      expect(refused.length).toBeGreaterThan(0);
      expect(refused.length).toBeLessThanOrEqual(3);
      for (const e of refused) expect(e.message).toMatch(/^FATAL: sorry, too many clients already/);
      expect(failuresTitle(events)).toMatch(/^failed requests in total\nFATAL: sorry, too many clients already/);
    } finally {
      await h.handle({ do: 'reset' });
    }
  }, 120_000);
});

describe('a cold first run (issue 14, defect 7)', () => {
  /** The real engines, with a data-snapshot cache of its own (cold), counting the data loads. */
  function coldEngines() {
    const real = nodeEngineFactory({ kind: 'in-process' });
    const cache = new Map<string, Uint8Array>();
    const loads = { n: 0 };
    const engines: EngineFactory = {
      ...real,
      create: (o) => {
        if (o.name === 'data-load') loads.n++;
        return real.create(o);
      },
      loadSnapshot: async (key) => (key.startsWith('data-') ? cache.get(key) : real.loadSnapshot(key)),
      saveSnapshot: async (key, tar) => void (key.startsWith('data-') ? cache.set(key, tar) : await real.saveSnapshot(key, tar)),
    };
    return { engines, loads };
  }
  const small = (users: number) => ({ ...scenario, workload: { ...scenario.workload, data: { users, orders_per_user: 1 } } });

  it('says what it is doing while the data loads, with a bar that moves (it stayed at 0 % for ~10 s)', async () => {
    const { engines } = coldEngines();
    const posted: WorkerMessage[] = [];
    const h = createSimHost({ engines, post: (m) => posted.push(m) });
    try {
      await h.handle({ do: 'load', scenario: small(300) });
      const progress = posted.filter((m): m is Extract<WorkerMessage, { type: 'progress' }> => m.type === 'progress');
      const loading = progress.find((p) => p.phase.startsWith('loading the data set'));
      expect(loading?.fraction).toBeGreaterThan(0);
      expect(loading?.fraction).toBeLessThan(0.3);
      const fractions = progress.map((p) => p.fraction);
      expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
      expect(fractions.at(-1)).toBe(1);
    } finally {
      await h.handle({ do: 'reset' });
    }
  }, 120_000);

  it('warm makes the data before Run; the load then only boots the nodes', async () => {
    const { engines, loads } = coldEngines();
    const h = createSimHost({ engines, post: () => undefined });
    try {
      await h.handle({ do: 'warm', scenario: small(301) });
      expect(loads.n).toBe(1);
      await h.handle({ do: 'load', scenario: small(301) });
      expect(loads.n).toBe(1);
    } finally {
      await h.handle({ do: 'reset' });
    }
  }, 120_000);
});
