/** Issue 18: what a hostile or careless user could break, on real PGlite. */
import { describe, expect, it } from 'vitest';
import { main } from '../../sim/cli/main.ts';
import { printReport } from '../../sim/cli/print.ts';
import { nodeEngineFactory } from '../../sim/engine/node/platform.ts';
import { buildReport, parsePgbouncerIni, parseScenario, ScenarioError } from '../../sim/index.ts';
import { engines, readReplicas, scenario, startSim } from './harness.ts';

// bounded, so the console cannot tell it from a legitimate query before it runs (runaway.ts): the watchdog kills it
const RUNAWAY = 'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 1e15) SELECT count(*) FROM r';

const small = () =>
  scenario({
    name: 'small',
    nodes: [
      { id: 'app', kind: 'app', settings: { instances: 1, pool_size: 5 } },
      { id: 'primary', kind: 'postgres' },
    ],
    edges: [{ from: 'app', to: 'primary' }],
    workload: { clients: 4, think_time: '10ms', data: { users: 200, orders_per_user: 2 } },
  });

describe('runaway console statements the parse tree shows', () => {
  it('are cancelled as PostgreSQL cancels, without a node crash', async () => {
    const sim = await startSim(small(), { engines: nodeEngineFactory({ kind: 'worker' }) });
    await sim.runUntil(300_000);
    for (const sql of [
      'SELECT pg_catalog.pg_sleep(60)',
      'SELECT count(*) FROM generate_series(1, 50000000)',
      'DO $$ BEGIN LOOP PERFORM 1; END LOOP; END $$',
      'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r',
    ]) {
      const r = await sim.apply({ do: 'runSql', node: 'primary', sql });
      expect(r.error, sql).toMatchObject({ code: 'query_canceled', sqlstate: '57014', message: 'canceling statement due to statement timeout' });
    }
    await sim.runUntil(600_000);
    expect(sim.events.filter((e) => e.type === 'node-crashed' || e.type === 'node-restarted')).toEqual([]);
    const ok = await sim.apply({ do: 'runSql', node: 'primary', sql: 'SELECT count(*) FROM users' });
    expect(ok.rows).toEqual([[200]]);
  });
});

describe('after a runaway kill', () => {
  it('the console waits for the restart instead of answering "starting up" while virtual time stands still', async () => {
    // a watchdog that a loaded machine's legitimate statements do not reach
    const sim = await startSim(small(), { engines: nodeEngineFactory({ kind: 'worker', watchdogMs: 4000 }) });
    await sim.runUntil(500_000);
    const r = await sim.apply({ do: 'runSql', node: 'primary', sql: RUNAWAY });
    expect(r.error?.code).toBe('runaway_statement');
    const ok = await sim.apply({ do: 'runSql', node: 'primary', sql: 'SELECT count(*) FROM users' });
    expect(ok.error).toBeUndefined();
    expect(ok.rows).toEqual([[200]]);
    expect(sim.events.filter((e) => e.type === 'node-restarted' && e.node === 'primary')).toHaveLength(1);
    // the restart's own event later does nothing more
    await sim.runUntil(4e6);
    expect(sim.events.filter((e) => e.type === 'node-restarted' && e.node === 'primary')).toHaveLength(1);
  });
});

