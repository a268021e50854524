/**
 * The Redis model against what Redis documents and its source does: replies and errors, TTLs, lazy
 * and active expiry, memory, the eight maxmemory policies, INFO and CONFIG; property tests for
 * determinism and the keyspace's invariants.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../sim/core/rng.ts';
import { EvictionPool, lfuCounter, lfuInit, lfuTouch } from '../../sim/caching/redis/evict.ts';
import { jemallocSize, LATENCY_HISTOGRAM_BYTES, REDIS_BASE_USED_MEMORY } from '../../sim/caching/redis/memory.ts';
import { array, bulk, formatReply, integer, NIL } from '../../sim/caching/redis/reply.ts';
import { REDIS_IO_US_PER_READ, redisCommandCpuUs } from '../../sim/caching/redis/serviceTime.ts';
import { ModelCli, TEST_EPOCH_MS } from './redisCli.ts';

/** Runs [ms, command, what redis-cli prints] steps in order. */
function replay(cli: ModelCli, steps: [number, string, string][]): void {
  for (const [ms, line, expected] of steps) {
    cli.ms = ms;
    expect(`${line} -> ${cli.run(line)}`).toBe(`${line} -> ${expected}`);
  }
}

const OOM = "(error) OOM command not allowed when used memory > 'maxmemory'.";
const key = (i: number) => `key:${String(i).padStart(6, '0')}`;
/** Bytes of the latency histograms of `n` command names run (Redis 7 allocates one at a command's first run). */
const hist = (n: number) => n * LATENCY_HISTOGRAM_BYTES;

/** Runs each command once (one line per command name), so later memory figures hold no first-run histograms; ends empty. */
const WARMUP = ['SET w v', 'GET w', 'EXPIRE w 100', 'PEXPIRE w 100', 'TTL w', 'PTTL w', 'PERSIST w', 'EXISTS w'];
WARMUP.push('INCR n', 'DEL w n', 'MGET w', 'DBSIZE', 'PING', 'INFO', 'CONFIG SET hz 10', 'FLUSHALL');
function warm(cli: ModelCli): ModelCli {
  for (const line of WARMUP) cli.run(line);
  return cli;
}

