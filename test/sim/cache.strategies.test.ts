/**
 * The app's cache beyond the seed: stale cached reads by level and why, write-through, grace periods
 * (stale-while-revalidate) against a stampede, a Redis that dies, and the figures of the report's
 * `cache` block (stand-in engine: the write log and the versions come from the model, not the rows).
 */
import { describe, expect, it } from 'vitest';
import type { StaleCacheSample } from '../../sim/nodes/app/cacheStale.ts';
import type { AppSnapshot } from '../../sim/nodes/app/AppNode.ts';
import type { OperationSpec } from '../../sim/workload/schema.ts';
import { TestSim } from './TestSim.ts';

const GET_USER: OperationSpec = {
  name: 'get_user',
  weight: 8,
  sql: 'SELECT id, email, name, region FROM users WHERE id = $1',
  params: [{ dist: 'zipf', min: 1, max: 200, s: 1 }],
  cache: { key: 'user:{$1}', ttl: '30s', value_bytes: 200 },
};
const RENAME_USER: OperationSpec = {
  name: 'rename_user',
  weight: 2,
  sql: 'UPDATE users SET name = $2 WHERE id = $1',
  params: [
    { dist: 'zipf', min: 1, max: 200, s: 1 },
    { dist: 'list', values: ['x'] },
  ],
  invalidates: ['user:{$1}'],
};

interface LevelStale {
  reads: number;
  staleReads: number;
}
interface CacheBlock {
  l1: { hits: number; misses: number; keys: number; evictions: number; expired: number };
  l2: { hits: number; misses: number; errors: number; usedMemory: number; keys: number };
  readsSpared: number;
  readsFromDatabase: number;
  graceHits: number;
  refreshes: number;
  latencyMsBySource: Record<'l1' | 'l2' | 'db' | 'wait', { count: number }>;
  stale: { l1: LevelStale; l2: LevelStale; why: Record<StaleCacheSample['why'], number> };
  staleSamples: StaleCacheSample[];
}

async function start(app: Record<string, unknown>, operations: OperationSpec[] = [GET_USER, RENAME_USER], topology = 'app -> redis, app -> primary') {
  return TestSim.start(topology, { workload: { clients: 20, think_time: '5ms', operations }, settings: { app: { instances: 2, ...app } } });
}

async function run(app: Record<string, unknown>, operations?: OperationSpec[], topology?: string) {
  const t = await start(app, operations, topology);
  await t.advance('3s');
  return { report: t.report(), cache: t.report().nodes.app.cache as CacheBlock };
}

const stale = (c: CacheBlock) => c.stale.l1.staleReads + c.stale.l2.staleReads;

describe('stale cached reads, by level', () => {
  it("ttl only: renames leave old values in both levels until their TTL, and each stale read says what it missed", async () => {
    const { cache: c } = await run({});
    expect(c.stale.l1.reads).toBe(c.l1.hits);
    expect(c.stale.l2.reads).toBe(c.l2.hits);
    expect(c.stale.l1.staleReads).toBeGreaterThan(50);
    expect(c.stale.l2.staleReads).toBeGreaterThan(0);
    expect(c.stale.why.ttl).toBe(stale(c));
    const s = c.staleSamples.at(-1)!;
    expect(s.key).toBe(`user:${s.params[0]}`);
    expect(s.missed.op).toBe('rename_user');
    expect(s.missed.params[0]).toBe(s.params[0]);
    expect(s.readPosition).toBeLessThan(s.primaryPosition);
    expect(s.missed.committedAt).toBeLessThanOrEqual(s.at);
    expect(s.staleMs).toBeCloseTo((s.at - s.missed.committedAt) * 1000, 3);
    expect(s.storedAt).toBeLessThan(s.missed.committedAt);
  });

  it('delete-on-write empties Redis and its own L1; the other instance keeps its L1 copy until pub/sub tells it', async () => {
    const ttl = (await run({})).cache;
    const del = (await run({ cache_strategy: 'delete-on-write' })).cache;
    const bus = (await run({ cache_strategy: 'delete-on-write', cache_l1_invalidation: 'pubsub' })).cache;
    // what is left in Redis is cache-aside's race (a load that read before a write stored after its DEL) and DELs on their way
    expect(del.stale.l2.staleReads).toBeLessThan(ttl.stale.l2.staleReads / 2);
    expect(del.stale.why.ttl + del.stale.why['not-invalidated'] + del.stale.why.grace).toBe(0);
    // without a bus most L1 stale reads are the other instance's copies; the bus removes them
    expect(del.stale.why['other-instance-l1']).toBeGreaterThan(stale(del) / 2);
    expect(bus.stale.l1.staleReads).toBeLessThan(del.stale.l1.staleReads / 3);
    expect(bus.stale.why['other-instance-l1']).toBe(0);
  });

  it('a write that declares no invalidation of the key is named as the reason', async () => {
    const { cache: c } = await run({ cache_strategy: 'delete-on-write', cache_l1_invalidation: 'pubsub' }, [GET_USER, { ...RENAME_USER, invalidates: ['profile:{$1}'] }]);
    expect(stale(c)).toBeGreaterThan(0);
    expect(c.stale.why['not-invalidated']).toBe(stale(c));
  });

  it('a cached value read from a replica is checked against the primary it replicates', async () => {
    const { cache: c } = await run({ read_policy: 'random' }, undefined, 'app -> redis, app -> primary, primary -> replica, app -> replica');
    expect(c.stale.l1.staleReads).toBeGreaterThan(0);
    expect(c.staleSamples.every((s) => s.primary === 'primary')).toBe(true);
  });

  it('the live snapshot carries the same figures for the app (charts, stale-reads panel)', async () => {
    const t = await start({});
    await t.advance('2s');
    const snap = t.node<AppSnapshot>('app').cache!;
    const c = t.report().nodes.app.cache as CacheBlock;
    expect([snap.l1Hits, snap.l2Hits, snap.readsFromDatabase, snap.staleL1, snap.staleL2]).toEqual([
      c.l1.hits,
      c.l2.hits,
      c.readsFromDatabase,
      c.stale.l1.staleReads,
      c.stale.l2.staleReads,
    ]);
    expect(snap.staleSamples.length).toBeGreaterThan(0);
  });
});

