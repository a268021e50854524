/**
 * The seed's CacheService (L1 + L2) replayed step by step, its invariants as properties, and the app's
 * cache-aside step in a running simulation (stand-in engine: what matters is who sees the reads).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CacheService, L1_MAX_TTL_MS, type L2Client } from '../../sim/caching/CacheService.ts';
import { L1 } from '../../sim/caching/L1.ts';
import type { RedisSnapshot } from '../../sim/nodes/redis/RedisNode.ts';
import type { OperationSpec } from '../../sim/workload/schema.ts';
import { standInEngineFactory } from '../../sim/engine/StandInEngine.ts';
import { buildReport } from '../../sim/index.ts';
import { scenarioFile, startSim } from './harness.ts';
import { TestSim } from './TestSim.ts';

/** An L2 that answers at once: a map of values with their expiry (ms), and the calls it got. */
class FakeRedis implements L2Client {
  readonly data = new Map<string, { v: string; exp: number }>();
  readonly calls: string[] = [];
  constructor(private readonly now: () => number) {}
  get(key: string, _tag: unknown, done: (v: string | undefined) => void): void {
    this.calls.push(`GET ${key}`);
    const e = this.data.get(key);
    done(e && e.exp > this.now() ? e.v : undefined);
  }
  set(key: string, value: string, ttlMs: number, _tag: unknown, done: () => void): void {
    this.calls.push(`SET ${key} PX ${ttlMs}`);
    this.data.set(key, { v: value, exp: this.now() + ttlMs });
    done();
  }
  del(keys: readonly string[], _tag: unknown, done: () => void): void {
    this.calls.push(`DEL ${keys.join(' ')}`);
    for (const k of keys) this.data.delete(k);
    done();
  }
}

function service(l1 = new L1()) {
  const clock = { ms: 0 };
  const l2 = new FakeRedis(() => clock.ms);
  const svc = new CacheService(l1, l2, () => clock.ms);
  const get = (key: string) => {
    let out: string | undefined = 'pending';
    svc.get(key, undefined, (hit) => (out = hit ? `${hit.level}:${hit.data}` : 'null'));
    return out;
  };
  const set = (key: string, v: string, ttl: number) => svc.set(key, v, ttl, undefined, () => {});
  return { clock, l1, l2, svc, get, set };
}