describe('Redis model: commands as Redis documents them', () => {
  it('TTL and PTTL: -2 without the key, -1 without a TTL, else the time left (TTL rounded)', () => {
    replay(new ModelCli(), [
      [0, 'TTL k', '(integer) -2'],
      [0, 'PTTL k', '(integer) -2'],
      [0, 'SET k v', 'OK'],
      [0, 'TTL k', '(integer) -1'],
      [0, 'SET k v EX 100', 'OK'],
      [0, 'PTTL k', '(integer) 100000'],
      [30_400, 'TTL k', '(integer) 70'],
      [30_600, 'TTL k', '(integer) 69'],
      [30_600, 'PTTL k', '(integer) 69400'],
      [100_000, 'PTTL k', '(integer) 0'],
      [100_000, 'GET k', '"v"'],
      [100_001, 'TTL k', '(integer) -2'],
    ]);
  });

  it('a plain SET drops the TTL, KEEPTTL keeps it, INCR keeps it', () => {
    replay(new ModelCli(), [
      [0, 'SET k v PX 5000', 'OK'],
      [0, 'SET k v2', 'OK'],
      [0, 'TTL k', '(integer) -1'],
      [0, 'SET k v PX 5000', 'OK'],
      [1000, 'SET k v3 KEEPTTL', 'OK'],
      [1000, 'PTTL k', '(integer) 4000'],
      [1000, 'GET k', '"v3"'],
      [1000, 'SET n 41 EX 10', 'OK'],
      [1000, 'INCR n', '(integer) 42'],
      [1000, 'TTL n', '(integer) 10'],
      [1000, 'SET k v EXAT 1767225610', 'OK'], // TEST_EPOCH_MS is 1767225600000
      [1000, 'PTTL k', '(integer) 9000'],
      [1000, 'SET k v PXAT 1767225602500', 'OK'],
      [1000, 'PTTL k', '(integer) 1500'],
    ]);
    expect(TEST_EPOCH_MS).toBe(1767225600000);
  });

  it('SET NX / XX / GET, EXPIRE NX / XX / GT / LT, PERSIST', () => {
    replay(new ModelCli(), [
      [0, 'SET a 1 NX', 'OK'],
      [0, 'SET a 2 NX', '(nil)'],
      [0, 'SET b 1 XX', '(nil)'],
      [0, 'SET a 3 XX', 'OK'],
      [0, 'SET a 4 GET', '"3"'],
      [0, 'SET c 1 GET', '(nil)'],
      [0, 'SET a 5 NX GET', '"4"'],
      [0, 'GET a', '"4"'],
      [0, 'EXPIRE a 100 XX', '(integer) 0'],
      [0, 'EXPIRE a 100 NX', '(integer) 1'],
      [0, 'EXPIRE a 200 NX', '(integer) 0'],
      [0, 'EXPIRE a 50 GT', '(integer) 0'],
      [0, 'EXPIRE a 200 GT', '(integer) 1'],
      [0, 'PEXPIRE a 300000 LT', '(integer) 0'],
      [0, 'PEXPIRE a 150000 LT', '(integer) 1'],
      [0, 'TTL a', '(integer) 150'],
      [0, 'EXPIRE c 10 GT', '(integer) 0'], // no TTL counts as infinite for GT
      [0, 'EXPIRE c 10 LT', '(integer) 1'],
      [0, 'EXPIRE missing 10', '(integer) 0'],
      [0, 'PERSIST a', '(integer) 1'],
      [0, 'PERSIST a', '(integer) 0'],
      [0, 'PERSIST missing', '(integer) 0'],
      [0, 'TTL a', '(integer) -1'],
      [0, 'EXPIRE a -1', '(integer) 1'], // a time in the past deletes, as DEL does
      [0, 'EXISTS a', '(integer) 0'],
      [0, 'MGET a c missing', '1) (nil)\n2) "1"\n3) (nil)'],
      [0, 'EXISTS c c missing', '(integer) 2'],
      [0, 'DEL c missing c', '(integer) 1'],
      [0, 'DBSIZE', '(integer) 0'],
    ]);
  });

  it("INCR's errors and 64-bit range", () => {
    replay(new ModelCli(), [
      [0, 'INCR n', '(integer) 1'],
      [0, 'SET s abc', 'OK'],
      [0, 'INCR s', '(error) ERR value is not an integer or out of range'],
      [0, 'SET s 01', 'OK'],
      [0, 'INCR s', '(error) ERR value is not an integer or out of range'],
      [0, 'SET s 9223372036854775806', 'OK'],
      [0, 'INCR s', '(integer) 9223372036854775807'],
      [0, 'INCR s', '(error) ERR increment or decrement would overflow'],
      [0, 'SET s -1', 'OK'],
      [0, 'INCR s', '(integer) 0'],
    ]);
  });

  it("errors in Redis' words", () => {
    replay(new ModelCli(), [
      [0, 'SET k', "(error) ERR wrong number of arguments for 'set' command"],
      [0, 'GET a b', "(error) ERR wrong number of arguments for 'get' command"],
      [0, 'SET k v EX 0', "(error) ERR invalid expire time in 'set' command"],
      [0, 'SET k v PX -5', "(error) ERR invalid expire time in 'set' command"],
      [0, 'SET k v EX ten', '(error) ERR value is not an integer or out of range'],
      [0, 'SET k v NX XX', '(error) ERR syntax error'],
      [0, 'SET k v KEEPTTL EX 10', '(error) ERR syntax error'],
      [0, 'SET k v EX 10 PX 10', '(error) ERR syntax error'],
      [0, 'SET k v EX', '(error) ERR syntax error'],
      [0, 'EXPIRE k 10 NX XX', '(error) ERR NX and XX, GT or LT options at the same time are not compatible'],
      [0, 'EXPIRE k 10 GT LT', '(error) ERR GT and LT options at the same time are not compatible'],
      [0, 'EXPIRE k 10 foo', '(error) ERR Unsupported option foo'],
      [0, 'EXPIRE k 9223372036854775807', "(error) ERR invalid expire time in 'expire' command"],
      [0, 'FLUSHALL now', '(error) ERR syntax error'],
      [0, 'FOO a b', "(error) ERR unknown command 'FOO', with args beginning with: 'a' 'b' "],
      [0, 'CONFIG FOO', "(error) ERR unknown subcommand 'FOO'. Try CONFIG HELP."],
      [0, 'CONFIG GET', "(error) ERR wrong number of arguments for 'config|get' command"],
      [0, 'PING a b', "(error) ERR wrong number of arguments for 'ping' command"],
      [0, 'PING', 'PONG'],
    ]);
  });

  it('CONFIG GET / SET: names, units, bounds and error texts as config.c has them', () => {
    replay(new ModelCli(), [
      [0, 'CONFIG GET maxmemory', '1) "maxmemory"\n2) "0"'],
      [0, 'CONFIG SET maxmemory 1mb', 'OK'],
      [0, 'CONFIG GET MAXMEMORY', '1) "MAXMEMORY"\n2) "1048576"'],
      [0, 'CONFIG SET maxmemory 2k', 'OK'],
      [0, 'CONFIG GET maxmemory', '1) "maxmemory"\n2) "2000"'],
      [0, 'CONFIG SET maxmemory 1.5gb', "(error) ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"],
      [
        0,
        'CONFIG SET maxmemory-policy lru',
        "(error) ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction",
      ],
      [0, 'CONFIG SET maxmemory-samples 0', "(error) ERR CONFIG SET failed (possibly related to argument 'maxmemory-samples') - argument must be between 1 and 2147483647 inclusive"],
      [0, 'CONFIG SET hz x', "(error) ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer"],
      [0, 'CONFIG SET hz 0', 'OK'],
      [0, 'CONFIG GET hz', '1) "hz"\n2) "1"'],
      [0, 'CONFIG SET hz 1000', 'OK'],
      [0, 'CONFIG GET hz', '1) "hz"\n2) "500"'],
      [0, 'CONFIG SET foo 1', "(error) ERR Unknown option or number of arguments for CONFIG SET - 'foo'"],
      [0, 'CONFIG SET hz 5 hz 6', "(error) ERR CONFIG SET failed (possibly related to argument 'hz') - duplicate parameter"],
      [0, 'CONFIG SET hz 5 maxmemory-samples 0', "(error) ERR CONFIG SET failed (possibly related to argument 'maxmemory-samples') - argument must be between 1 and 2147483647 inclusive"],
      [0, 'CONFIG GET hz', '1) "hz"\n2) "500"'], // all or nothing
      [0, 'CONFIG SET hz 5 maxmemory-policy ALLKEYS-LRU', 'OK'],
      [
        0,
        'CONFIG GET maxmemory*',
        '1) "maxmemory"\n2) "2000"\n3) "maxmemory-policy"\n4) "allkeys-lru"\n5) "maxmemory-samples"\n6) "5"',
      ],
      [0, 'CONFIG GET lfu-* hz', '1) "lfu-log-factor"\n2) "10"\n3) "lfu-decay-time"\n4) "1"\n5) "hz"\n6) "5"'],
    ]);
  });

  it('PUBLISH counts receivers; a subscribed client may only (un)subscribe and ping', () => {
    const cli = new ModelCli();
    const s = cli.store;
    expect(s.command(['PUBLISH', 'inv', 'user:1'], 0)).toEqual(integer(0));
    expect(formatReply(s.command(['SUBSCRIBE', 'inv', 'other'], 0, 'app1'))).toBe(
      '1) "subscribe"\n2) "inv"\n3) (integer) 1\n1) "subscribe"\n2) "other"\n3) (integer) 2',
    );
    s.command(['SUBSCRIBE', 'inv'], 0, 'app2');
    expect(s.command(['PUBLISH', 'inv', 'user:1'], 0)).toEqual(integer(2));
    expect(s.subscribersOf('inv')).toEqual(['app1', 'app2']);
    expect(s.command(['GET', 'k'], 0, 'app1')).toEqual({
      kind: 'error',
      text: "ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
    });
    expect(s.command(['PING'], 0, 'app1')).toEqual(array([bulk('pong'), bulk('')]));
    expect(cli.info('pubsub_channels')).toBe('2');
    s.command(['UNSUBSCRIBE'], 0, 'app1');
    expect(s.command(['GET', 'k'], 0, 'app1')).toEqual(NIL);
    s.disconnect('app2');
    expect(s.command(['PUBLISH', 'inv', 'user:1'], 0)).toEqual(integer(0));
    expect(s.command(['UNSUBSCRIBE'], 0, 'app2')).toEqual(array([bulk('unsubscribe'), NIL, integer(0)]));
  });
});