describe('write-through', () => {
  it('a write sets the new value: fewer database reads than delete-on-write; what is stale is a race or a SET on its way', async () => {
    const del = (await run({ cache_strategy: 'delete-on-write', cache_l1_invalidation: 'pubsub' })).cache;
    const wt = (await run({ cache_strategy: 'write-through', cache_l1_invalidation: 'pubsub' })).cache;
    expect(wt.readsFromDatabase).toBeLessThan(del.readsFromDatabase * 0.8);
    expect(wt.l2.hits).toBeGreaterThan(del.l2.hits);
    expect(wt.stale.why.race + wt.stale.why['invalidation-in-flight']).toBe(stale(wt));
  });
});

describe('grace periods (stale-while-revalidate)', () => {
  const hot: OperationSpec = { ...GET_USER, params: [{ dist: 'list', values: [1] }], cache: { key: 'user:{$1}', ttl: '20ms', value_bytes: 200 } };
  it('a hot key past its TTL is served at once while one background load refreshes it: no stampede, nobody waits', async () => {
    const app = { cache_l1: 'off', pool_size: 50 };
    const stampede = (await run(app, [hot])).cache;
    const grace = (await run({ ...app, cache_grace: '10s' }, [hot])).cache;
    expect(grace.graceHits).toBeGreaterThan(0);
    // one refresh per expiry per instance at most, started by a request that did not wait for it
    expect(grace.refreshes).toBeLessThanOrEqual(2 * Math.ceil(3000 / 20) + 2);
    // the database saw the cold start's misses (at most one per client) and then only the refreshes
    expect(grace.readsFromDatabase).toBeLessThanOrEqual(20);
    expect(stampede.readsFromDatabase).toBeGreaterThan((grace.refreshes + grace.readsFromDatabase) * 2);
    expect(grace.latencyMsBySource.wait.count).toBe(0);
  });

  it('a graced value that changed is a stale read, and says so', async () => {
    const { cache: c } = await run({ cache_l1: 'off', cache_grace: '10s', cache_strategy: 'delete-on-write' }, [
      { ...hot, weight: 20 },
      { ...RENAME_USER, params: [{ dist: 'list', values: [1] }, { dist: 'list', values: ['x'] }], invalidates: [] },
    ]);
    expect(c.stale.why.grace).toBeGreaterThan(0);
  });
});

describe('a Redis that dies', () => {
  it('suppressL2Errors on: every request still succeeds, from the database, and hits come back after a restart', async () => {
    const t = await start({ cache_l1: 'off' });
    await t.advance('1s');
    await t.sim.apply({ do: 'fault', fault: { kind: 'kill', node: 'redis' } });
    const atKill = t.report().nodes.app.cache as CacheBlock;
    await t.advance('1s');
    const down = t.report();
    const c = down.nodes.app.cache as CacheBlock;
    expect(down.failed).toBe(0);
    expect(c.l2.errors).toBeGreaterThan(0);
    expect(c.l2.hits).toBe(atKill.l2.hits);
    await t.sim.apply({ do: 'fault', fault: { kind: 'start', node: 'redis' } });
    await t.advance('1s');
    const up = t.report().nodes.app.cache as CacheBlock;
    expect(up.l2.hits).toBeGreaterThan(c.l2.hits);
    expect(t.events('node-killed').map((e) => e.node)).toEqual(['redis']);
  });

  it("the seed's CacheService (suppressL2Errors off) fails the requests while Redis is down", async () => {
    const t = await start({ cache_l1: 'off', cache_suppress_l2_errors: 'off' });
    await t.advance('500ms');
    await t.sim.apply({ do: 'fault', fault: { kind: 'stop', node: 'redis' } });
    await t.advance('500ms');
    const r = t.report();
    expect(r.errors.cache_error).toBeGreaterThan(0);
    // SHUTDOWN saved the keys: after a start they are hits again
    await t.sim.apply({ do: 'fault', fault: { kind: 'start', node: 'redis' } });
    await t.advance('200ms');
    expect(((t.report().nodes.redis.cache as { keys: number }).keys)).toBeGreaterThan(0);
  });
});

describe("the report's cache figures", () => {
  it('per level: what L1 holds, evicts and expires; what Redis holds in memory', async () => {
    const { cache: c } = await run({ cache_l1_max_keys: 20 }, [{ ...GET_USER, cache: { key: 'user:{$1}', ttl: '200ms', value_bytes: 200 } }]);
    expect(c.l1.keys).toBeLessThanOrEqual(40);
    expect(c.l1.evictions).toBeGreaterThan(0);
    expect(c.l1.expired).toBeGreaterThan(0);
    expect(c.l2.usedMemory).toBeGreaterThan(c.l2.keys * 200);
  });
});