describe("the seed's CacheService", () => {
  it('replays the seed step by step: L1 min(ttl, 60 s), L2 with PX ttl, an L2 hit copied into L1 for 60 s', () => {
    const c = service();
    const steps: [number, () => unknown, unknown][] = [
      [0, () => c.get('user:1'), 'null'],
      [0, () => c.set('user:1', 'ada', 300_000), undefined],
      [59_999, () => c.get('user:1'), 'l1:ada'], // L1 kept it min(300 s, 60 s)
      [60_000, () => c.get('user:1'), 'l2:ada'], // exp > now fails at 60 s: Redis answers, and L1 is refilled
      [119_999, () => c.get('user:1'), 'l1:ada'],
      [120_000, () => c.get('user:1'), 'l2:ada'],
      [0, () => c.set('user:2', 'bob', 10_000), undefined],
    ];
    for (const [ms, step, expected] of steps) {
      c.clock.ms = Math.max(c.clock.ms, ms);
      expect(step()).toBe(expected);
    }
    expect(c.l2.calls).toEqual(['GET user:1', 'SET user:1 PX 300000', 'GET user:1', 'GET user:1', 'SET user:2 PX 10000']);
    // an L2 hit fills L1 for 60 s even when Redis' copy expires sooner, as the seed does
    c.clock.ms = 125_000; // user:2 expires in Redis at 130 s
    c.l1.delete('user:2');
    expect(c.get('user:2')).toBe('l2:bob');
    c.clock.ms = 170_000;
    expect(c.get('user:2')).toBe('l1:bob');
    expect(c.svc.counters).toEqual({ l1Hits: 3, l1Misses: 4, l2Hits: 3, l2Misses: 1, l2Errors: 0 });
  });

  it('never keeps an L1 entry past 60 s, and an L2 hit always fills L1 (property)', () => {
    const op = fc.oneof(
      fc.record({ t: fc.constant('set' as const), key: fc.integer({ min: 0, max: 3 }), ttl: fc.integer({ min: 1, max: 600_000 }) }),
      fc.record({ t: fc.constant('get' as const), key: fc.integer({ min: 0, max: 3 }) }),
      fc.record({ t: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 90_000 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const c = service();
        const l1SetAt = new Map<string, number>();
        for (const o of ops) {
          if (o.t === 'wait') c.clock.ms += o.ms;
          else if (o.t === 'set') {
            c.set(`k${o.key}`, 'v', o.ttl);
            l1SetAt.set(`k${o.key}`, c.clock.ms);
          } else {
            const r = c.get(`k${o.key}`);
            if (r.startsWith('l1:')) expect(c.clock.ms - l1SetAt.get(`k${o.key}`)!).toBeLessThan(L1_MAX_TTL_MS);
            if (r.startsWith('l2:')) {
              l1SetAt.set(`k${o.key}`, c.clock.ms);
              expect(c.l1.get(`k${o.key}`, c.clock.ms)?.exp).toBe(c.clock.ms + L1_MAX_TTL_MS);
            }
          }
        }
      }),
    );
  });

  it('delete-on-write: after invalidate the next read is a miss of both levels', () => {
    const c = service();
    c.set('user:1', 'ada', 30_000);
    expect(c.get('user:1')).toBe('l1:ada');
    c.svc.invalidate(['user:1'], undefined, () => {});
    expect(c.get('user:1')).toBe('null');
    expect(c.l2.calls.slice(-2)).toEqual(['DEL user:1', 'GET user:1']);
  });

  it('bounds L1 by keys, least recently used out first', () => {
    const l1 = new L1(2);
    l1.set('a', '1', 1000);
    l1.set('b', '2', 1000);
    l1.get('a', 0);
    l1.set('c', '3', 1000);
    expect([l1.get('a', 0)?.data, l1.get('b', 0)?.data, l1.get('c', 0)?.data]).toEqual(['1', undefined, '3']);
    expect([l1.evictions, l1.size, l1.bytes]).toEqual([1, 2, 2]);
    l1.get('c', 1000);
    expect([l1.expired, l1.size, l1.bytes]).toEqual([1, 1, 1]);
  });

  it("a Redis error: the seed's get and set fail with it; suppressL2Errors makes it a miss and ignores it", () => {
    const down: L2Client = {
      get: (_k, _t, done) => done(undefined, 'Connection is closed.'),
      set: (_k, _v, _ttl, _t, done) => done('Connection is closed.'),
      del: (_k, _t, done) => done('Connection is closed.'),
    };
    for (const suppress of [false, true]) {
      const svc = new CacheService(new L1(), down, () => 0, undefined, suppress);
      const out: unknown[] = [];
      svc.get('user:1', undefined, (hit, error) => out.push(hit, error));
      svc.set('user:1', 'ada', 1000, undefined, (error) => out.push(error));
      svc.invalidate(['user:1'], undefined, (error) => out.push(error));
      const e = suppress ? undefined : 'Connection is closed.';
      expect(out).toEqual([undefined, e, e, e]);
      expect(svc.counters.l2Errors).toBe(3);
    }
  });

  it('write-through sets both levels, then the bus tells the other instances', () => {
    const c = service();
    const published: string[][] = [];
    const svc = new CacheService(c.l1, c.l2, () => c.clock.ms, {
      publish: (keys, _t, done) => {
        published.push([...keys]);
        done();
      },
    });
    svc.writeThrough('user:1', 'grace', 30_000, undefined, () => {});
    expect(c.get('user:1')).toBe('l1:grace');
    expect(c.l2.calls).toEqual(['SET user:1 PX 30000']);
    expect(published).toEqual([['user:1']]);
  });
});

const GET_USER: OperationSpec = {
  name: 'get_user',
  weight: 9,
  sql: 'SELECT id, email, name, region FROM users WHERE id = $1',
  params: [{ dist: 'zipf', min: 1, max: 1000, s: 1 }],
};
const RENAME_USER: OperationSpec = {
  name: 'rename_user',
  weight: 1,
  sql: 'UPDATE users SET name = $2 WHERE id = $1',
  params: [
    { dist: 'zipf', min: 1, max: 1000, s: 1 },
    { dist: 'list', values: ['x'] },
  ],
};

async function run(operations: OperationSpec[], app: Record<string, unknown> = {}, topology = 'app -> redis, app -> primary') {
  const t = await TestSim.start(topology, { workload: { clients: 20, think_time: '5ms', operations }, settings: { app: { instances: 2, ...app } } });
  await t.advance('3s');
  return t.report();
}

interface AppCacheBlock {
  l1: { hits: number; misses: number };
  l2: { hits: number; misses: number };
  readsSpared: number;
  readsFromDatabase: number;
  invalidations: number;
  latencyMsBySource: Record<'l1' | 'l2' | 'db' | 'wait', { count: number; p50: number }>;
}

