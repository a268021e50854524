/** The `redis` node: one thread charging each command's service time, the cron, its console and figures. */
import { describe, expect, it } from 'vitest';

import type { RedisNode, RedisSnapshot } from '../../sim/nodes/redis/RedisNode.ts';
import type { Connection } from '../../sim/nodes/types.ts';
import { TestSim } from './TestSim.ts';

/** `clients` connections each sending GETs back to back (no network: the node's own queue) for `seconds`. */
async function closedLoop(clients: number, seconds: string): Promise<{ t: TestSim; done: number }> {
  const t = await TestSim.start('app -> redis', { workload: { clients: 0 } });
  const redis = t.sim.nodes.get('redis') as RedisNode;
  let done = 0;
  for (let c = 0; c < clients; c++) {
    let conn: Connection | undefined;
    redis.connect({ app: 'app', instance: 0, applicationName: 'bench' }, (r) => {
      if ('conn' in r) conn = r.conn;
    });
    const loop = () => redis.execute(conn!, { argv: ['GET', `k${c}`] }, () => {
        done++;
        loop();
      });
    loop();
  }
  await t.advance(seconds);
  return { t, done };
}

describe('redis node', () => {
  it('runs one command at a time: throughput is capped by its thread, whatever the clients', async () => {
    const one = await closedLoop(1, '1s');
    const many = await closedLoop(200, '1s');
    // a GET costs the read event's I/O (8.7 µs) plus ~0.6 µs of command: ~107k a second on one core
    expect(one.done).toBeGreaterThan(100_000);
    expect(one.done).toBeLessThan(110_000);
    expect(Math.abs(many.done - one.done)).toBeLessThan(one.done * 0.01);
    const snap = many.t.node<RedisSnapshot>('redis');
    expect(snap.cpuUtilization).toBeGreaterThan(0.98);
    expect(many.t.report().nodes.redis.queries).toBe(many.done + 0);
  });

  it('speaks Redis on its console, and its settings are CONFIG SET', async () => {
    const t = await TestSim.start('app -> redis', { workload: { clients: 0 }, settings: { redis: { 'maxmemory-policy': 'allkeys-lru', hz: 20 } } });
    const lines = async (q: string) => (await t.sql('redis', q)).rows.map((r) => r[0]);
    expect(await lines('SET user:42 "Ada Lovelace" EX 30')).toEqual(['OK']);
    expect(await lines('GET user:42')).toEqual(['"Ada Lovelace"']);
    expect(await lines('TTL user:42')).toEqual(['(integer) 30']);
    expect(await lines('CONFIG GET maxmemory-policy')).toEqual(['1) "maxmemory-policy"', '2) "allkeys-lru"']);
    expect(await lines('CONFIG GET hz')).toEqual(['1) "hz"', '2) "20"']);
    await t.sim.apply({ do: 'setNodeSetting', node: 'redis', name: 'maxmemory', value: '1mb' });
    expect(await lines('CONFIG GET maxmemory')).toEqual(['1) "maxmemory"', '2) "1048576"']);
    expect(await lines('INFO stats')).toContain('keyspace_hits:2');
    expect(await lines('FOO')).toEqual(["(error) ERR unknown command 'FOO', with args beginning with: "]);
  });

  it('runs each console line as one redis-cli: a SUBSCRIBE ends with its line', async () => {
    const t = await TestSim.start('app -> redis', { workload: { clients: 0 } });
    const lines = async (q: string) => (await t.sql('redis', q)).rows.map((r) => r[0]);
    expect(await lines('SUBSCRIBE news')).toEqual(['1) "subscribe"', '2) "news"', '3) (integer) 1']);
    expect(await lines('SET k v')).toEqual(['OK']);
    expect(await lines('INFO stats')).toContain('pubsub_channels:0');
  });

  it('expires keys in the background, hz times a second (the active expire cycle)', async () => {
    const t = await TestSim.start('app -> redis', { workload: { clients: 0 } });
    for (let i = 0; i < 100; i++) await t.sql('redis', `SET k${i} v PX 500`);
    expect(t.node<RedisSnapshot>('redis').keys).toBe(100);
    await t.advance('2s');
    const s = t.node<RedisSnapshot>('redis');
    expect(s.keys).toBe(0);
    expect(s.expiredKeys).toBe(100);
    expect((t.report().nodes.redis as unknown as { cache: { expired_keys: number } }).cache.expired_keys).toBe(100);
  });
});