describe('Redis model: expiry', () => {
  it('lazy: an expired key stays in DBSIZE and memory until a command touches it', () => {
    const cli = new ModelCli();
    replay(cli, [
      [0, 'SET k v PX 100', 'OK'],
      [0, 'SET other v', 'OK'],
      [100, 'GET k', '"v"'], // expired only once now > expire time
      [101, 'DBSIZE', '(integer) 2'],
      [101, 'INFO keyspace', '# Keyspace\ndb0:keys=2,expires=1,avg_ttl=0'],
      [101, 'GET k', '(nil)'],
      [101, 'DBSIZE', '(integer) 1'],
    ]);
    expect(cli.info('expired_keys')).toBe('1');
    expect([cli.info('keyspace_hits'), cli.info('keyspace_misses')]).toEqual(['1', '1']);
  });

  it('lazy expiry by any command: EXISTS, TTL, SET NX, DEL (which then deletes nothing)', () => {
    const cli = new ModelCli();
    for (const k of ['a', 'b', 'c', 'd']) cli.run(`SET ${k} v PX 10`);
    replay(cli, [
      [20, 'DBSIZE', '(integer) 4'],
      [20, 'EXISTS a', '(integer) 0'],
      [20, 'TTL b', '(integer) -2'],
      [20, 'SET c new NX', 'OK'],
      [20, 'DEL d', '(integer) 0'],
      [20, 'DBSIZE', '(integer) 1'],
    ]);
    expect(cli.info('expired_keys')).toBe('4');
  });

  it('active: the cycle removes most keys when most sampled ones expired', () => {
    const cli = new ModelCli();
    for (let i = 0; i < 1000; i++) cli.run(`SET ${key(i)} v PX 1000`);
    cli.ms = 2000;
    expect(cli.run('DBSIZE')).toBe('(integer) 1000');
    cli.cronFor(0.1); // one cron call
    expect(Number(cli.info('expired_keys'))).toBeGreaterThan(900);
  });

  it('active: a few expired keys among many linger, found ~1 per cycle, until accessed', () => {
    const cli = new ModelCli();
    for (let i = 0; i < 10_000; i++) cli.run(`SET ${key(i)} v EX 3600`);
    for (let i = 0; i < 500; i++) cli.run(`SET short:${i} v PX 1000`);
    cli.ms = 1001;
    cli.cronFor(1); // 10 cycles, each stops after a loop of 20 with <= 10 % expired
    const active = Number(cli.info('expired_keys'));
    expect(active).toBeGreaterThan(0);
    expect(active).toBeLessThan(60);
    expect(cli.run('DBSIZE')).toBe(`(integer) ${10_500 - active}`);
    for (let i = 0; i < 500; i++) cli.run(`GET short:${i}`);
    expect(cli.run('DBSIZE')).toBe('(integer) 10000');
    expect(cli.info('expired_keys')).toBe('500');
    // avg_ttl is the cycle's running estimate over the keys it sampled that had not expired
    const avgTtl = Number(/avg_ttl=(\d+)/.exec(cli.run('INFO keyspace'))![1]);
    expect(avgTtl).toBeGreaterThan(3_500_000);
    expect(avgTtl).toBeLessThanOrEqual(3_600_000);
  });

  it('active: a cycle stops at its time budget (25 % of a cron period); the fast cycle then runs', () => {
    const cli = new ModelCli();
    for (let i = 0; i < 100_000; i++) cli.run(`SET ${key(i)} v PX 10`);
    cli.ms = 100;
    expect(cli.store.beforeSleep(cli.ms * 1000)).toBe(0); // no slow cycle ran out of time yet
    const us = cli.store.cron(cli.ms * 1000);
    expect(cli.info('expired_time_cap_reached_count')).toBe('1');
    expect(us).toBeGreaterThan(25_000);
    expect(us).toBeLessThan(27_000);
    const afterSlow = Number(cli.info('expired_keys'));
    expect(afterSlow).toBeGreaterThan(40_000);
    expect(afterSlow).toBeLessThan(45_000);
    const fastUs = cli.store.beforeSleep(cli.ms * 1000 + us);
    expect(fastUs).toBeGreaterThan(1000);
    expect(fastUs).toBeLessThan(1200);
    expect(cli.store.beforeSleep(cli.ms * 1000 + us + 1000)).toBe(0); // not again within 2 ms
    expect(Number(cli.run('DBSIZE').slice(10))).toBe(100_000 - Number(cli.info('expired_keys')));
  });
});