describe("the app's cache-aside step", () => {
  it('a cached read does not reach the primary: its queries drop against the same run without cache', async () => {
    const plain = await run([GET_USER]);
    const cached = await run([{ ...GET_USER, cache: { key: 'user:{$1}', ttl: '30s', value_bytes: 200 } }]);
    expect(plain.nodes.app.cache).toBeUndefined();
    const c = cached.nodes.app.cache as AppCacheBlock;
    expect(c.readsFromDatabase).toBe(cached.nodes.primary.queries);
    expect(c.readsSpared + c.readsFromDatabase).toBe(cached.completed);
    expect(cached.nodes.primary.queries).toBeLessThan(plain.nodes.primary.queries / 3);
    // every L1 miss asked Redis; the misses of both went to the database
    expect(c.l2.hits + c.l2.misses).toBe(c.l1.misses);
    expect(c.l2.misses).toBe(c.readsFromDatabase);
    const redis = cached.nodes.redis.cache as { keyspace_hits: number; keyspace_misses: number; keys: number };
    expect([redis.keyspace_hits, redis.keyspace_misses]).toEqual([c.l2.hits, c.l2.misses]);
    // an L1 hit answers at the app, an L2 hit after one round trip to Redis, a miss after the database and the fill
    const l = c.latencyMsBySource;
    expect(l.l1.p50).toBeLessThan(l.l2.p50);
    expect(l.l2.p50).toBeLessThan(l.db.p50);
  });

  it('with L1 off, every cached read asks Redis', async () => {
    const r = await run([{ ...GET_USER, cache: { key: 'user:{$1}', ttl: '30s', value_bytes: 200 } }], { cache_l1: 'off' });
    const c = r.nodes.app.cache as AppCacheBlock;
    expect(c.l1.hits + c.l1.misses).toBe(0);
    expect(c.l2.hits + c.l2.misses).toBe(r.completed);
  });

  it('delete-on-write sends more reads to the database than TTL only; pub/sub empties the other instances too', async () => {
    const ops = [{ ...GET_USER, cache: { key: 'user:{$1}', ttl: '30s', value_bytes: 200 } }, { ...RENAME_USER, invalidates: ['user:{$1}'] }];
    const ttl = (await run(ops)).nodes.app.cache as AppCacheBlock;
    const del = (await run(ops, { cache_strategy: 'delete-on-write' })).nodes.app.cache as AppCacheBlock;
    const bus = (await run(ops, { cache_strategy: 'delete-on-write', cache_l1_invalidation: 'pubsub' })).nodes.app.cache as AppCacheBlock;
    expect(ttl.invalidations).toBe(0);
    expect(del.invalidations).toBeGreaterThan(0);
    expect(del.readsFromDatabase).toBeGreaterThan(ttl.readsFromDatabase);
    // the bus drops the other instance's L1 copy as well: fewer L1 hits, more L2 lookups
    expect(bus.l1.hits / (bus.l1.hits + bus.l1.misses)).toBeLessThan(del.l1.hits / (del.l1.hits + del.l1.misses));
  });

  it('single flight: when a hot key expires, one load per instance instead of a stampede', async () => {
    const hot = { ...GET_USER, params: [{ dist: 'list' as const, values: [1] }], cache: { key: 'user:{$1}', ttl: '20ms', value_bytes: 200 } };
    const app = { cache_l1: 'off', pool_size: 50 };
    const stampede = (await run([hot], app)).nodes.app.cache as AppCacheBlock;
    const single = (await run([hot], { ...app, cache_single_flight: 'on' })).nodes.app.cache as AppCacheBlock;
    expect(stampede.latencyMsBySource.wait.count).toBe(0);
    expect(single.latencyMsBySource.wait.count).toBeGreaterThan(0);
    // 3 s of a key expiring every 20 ms, two instances: about one load per instance per expiry
    expect(single.readsFromDatabase).toBeLessThanOrEqual(2 * Math.ceil(3000 / 20) + 2);
    expect(stampede.readsFromDatabase).toBeGreaterThan(single.readsFromDatabase * 2);
  });

  it('a hot redis is one thread: many cached reads saturate it', async () => {
    const t = await TestSim.start('app -> redis, app -> primary', {
      workload: { clients: 500, think_time: '0ms', operations: [{ ...GET_USER, cache: { key: 'user:{$1}', ttl: '30s', value_bytes: 200 } }] },
      settings: { app: { instances: 4, cache_l1: 'off' } },
    });
    await t.advance('2s');
    const redis = t.node<RedisSnapshot>('redis');
    expect(redis.cpuUtilization).toBeGreaterThan(0.95);
    expect(redis.queriesPerSecond).toBeLessThan(110_000);
  });
});

describe('lessons/scenarios/cache.json', () => {
  it('runs: the primary sees the reads the cache did not answer, and the writes', async () => {
    const sim = await startSim(scenarioFile('cache.json'), { engines: standInEngineFactory() });
    await sim.runUntil(3e6);
    const r = buildReport(sim, [], 0);
    const c = r.nodes.app.cache as AppCacheBlock;
    expect(c.readsSpared).toBeGreaterThan(0);
    expect(c.invalidations).toBeGreaterThan(0);
    // every request reached the primary but the cached reads (plus, at the cut, some of the 40 clients'
    // statements done whose request is still filling the cache or invalidating)
    expect(r.nodes.primary.queries).toBeGreaterThanOrEqual(r.completed - c.readsSpared);
    expect(r.nodes.primary.queries).toBeLessThanOrEqual(r.completed - c.readsSpared + 40);
  });
});