describe('inputs that cannot mean anything are refused with their path', () => {
  const base = { nodes: [{ id: 'primary', kind: 'postgres' }] };
  const issues = (input: unknown) => {
    const p = parseScenario(input);
    return p.ok ? [] : p.issues.map((i) => `${i.path}: ${i.message}`);
  };

  it('all operation weights 0, $0 placeholders, shared_buffers above ram, data sets too large to load', () => {
    const op = (o: Record<string, unknown>) => ({ ...base, workload: { operations: [{ name: 'a', sql: 'SELECT 1', ...o }] } });
    expect(issues(op({ weight: 0 }))).toEqual([expect.stringMatching(/^workload\.operations: every operation has weight 0/)]);
    expect(issues(op({ sql: 'SELECT $0', params: [] }))).toEqual([expect.stringMatching(/^workload\.operations\[0\]\.sql: parameters are numbered from \$1/)]);
    expect(issues(op({ sql: ['SELECT $1', 'SELECT $00'], params: [{ dist: 'sequential' }] }))).toHaveLength(1);
    expect(issues(op({ sql: 'SELECT $10', params: Array(10).fill({ dist: 'sequential' }) }))).toEqual([]);
    const pg = (settings: Record<string, unknown>) => ({ nodes: [{ id: 'primary', kind: 'postgres', settings }] });
    expect(issues(pg({ ram: '1GB', shared_buffers: '2GB' }))).toEqual([expect.stringMatching(/^nodes\[0\]\.settings\.shared_buffers: shared_buffers must fit in ram/)]);
    expect(issues(pg({ ram: '1GB', shared_buffers: '1GB' }))).toEqual([]);
    expect(issues({ ...base, workload: { data: { users: 1_000_001, orders_per_user: 1 } } })).toEqual([expect.stringMatching(/^workload\.data\.users/)]);
    expect(issues({ ...base, workload: { data: { users: 1_000_000, orders_per_user: 3 } } })).toEqual([expect.stringMatching(/^workload\.data\.orders_per_user: users × orders_per_user is more than 2,000,000 orders/)]);
  });

  it('a [databases] entry named __proto__ is refused with its line, not lost', () => {
    const r = parsePgbouncerIni('[databases]\nappdb = host=primary\n__proto__ = host=primary dbname=x\n');
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.errors).toEqual([{ line: 3, message: expect.stringContaining('__proto__') }]);
  });

  it('a setup_sql that fails is a ScenarioError at workload.setup_sql, not a stack trace', async () => {
    const s = scenario({ ...base, workload: { setup_sql: 'CREATE TABLE broken (', operations: [{ name: 'a', sql: 'SELECT 1' }] } });
    const e = await startSim(s).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ScenarioError);
    expect((e as ScenarioError).issues).toEqual([{ path: 'workload.setup_sql', message: expect.stringContaining('syntax error') }]);
  });

  it('the CLI refuses console statements in process (nothing could stop a runaway there) instead of hanging', async () => {
    const code = await main(['lessons/scenarios/single-primary.json', '--in-process', '--sql', `primary:${RUNAWAY}`]);
    expect(code).toBe(2);
  });
});

describe('a truncated console result', () => {
  it('counts the rows shown, keeps its truncated flag in the report and says so when printed', async () => {
    const sim = await startSim(small(), { engines });
    const r = await sim.apply({ do: 'runSql', node: 'primary', sql: 'SELECT g FROM generate_series(1, 5000) g' });
    expect(r.rowCount).toBe(1000);
    const report = buildReport(sim, [r], 0);
    expect(report.sql[0].truncated).toBe(true);
    expect(printReport(report)).toContain('(first 1000 rows; more not shown)');
    const all = await sim.apply({ do: 'runSql', node: 'primary', sql: 'SELECT g FROM generate_series(1, 1000) g' });
    expect([all.rowCount, all.truncated]).toEqual([1000, undefined]);
  });
});

describe('the data load', () => {
  it('shows its progress statement by statement (the default data set inserts in chunks)', async () => {
    const base = nodeEngineFactory({ kind: 'worker' });
    const fresh = { ...base, loadSnapshot: (key: string) => (key.startsWith('data-') ? Promise.resolve(undefined) : base.loadSnapshot(key)) };
    const phases: [string, number][] = [];
    const s = scenario({ nodes: [{ id: 'primary', kind: 'postgres' }], workload: { clients: 0, data: { users: 100_000, orders_per_user: 2 } } });
    const sim = await startSim(s, { engines: fresh, onProgress: (phase, f) => phases.push([phase, f]) });
    const loads = phases.filter(([p]) => /\d+ of \d+ statements$/.test(p));
    // 3 CREATEs, the users (one chunk of 100,000 rows), then the orders in two
    expect(loads.map(([p]) => p.replace(/.*: /, ''))).toEqual([1, 2, 3, 4, 5, 6].map((i) => `${i} of 6 statements`));
    expect(loads.map(([, f]) => f)).toEqual([...loads.map(([, f]) => f)].sort((a, b) => a - b));
    const r = await sim.apply({ do: 'runSql', node: 'primary', sql: 'SELECT (SELECT count(*)::int FROM users), (SELECT count(*)::int FROM orders), (SELECT max(id)::int FROM orders)' });
    expect(r.rows).toEqual([[100000, 200000, 200000]]);
  });

  it('is not a runaway: a load longer than the node watchdog completes', async () => {
    const base = nodeEngineFactory({ kind: 'worker', watchdogMs: 500 });
    // the template from the cache, the data set loaded each time
    const workers = { ...base, loadSnapshot: (key: string) => (key.startsWith('data-') ? Promise.resolve(undefined) : base.loadSnapshot(key)) };
    const setup = 'CREATE TABLE t (x int); INSERT INTO t SELECT 1 FROM pg_catalog.pg_sleep(1.5)';
    const s = scenario({ nodes: [{ id: 'primary', kind: 'postgres' }], workload: { clients: 0, setup_sql: setup, operations: [{ name: 'a', sql: 'SELECT x FROM t' }] } });
    const sim = await startSim(s, { engines: workers });
    const r = await sim.apply({ do: 'runSql', node: 'primary', sql: 'SELECT count(*) FROM t' });
    expect(r.rows).toEqual([[1]]);
  });
});