describe('Redis model: memory', () => {
  const fill = (cli: ModelCli, n: number, value: string, extra = '') => {
    for (let i = 0; i < n; i++) cli.run(`SET ${key(i)} ${value}${extra}`);
  };

  it('per key: dictEntry 32 + key sds 16 + value object, plus the bucket array (10-byte keys)', () => {
    const cases: [string, number][] = [
      ['x'.repeat(8), 80], // embstr 16+3+8+1 = 28 -> 32
      ['x'.repeat(32), 112], // embstr 52 -> 64
      ['x'.repeat(100), 176], // robj 16 + sds 3+100+1 = 104 -> 112
      ['x'.repeat(1000), 1088], // robj 16 + sds 5+1000+1 -> 1024
      ['5', 48], // a shared integer: no value allocation
      ['123456', 64], // an integer >= 10000: a 16-byte robj
    ];
    for (const [value, perKey] of cases) {
      const cli = new ModelCli();
      fill(cli, 10_000, value);
      expect(cli.store.usedMemory()).toBe(REDIS_BASE_USED_MEMORY + 10_000 * perKey + 16_384 * 8 + hist(1));
    }
  });

  it('a TTL adds an expires entry and its bucket array; FLUSHALL frees everything', () => {
    const cli = new ModelCli();
    fill(cli, 1000, 'x'.repeat(100), ' EX 100');
    expect(cli.store.usedMemory()).toBe(REDIS_BASE_USED_MEMORY + 1000 * (176 + 32) + 2 * 1024 * 8 + hist(1));
    cli.run('PERSIST key:000000');
    expect(cli.store.usedMemory()).toBe(REDIS_BASE_USED_MEMORY + 1000 * 176 + 999 * 32 + 2 * 1024 * 8 + hist(2));
    cli.run('FLUSHALL');
    expect(cli.store.usedMemory()).toBe(REDIS_BASE_USED_MEMORY + hist(3));
    expect(cli.info('used_memory_human')).toBe('965.41K');
  });

  it('small integers are not shared under an LRU/LFU maxmemory policy (each key needs its own clock)', () => {
    const cli = new ModelCli({ maxmemory: 1 << 30, 'maxmemory-policy': 'allkeys-lru' });
    fill(cli, 10_000, '5');
    expect(cli.store.usedMemory()).toBe(REDIS_BASE_USED_MEMORY + 10_000 * 64 + 16_384 * 8 + hist(1));
  });

  it('deleted keys leave the bucket array until the cron shrinks it under 10 % fill', () => {
    const cli = new ModelCli();
    fill(cli, 1000, 'v');
    for (let i = 0; i < 950; i++) cli.run(`DEL ${key(i)}`);
    expect(cli.store.usedMemory()).toBe(REDIS_BASE_USED_MEMORY + 50 * 80 + 1024 * 8 + hist(2));
    cli.cronFor(0.1);
    expect(cli.store.usedMemory()).toBe(REDIS_BASE_USED_MEMORY + 50 * 80 + 64 * 8 + hist(2));
  });

  it("each command's first run allocates its latency histogram (24,688 bytes), as Redis 7 does", () => {
    const cli = new ModelCli();
    cli.run('GET a');
    cli.run('GET b');
    cli.run('FOO'); // an unknown command never runs
    cli.run('CONFIG GET hz');
    expect(cli.store.usedMemory()).toBe(REDIS_BASE_USED_MEMORY + 2 * 24_688);
  });

  it('jemalloc size classes', () => {
    expect([8, 9, 24, 33, 64, 65, 104, 129, 1006, 4097, 131072].map(jemallocSize)).toEqual([
      8, 16, 32, 48, 64, 80, 112, 160, 1024, 5120, 131072,
    ]);
  });
});

