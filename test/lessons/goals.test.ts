/** Goal checks as pure functions over a report, a snapshot, the console history and the topology (no PGlite). */
import { describe, expect, it } from 'vitest';
import { type Check, checkSchema, describeCheck, type GoalContext, GoalTracker, hottestShare, roles, scenarioAfter, seriesOf, settleGoal } from '../../lessons/index.ts';
import { parseScenario, type Report, type Scenario } from '../../sim/index.ts';

function scenario(): Scenario {
  const r = parseScenario({
    nodes: [
      { id: 'app', kind: 'app' },
      { id: 'primary', kind: 'postgres' },
      { id: 'replica1', kind: 'postgres' },
    ],
    edges: [
      { from: 'app', to: 'primary' },
      { from: 'primary', to: 'replica1' },
    ],
  });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.scenario;
}

const check = (c: unknown): Check => checkSchema.parse(c);

/** A report with only what the checks read. */
function report(seconds: { p95Ms: number }[], extra: Partial<Report> = {}): Report {
  return {
    latencyMs: { p50: 1, p95: seconds.at(-1)?.p95Ms ?? 0, p99: 1, max: 1, mean: 1 },
    errors: {},
    nodes: {},
    failed: 0,
    timeSeries: seconds.map((s, t) => ({ t, throughputRps: 10, failed: 0, p50Ms: 1, p95Ms: s.p95Ms, p99Ms: 1 })),
    ...extra,
  } as Report;
}

const ctx = (o: Partial<GoalContext>): GoalContext => ({ scenario: scenario(), console: [], now: 0, since: 0, ...o });