describe('a primary that crashes', () => {
  it('recovers every committed write from its checkpoint and redo, and its standbys reconnect and catch up', async () => {
    // a watchdog that a loaded machine's legitimate statements do not reach
    const sim = await startSim(readReplicas({}, 3), { engines: nodeEngineFactory({ kind: 'worker', watchdogMs: 4000 }) });
    await sim.runUntil(2e6);
    const r = await sim.apply({ do: 'runSql', node: 'primary', sql: RUNAWAY });
    expect(r.error?.code).toBe('runaway_statement');
    // the writes committed before the crash, as the clients were told (each place_order inserts one order)
    const stream = sim.replication.streams.get('primary')!;
    await stream.settle();
    const placed = stream.log.kept.filter((w) => w.op?.name === 'place_order' && w.state === 'committed' && w.okValue).length;
    expect(placed).toBeGreaterThan(10);
    await sim.runUntil(5e6);
    const count = async (node: string, sql: string) => Number((await sim.apply({ do: 'runSql', node, sql })).rows[0][0]);
    const before = 5000 + placed;
    // what committed after the restart is in the stream too
    const after = stream.log.kept.filter((w) => w.op?.name === 'place_order' && w.state === 'committed' && w.okValue && w.resolvedUs! > 2e6).length;
    expect(after).toBeGreaterThan(0);
    expect(await count('primary', 'SELECT count(*) FROM orders')).toBe(before + after);
    expect(buildReport(sim, [], 0).consistency!.lostWrites).toBe(0);
    expect(sim.events.some((e) => e.type === 'node-crashed' && /crash recovery from its checkpoint at 0 s, redoing \d+ write/.test(e.message))).toBe(true);
    const states = [...sim.replication.standbys.values()].map((s) => s.state);
    expect(states).toEqual(['streaming', 'streaming']);
    // the standbys caught up with the recovered primary
    await sim.apply({ do: 'stopWorkload' });
    await sim.runUntil(6e6);
    for (const replica of ['replica1', 'replica2']) expect(await count(replica, 'SELECT count(*) FROM orders')).toBe(before + after);
  });
});

describe('checkpoints', () => {
  it('come on checkpoint_timeout, and a crash then redoes only what came after the last one', async () => {
    const s = small();
    s.nodes[1].settings.checkpoint_timeout = '30s';
    const sim = await startSim(s, { engines: nodeEngineFactory({ kind: 'worker', watchdogMs: 4000 }) });
    const orders = async () => Number((await sim.apply({ do: 'runSql', node: 'primary', sql: 'SELECT count(*) FROM orders' })).rows[0][0]);
    await sim.runUntil(31e6);
    expect(sim.events.filter((e) => e.type === 'checkpoint').map((e) => [e.at, e.message])).toEqual([[30e6, expect.stringMatching(/^primary: checkpoint complete/)]]);
    const before = await orders();
    expect(before).toBeGreaterThan(400 + 100);
    const r = await sim.apply({ do: 'runSql', node: 'primary', sql: RUNAWAY });
    expect(r.error?.code).toBe('runaway_statement');
    const crash = sim.events.find((e) => e.type === 'node-crashed' && e.message.includes('crash recovery'))!;
    const redone = Number(/redoing (\d+) write/.exec(crash.message)?.[1]);
    expect(crash.message).toContain('from its checkpoint at 30 s');
    // one second of writes since the checkpoint, not thirty
    expect(redone).toBeGreaterThan(0);
    expect(redone).toBeLessThan((before - 400) / 10);
    // what was committed is there; only writes in flight at the crash (at most one per client) are gone
    const after = await orders();
    expect(after).toBeLessThanOrEqual(before);
    expect(after).toBeGreaterThanOrEqual(before - 4);
  });
});