describe('Redis model: maxmemory policies', () => {
  /** A store with `headroom` bytes for keys above its base memory (a 100-byte value costs 176 bytes a key). */
  function limited(policy: string, headroom: number): ModelCli {
    const cli = warm(new ModelCli());
    cli.run(`CONFIG SET maxmemory-policy ${policy}`);
    cli.run(`CONFIG SET maxmemory ${cli.store.usedMemory() + headroom}`);
    return cli;
  }
  const value = 'x'.repeat(100);
  const alive = (cli: ModelCli, names: string[]) => names.filter((k) => cli.run(`EXISTS ${k}`) === '(integer) 1');

  it('noeviction refuses writes with the OOM error; reads and DEL still work', () => {
    const cli = limited('noeviction', 100_000);
    let stored = 0;
    while (cli.run(`SET ${key(stored)} ${value}`) === 'OK') stored++;
    // refused once 176 n + 8 x 1024 buckets > 100,000: the 522nd SET is the last one accepted
    expect(stored).toBe(522);
    expect(cli.run(`SET ${key(stored)} ${value}`)).toBe(OOM);
    expect(cli.run('INCR counter')).toBe(OOM);
    expect(cli.run(`GET ${key(0)}`)).toBe(`"${value}"`);
    expect(cli.run(`EXPIRE ${key(0)} 100`)).toBe('(integer) 1'); // not a denyoom command
    expect(cli.run(`DEL ${key(0)} ${key(1)}`)).toBe('(integer) 2');
    expect(cli.run(`SET ${key(0)} ${value}`)).toBe('OK');
    expect(cli.info('evicted_keys')).toBe('0');
  });

  it('allkeys-random evicts until used memory is under maxmemory again', () => {
    const cli = limited('allkeys-random', 100_000);
    for (let i = 0; i < 2000; i++) expect(cli.run(`SET ${key(i)} ${value}`)).toBe('OK');
    cli.run('PING'); // eviction runs before each command
    const used = Number(cli.info('used_memory'));
    expect(used).toBeLessThanOrEqual(Number(cli.info('maxmemory')));
    expect(Number(cli.info('evicted_keys'))).toBe(2000 - Number(cli.run('DBSIZE').slice(10)));
    expect(Number(cli.info('evicted_keys'))).toBeGreaterThan(1400);
  });

  it('allkeys-lru keeps the recently used keys', () => {
    const cli = limited('allkeys-lru', 200_000);
    const hot = Array.from({ length: 100 }, (_, i) => key(i));
    for (let i = 0; i < 3000; i++) {
      cli.ms = i * 100; // the LRU clock ticks in seconds
      cli.run(`SET ${key(i)} ${value}`);
      if (i >= 100 && i % 10 === 0) cli.run(`MGET ${hot.join(' ')}`);
    }
    expect(Number(cli.info('evicted_keys'))).toBeGreaterThan(1500);
    expect(alive(cli, hot)).toEqual(hot);
  });

  it('volatile-* evict only keys with a TTL, then refuse writes', () => {
    for (const policy of ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl']) {
      const cli = limited(policy, 100_000);
      for (let i = 0; i < 100; i++) cli.run(`SET ${key(i)} ${value} EX 1000`);
      const persistent: string[] = [];
      while (cli.run(`SET p:${persistent.length} ${value}`) === 'OK') persistent.push(`p:${persistent.length}`);
      expect(`${policy}: ${cli.info('evicted_keys')}, ${cli.run('INFO keyspace')}`).toBe(
        `${policy}: 100, # Keyspace\ndb0:keys=${persistent.length},expires=0,avg_ttl=0`,
      );
      expect(alive(cli, persistent)).toEqual(persistent);
    }
  });

  it('volatile-ttl evicts the keys that expire soonest', () => {
    const cli = limited('volatile-ttl', 120_000);
    const ttlOf = (i: number) => 1000 + ((i * 7919) % 2000); // 1000..2999 s, shuffled
    for (let i = 0; i < 1000; i++) cli.run(`SET ${key(i)} ${value} EX ${ttlOf(i)}`);
    const survivors = Array.from({ length: 1000 }, (_, i) => i).filter((i) => cli.run(`EXISTS ${key(i)}`) === '(integer) 1');
    const evicted = 1000 - survivors.length;
    expect(evicted).toBeGreaterThan(300);
    // the evicted are the soonest to expire, up to the pool's approximation
    const soonest = Array.from({ length: 1000 }, (_, i) => i).sort((a, b) => ttlOf(a) - ttlOf(b));
    const soonestEvicted = soonest.slice(0, evicted).filter((i) => !survivors.includes(i)).length;
    expect(soonestEvicted / evicted).toBeGreaterThan(0.85);
  });

  it('allkeys-lfu keeps the frequently used keys, even when another key was touched last', () => {
    const cli = limited('allkeys-lfu', 200_000);
    const frequent = Array.from({ length: 100 }, (_, i) => key(i));
    for (let i = 0; i < 100; i++) cli.run(`SET ${key(i)} ${value}`);
    for (let round = 0; round < 50; round++) cli.run(`MGET ${frequent.join(' ')}`);
    for (let i = 100; i < 3000; i++) {
      cli.run(`SET ${key(i)} ${value}`);
      cli.run(`GET ${key(i)}`);
    }
    expect(Number(cli.info('evicted_keys'))).toBeGreaterThan(1500);
    expect(alive(cli, frequent)).toEqual(frequent);
  });

  it('LFU: the logarithmic counter and its decay per lfu-decay-time minutes', () => {
    const rng = new Rng(7, 'lfu');
    let lru = lfuInit(TEST_EPOCH_MS);
    expect(lfuCounter(lru, TEST_EPOCH_MS, 1)).toBe(5);
    lru = lfuTouch(lru, TEST_EPOCH_MS, 10, 1, rng);
    expect(lfuCounter(lru, TEST_EPOCH_MS, 1)).toBe(6); // at LFU_INIT_VAL an access always counts
    for (let i = 0; i < 1000; i++) lru = lfuTouch(lru, TEST_EPOCH_MS, 10, 1, rng);
    const after1000 = lfuCounter(lru, TEST_EPOCH_MS, 1);
    // p = 1 / ((c - 5) * 10 + 1): about sqrt(2 * 1000 / 10) = 14 more increments
    expect(after1000).toBeGreaterThan(15);
    expect(after1000).toBeLessThan(25);
    expect(lfuCounter(lru, TEST_EPOCH_MS + 3 * 60_000, 1)).toBe(after1000 - 3);
    expect(lfuCounter(lru, TEST_EPOCH_MS + 3 * 60_000, 2)).toBe(after1000 - 1);
    expect(lfuCounter(lru, TEST_EPOCH_MS + 600 * 60_000, 0)).toBe(after1000);
    expect(lfuCounter(lru, TEST_EPOCH_MS + 600 * 60_000, 1)).toBe(0);
  });

  it('the eviction pool keeps the 16 best candidates in order and skips ghosts', () => {
    const pool = new EvictionPool();
    pool.populate(Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, idle: i })));
    pool.populate([{ key: 'low', idle: 1 }]); // worse than all 16: not taken
    const taken: string[] = [];
    for (let k = pool.takeBest(() => true); k; k = pool.takeBest((x) => x !== 'k18')) taken.push(k);
    expect(taken).toEqual(['k19', 'k17', 'k16', 'k15', 'k14', 'k13', 'k12', 'k11', 'k10', 'k9', 'k8', 'k7', 'k6', 'k5', 'k4']);
  });

  it('CONFIG SET maxmemory below the used memory evicts at once', () => {
    const cli = new ModelCli({ 'maxmemory-policy': 'allkeys-lru' });
    for (let i = 0; i < 1000; i++) cli.run(`SET ${key(i)} ${value}`);
    const limit = REDIS_BASE_USED_MEMORY + hist(1) + 100_000;
    cli.store.command(['CONFIG', 'SET', 'maxmemory', String(limit)], 0);
    // CONFIG SET's own histogram comes after it has run; the next command evicts for it
    expect(cli.store.usedMemory()).toBeLessThanOrEqual(limit + hist(1));
    expect(cli.store.usedMemory()).toBeGreaterThan(limit);
    cli.run('PING');
    expect(cli.store.usedMemory()).toBeLessThanOrEqual(limit + hist(1));
  });
});