describe('goal checks', () => {
  it('topology: roles from replication edges; a path that bypasses the pooler fails, one through it passes', () => {
    const s = scenario();
    expect([...roles(s)]).toEqual([
      ['primary', 'primary'],
      ['replica1', 'replica'],
    ]);
    const through = new GoalTracker([check({ check: 'through', from: { kind: 'app' }, to: { role: 'primary' }, via: { kind: 'pgbouncer' }, why: 'w' })]);
    expect(through.update(ctx({ scenario: s }))[0]).toMatchObject({ met: false, detail: 'app → primary bypasses it' });
    const pooled = scenarioAfter(s, [
      { do: 'addNode', id: 'pgbouncer', kind: 'pgbouncer', settings: {} },
      { do: 'removeEdge', from: 'app', to: 'primary' },
      { do: 'addEdge', from: 'app', to: 'pgbouncer' },
      { do: 'addEdge', from: 'pgbouncer', to: 'primary' },
    ]);
    expect(pooled.ok).toBe(true);
    if (pooled.ok) expect(through.update(ctx({ scenario: pooled.scenario }))[0].met).toBe(true);
    const edit = scenarioAfter(s, [{ do: 'addEdge', from: 'replica1', to: 'app' }]);
    expect(edit.ok).toBe(false);
  });

  it('a metric held for N seconds reads the time series, counting only whole seconds since the step began', () => {
    const t = new GoalTracker([check({ check: 'metric', path: 'latencyMs.p95', op: '<', value: 20, for: '3s', why: 'w' })]);
    const series = [{ p95Ms: 50 }, { p95Ms: 10 }, { p95Ms: 12 }, { p95Ms: 11 }];
    expect(t.update(ctx({ report: report(series.slice(0, 3)), now: 3 }))[0].met).toBe(false);
    expect(t.update(ctx({ report: report(series), now: 4 }))[0]).toMatchObject({ met: true, label: 'latencyMs.p95 < 20 for 3 s' });
    // the same seconds, but the step began at 2 s: only 2 of them count
    expect(new GoalTracker(t.checks).update(ctx({ report: report(series), now: 4, since: 2 }))[0].met).toBe(false);
  });

  it('an increase over N seconds needs N seconds of watching, and then compares the growth', () => {
    const t = new GoalTracker([check({ check: 'increase', path: 'errors.too_many_connections', op: '==', value: 0, over: '2s', why: 'w' })]);
    const at = (now: number, n: number) => t.update(ctx({ report: report([], { errors: n ? { too_many_connections: n } : {} }), now }))[0];
    expect(at(0, 0).met).toBe(false); // not watched long enough
    expect(at(1, 3).met).toBe(false);
    expect(at(2, 3).met).toBe(false); // +3 since 0 s
    expect(at(3, 3).met).toBe(true); // +0 since 1 s
    expect(at(4, 4).met).toBe(false);
    expect(at(1, 0).met).toBe(false); // time went back: a reloaded sim, watching starts again
  });

  it('console: a matching statement on the node since the step began, without error, with enough rows', () => {
    const c = check({ check: 'console', node: 'primary', matches: 'from\\s+pg_stat_activity', why: 'w' });
    const rec = (o: object) => ({ at: 5e6, node: 'primary', query: 'SELECT count(*) FROM pg_stat_activity', columns: ['count'], rowCount: 1, ...o });
    const t = new GoalTracker([c]);
    expect(t.update(ctx({ console: [rec({ node: 'replica1' })], now: 6 }))[0].detail).toBe('not run yet');
    expect(t.update(ctx({ console: [rec({ rowCount: 0 })], now: 6 }))[0].detail).toBe('it returned 0 rows');
    expect(t.update(ctx({ console: [rec({ error: 'syntax_error' })], now: 6 }))[0].detail).toBe('it failed: syntax_error');
    expect(t.update(ctx({ console: [rec({})], now: 6, since: 6 }))[0].met).toBe(false);
    expect(t.update(ctx({ console: [rec({})], now: 6 }))[0].met).toBe(true);
  });

  it('SHOW POOLS columns come from the pgbouncer node snapshot; settings from the topology', () => {
    const pools = new GoalTracker([check({ check: 'pools', node: 'pgbouncer', column: 'cl_waiting', op: '==', value: 0, for: '2s', why: 'w' })]);
    const snap = (clw: number) => ({ time: 0, completed: 0, failed: 0, inFlight: [], events: [], nodes: [{ id: 'pgbouncer', kind: 'pgbouncer', status: 'up' as const, queries: 0, errors: 0, queriesPerSecond: 0, cpuUtilization: 0, connections: 0, cl_waiting: clw }] });
    expect(pools.update(ctx({ snapshot: snap(0), now: 1 }))[0].met).toBe(false);
    expect(pools.update(ctx({ snapshot: snap(0), now: 3 }))[0].met).toBe(true);
    expect(pools.update(ctx({ snapshot: snap(4), now: 4 }))[0]).toMatchObject({ met: false, detail: 'cl_waiting = 4; held 0 s of 2 s' });
    const setting = check({ check: 'setting', node: 'app', name: 'read_policy', op: 'in', value: ['read-your-writes', 'lag-aware'], why: 'w' });
    expect(describeCheck(setting)).toBe('app.read_policy in read-your-writes, lag-aware');
    expect(new GoalTracker([setting]).update(ctx({}))[0]).toMatchObject({ met: false, detail: 'read_policy = random' });
  });

  it('a figure that reached its target by itself is not met until its requirement (the change taught) holds too', () => {
    const t = new GoalTracker([
      check({
        check: 'metric',
        path: 'latencyMs.p95',
        op: '<',
        value: 130,
        requires: [{ check: 'count', nodes: { role: 'replica' }, op: '>=', value: 2, label: 'two replicas', why: 'w' }],
        why: 'w',
      }),
    ]);
    const fast = report([{ p95Ms: 90 }]);
    const r = t.update(ctx({ report: fast, now: 1 }))[0];
    expect(r).toMatchObject({ met: false, detail: 'latencyMs.p95 = 90, but not yet: two replicas (1 now)' });
    const more = scenarioAfter(scenario(), [
      { do: 'addNode', id: 'replica2', kind: 'postgres', settings: {} },
      { do: 'addEdge', from: 'primary', to: 'replica2' },
    ]);
    if (!more.ok) throw new Error(more.message);
    expect(t.update(ctx({ scenario: more.scenario, report: fast, now: 2 }))[0].met).toBe(true);
    expect(t.update(ctx({ scenario: more.scenario, report: report([{ p95Ms: 200 }]), now: 3 }))[0].met).toBe(false);
  });

  it('a reached goal keeps the results that reached it: no unmet check under "Goal reached"', () => {
    const met = [{ met: true, label: 'a', detail: 'ok', why: 'w' }];
    const unmet = [{ met: false, label: 'a', detail: '+1 in the last 10 s', why: 'w' }];
    const reached = settleGoal({ done: false, results: [] }, met);
    expect(reached).toEqual({ done: true, results: met });
    expect(settleGoal(reached, unmet)).toEqual({ done: true, results: met });
    expect(settleGoal({ done: false, results: met }, unmet)).toEqual({ done: false, results: unmet });
  });

  it('sharding: the busiest shard\'s share of each second\'s statements, held over whole seconds; the strategy check reads the map in force', () => {
    expect(hottestShare({ shard1: 25, shard2: 75 })).toBe(0.75);
    expect(hottestShare({ shard1: 0, shard2: 0 })).toBeUndefined();
    const shards: Record<string, number>[] = [{ shard1: 20, shard2: 80 }, { shard1: 48, shard2: 52 }, {}, { shard1: 55, shard2: 45 }];
    const sharded = (strategy: string) =>
      report(
        shards.map(() => ({ p95Ms: 1 })),
        { sharding: { strategy, shards: {}, scatterQueries: 0, crossShardErrors: 0, unmergeableErrors: 0 } },
      );
    const r = sharded('hash_partition');
    r.timeSeries.forEach((b, i) => void (b.shards = shards[i]));
    expect(seriesOf(r, 'sharding.hottestShare')).toEqual([
      [0, 0.8],
      [1, 0.52],
      [3, 0.55],
    ]);
    const skew = check({
      check: 'metric',
      path: 'sharding.hottestShare',
      op: '<',
      value: 0.6,
      for: '2s',
      requires: [{ check: 'shardStrategy', op: 'in', value: ['hash_partition', 'modulo'], why: 'w' }],
      why: 'w',
    });
    expect(new GoalTracker([skew]).update(ctx({ report: r, now: 4 }))[0]).toMatchObject({ met: true, detail: 'sharding.hottestShare = 0.55 in the last second' });
    // one second fewer: the skewed second 0 is inside the window
    expect(new GoalTracker([skew]).update(ctx({ report: r, now: 2 }))[0].met).toBe(false);
    const range = sharded('range');
    range.timeSeries.forEach((b, i) => void (b.shards = shards[i]));
    expect(new GoalTracker([skew]).update(ctx({ report: range, now: 4 }))[0]).toMatchObject({ met: false, detail: expect.stringContaining('strategy = range') });
    expect(describeCheck(check({ check: 'shardStrategy', op: '==', value: 'modulo', why: 'w' }))).toBe("the shard map's strategy = modulo");
  });

  it('setShardStrategy edits the shard map before a run, validated; a scenario without one refuses it', () => {
    const sharded = parseScenario({
      nodes: [
        { id: 'app', kind: 'app' },
        { id: 's1', kind: 'postgres' },
        { id: 's2', kind: 'postgres' },
      ],
      edges: [
        { from: 'app', to: 's1' },
        { from: 'app', to: 's2' },
      ],
      sharding: { tables: [{ table: 'users', column: 'id' }], key_type: 'bigint', shards: ['s1', 's2'], strategy: { kind: 'modulo' } },
    });
    if (!sharded.ok) throw new Error(JSON.stringify(sharded.issues));
    const r = scenarioAfter(sharded.scenario, [{ do: 'setShardStrategy', strategy: { kind: 'virtual_shards' } }]);
    expect(r.ok && r.scenario.sharding?.strategy).toEqual({ kind: 'virtual_shards', shard_count: 32 });
    const bad = scenarioAfter(sharded.scenario, [{ do: 'setShardStrategy', strategy: { kind: 'range', boundaries: [] } }]);
    expect(bad).toMatchObject({ ok: false, message: expect.stringContaining('2 shards need 1 boundaries') });
    expect(scenarioAfter(scenario(), [{ do: 'setShardStrategy', strategy: { kind: 'modulo' } }])).toMatchObject({ ok: false, message: expect.stringContaining('not sharded') });
  });
});