describe('Redis model: INFO and the console', () => {
  it("INFO's sections, field names and formats", () => {
    const cli = new ModelCli({ maxmemory: 100 * 1024 * 1024, 'maxmemory-policy': 'allkeys-lru' });
    cli.run('SET a 1');
    cli.run('GET a');
    cli.run('GET b');
    const info = cli.store.command(['INFO'], 0);
    expect(info.kind).toBe('bulk');
    const text = (info as { value: string }).value;
    expect(text).toMatch(/^# Memory\r\nused_memory:\d+\r\nused_memory_human:[\d.]+K\r\n/);
    expect(text).toContain('\r\nmaxmemory:104857600\r\nmaxmemory_human:100.00M\r\nmaxmemory_policy:allkeys-lru\r\n');
    expect(text).toContain('\r\n\r\n# Stats\r\ntotal_commands_processed:3\r\n');
    expect(text).toContain('\r\nkeyspace_hits:1\r\nkeyspace_misses:1\r\n');
    expect(text).toMatch(/\r\n\r\n# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n$/);
    expect(cli.run('INFO stats')).not.toContain('# Memory');
  });

  it('instantaneous_ops_per_sec averages 16 samples taken every 100 ms by the cron', () => {
    const cli = new ModelCli();
    for (let t = 0; t < 2000; t += 1) {
      cli.ms = t;
      cli.run('GET k');
      if (t % 100 === 99) cli.store.cron((t + 1) * 1000);
    }
    expect(cli.info('instantaneous_ops_per_sec')).toBe('1000');
  });

  it('renders replies as redis-cli does', () => {
    expect(formatReply(bulk('a"b\\c\n\u00e9'))).toBe('"a\\"b\\\\c\\n\\xc3\\xa9"');
    expect(formatReply(array([]))).toBe('(empty array)');
    const ten = array(Array.from({ length: 10 }, (_, i) => (i === 1 ? array([integer(1), NIL]) : bulk(String(i)))));
    expect(formatReply(ten).split('\n').slice(0, 4)).toEqual([' 1) "0"', ' 2) 1) (integer) 1', '    2) (nil)', ' 3) "2"']);
    expect(formatReply(ten).split('\n').at(-1)).toBe('10) "9"');
  });
});

describe('Redis model: service time', () => {
  it('~100k unpipelined GET/SET a second on one core, several times more pipelined', () => {
    const get = redisCommandCpuUs(['GET', 'user:42'], bulk('x'.repeat(20)));
    const set = redisCommandCpuUs(['SET', 'user:42', 'x'.repeat(20)], { kind: 'status', text: 'OK' });
    for (const cpu of [get, set]) {
      expect(1e6 / (REDIS_IO_US_PER_READ + cpu)).toBeGreaterThan(90_000);
      expect(1e6 / (REDIS_IO_US_PER_READ + cpu)).toBeLessThan(115_000);
      expect(1e6 / (REDIS_IO_US_PER_READ / 16 + cpu)).toBeGreaterThan(600_000);
    }
    expect(redisCommandCpuUs(['MGET', 'a', 'b', 'c'], array([NIL, NIL, NIL]))).toBeCloseTo(get + 0.7, 1);
    expect(redisCommandCpuUs(['GET', 'k'], bulk('x'.repeat(100_000)))).toBeGreaterThan(get + 20);
    expect(redisCommandCpuUs(['FLUSHALL'], { kind: 'status', text: 'OK' }, 1_000_000)).toBeGreaterThan(400_000);
  });
});

// ---------------------------------------------------------------------------------------------------
// Properties

const KEYS = ['a', 'b', 'c', 'd', 'e'];
const commandArb: fc.Arbitrary<readonly string[]> = fc.oneof<fc.Arbitrary<readonly string[]>[]>(
  fc.tuple(fc.constant('SET'), fc.constantFrom(...KEYS), fc.constantFrom('v', '5', 'x'.repeat(60)), fc.constantFrom([], ['PX', '50'], ['EX', '1'], ['KEEPTTL'], ['NX'], ['XX', 'GET'])).map(([c, k, v, o]) => [c, k, v, ...o]),
  fc.tuple(fc.constantFrom('GET', 'DEL', 'INCR', 'PERSIST', 'TTL', 'PTTL', 'EXISTS'), fc.constantFrom(...KEYS)),
  fc.tuple(fc.constantFrom('EXPIRE', 'PEXPIRE'), fc.constantFrom(...KEYS), fc.constantFrom('-1', '1', '100', '2000'), fc.constantFrom([], ['NX'], ['GT'], ['LT'])).map(([c, k, t, o]) => [c, k, t, ...o]),
  fc.constant(['FLUSHALL']),
);
const stepArb = fc.record({ advanceMs: fc.nat(300), cron: fc.boolean(), argv: commandArb });
const scenarioArb = fc.record({
  seed: fc.nat(),
  policy: fc.constantFrom('noeviction', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'volatile-lru', 'volatile-ttl'),
  headroom: fc.constantFrom(0, 300, 2000),
  steps: fc.array(stepArb, { maxLength: 60 }),
});

interface Scenario {
  seed: number;
  policy: string;
  headroom: number;
  steps: { advanceMs: number; cron: boolean; argv: readonly string[] }[];
}

function play(s: Scenario): { cli: ModelCli; replies: string[] } {
  const cli = warm(new ModelCli({}, s.seed));
  const replies = [cli.run(`CONFIG SET maxmemory-policy ${s.policy}`)];
  if (s.headroom) replies.push(cli.run(`CONFIG SET maxmemory ${REDIS_BASE_USED_MEMORY + hist(WARMUP.length) + s.headroom}`));
  for (const step of s.steps) {
    cli.ms += step.advanceMs;
    if (step.cron) cli.store.cron(cli.ms * 1000);
    replies.push(formatReply(cli.reply(...step.argv)));
  }
  return { cli, replies };
}

describe('Redis model: properties', () => {
  it('the same commands at the same times with the same seed give the same replies and state', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const one = play(s);
        const two = play(s);
        expect(two.replies).toEqual(one.replies);
        for (const cli of [one.cli, two.cli]) cli.ms += 1;
        const state = (cli: ModelCli) => [cli.run('INFO'), ...KEYS.map((k) => cli.run(`PTTL ${k}`)), cli.run(`MGET ${KEYS.join(' ')}`)];
        expect(state(two.cli)).toEqual(state(one.cli));
      }),
      { numRuns: 150 },
    );
  });

  it('expired keys linger in DBSIZE; once GET says a key is gone, DBSIZE no longer counts it', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { cli } = play({ ...s, headroom: 0 });
        cli.ms += 1;
        const before = Number(cli.run('DBSIZE').slice(10));
        const present = KEYS.filter((k) => cli.run(`GET ${k}`) !== '(nil)').length;
        expect(before).toBeGreaterThanOrEqual(present);
        expect(cli.run('DBSIZE')).toBe(`(integer) ${present}`);
        expect(cli.run('INFO keyspace')).toMatch(present ? new RegExp(`db0:keys=${present},`) : /^# Keyspace$/);
      }),
      { numRuns: 150 },
    );
  });

  it('with an allkeys policy, memory is back under maxmemory before every command', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { cli } = play({ ...s, policy: 'allkeys-random', headroom: 2000 });
        const limit = REDIS_BASE_USED_MEMORY + hist(WARMUP.length) + 2000;
        expect(Number(cli.info('used_memory'))).toBeLessThanOrEqual(limit);
        cli.run('FLUSHALL');
        expect(cli.store.usedMemory()).toBe(REDIS_BASE_USED_MEMORY + hist(WARMUP.length));
      }),
      { numRuns: 100 },
    );
  });

  it('PTTL after SET PX t at time T is t - (now - T) while the key lives', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.nat(1_000_000), (t, d) => {
        const cli = new ModelCli();
        cli.run(`SET k v PX ${t}`);
        cli.ms = d;
        const expected = d <= t ? t - d : -2;
        expect(cli.run('PTTL k')).toBe(`(integer) ${expected}`);
        expect(cli.run('TTL k')).toBe(`(integer) ${d <= t ? Math.floor((t - d + 500) / 1000) : -2}`);
      }),
    );
  });
});
