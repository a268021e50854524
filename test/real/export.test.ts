/**
 * Export (npm run export) checked by the real tools: `postgres -C` reads every setting of each
 * postgresql.conf fragment with the value written, PgBouncer starts on each pgbouncer.ini (on a free
 * loopback port, stopped by its PID), redis-server starts on each redis.conf and CONFIG GET answers every
 * setting as the model reads it, and tsc compiles the generated TypeScript against the real pg and
 * redis packages. Skipped, saying why, where PostgreSQL, PgBouncer or Redis is not installed.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, missingTools, postgresBin, Servers } from '../../real/servers.ts';
import { configGet, configSet, DEFAULT_REDIS_CONFIG, type RedisConfig } from '../../sim/caching/redis/config.ts';
import { readExportTemplates } from '../../sim/cli/exportTemplates.ts';
import { applyOverrides, type ExportedFile, exportScenario as exportWithTemplates, parseScenarioText } from '../../sim/index.ts';

const templates = readExportTemplates();
const exportScenario = (s: Parameters<typeof exportWithTemplates>[0]) => exportWithTemplates(s, templates);

const scenario = (file: string, sets: string[] = [], edit: (json: Record<string, any>) => void = () => undefined) => {
  const json = JSON.parse(readFileSync(`lessons/scenarios/${file}.json`, 'utf8'));
  edit(json);
  const p = parseScenarioText(JSON.stringify(json));
  if (!p.ok) throw new Error(`${file}: ${JSON.stringify(p.issues)}`);
  const s = applyOverrides(p.scenario, sets);
  if (!s.ok) throw new Error(JSON.stringify(s.issues));
  return s.scenario;
};

/** Every example, and settings beyond the examples' defaults (sync standbys, a delayed replica, each read policy, each cache option). */
const EXPORTS: [string, ExportedFile[]][] = [
  ['pgbouncer', exportScenario(scenario('pgbouncer'))],
  ['pgbouncer-replicas', exportScenario(scenario('pgbouncer-replicas'))],
  [
    'read-replicas (sync, delayed)',
    exportScenario(
      scenario('read-replicas', [
        'primary.synchronous_standby_names="FIRST 1 (replica1, replica2)"',
        'primary.synchronous_commit=remote_apply',
        'primary.max_connections=300',
        'primary.work_mem=64MB',
        'replica1.recovery_min_apply_delay=500ms',
        'replica2.max_standby_streaming_delay=-1',
      ]),
    ),
  ],
  ...(['random', 'round-robin', 'least-connections', 'lag-aware', 'read-your-writes', 'primary'] as const).map(
    (policy): [string, ExportedFile[]] => [`read-replicas ${policy}`, exportScenario(scenario('read-replicas', [`app.read_policy=${policy}`]))],
  ),
  ['cache', exportScenario(scenario('cache'))],
  ['cache single flight, bounded L1', exportScenario(scenario('cache', ['app.cache_single_flight=on', 'app.cache_l1_max_keys=1000', 'app.cache_strategy=ttl']))],
  ['cache no L1', exportScenario(scenario('cache', ['app.cache_l1=off']))],
  [
    'cache, every Redis setting',
    exportScenario(scenario('cache', [], (j) => void (j.nodes.find((n: { kind: string }) => n.kind === 'redis').settings = { maxmemory: '1gb', 'maxmemory-policy': 'volatile-ttl', 'maxmemory-samples': 10, hz: 50 }))),
  ],
  ['cache grace, write-through over pubsub, single flight, Redis errors not suppressed', exportScenario(scenario('cache', ['app.cache_grace=5s', 'app.cache_strategy=write-through', 'app.cache_l1_invalidation=pubsub', 'app.cache_single_flight=on', 'app.cache_suppress_l2_errors=off']))],
  ['cache delete-on-write, grace, no L1', exportScenario(scenario('cache', ['app.cache_strategy=delete-on-write', 'app.cache_grace=1min', 'app.cache_l1=off']))],
  ['sharding-hash', exportScenario(scenario('sharding-hash'))],
  ['sharding-pgdog', exportScenario(scenario('sharding-pgdog'))],
  [
    'sharding-pgdog, range, a replica',
    exportScenario(
      scenario('sharding-pgdog', [], (j) => {
        j.sharding.strategy = { kind: 'range', boundaries: [501] };
        j.nodes.push({ id: 'shard1r', kind: 'postgres', position: { x: 700, y: 0 }, settings: {} });
        j.edges.push({ from: 'shard1', to: 'shard1r' }, { from: 'pgdog', to: 'shard1r' });
      }),
    ),
  ],
  [
    'sharding-pgdog, geography',
    exportScenario(
      scenario('sharding-pgdog', [], (j) => {
        j.sharding = { tables: [{ table: 'users', column: 'region' }], key_type: 'text', shards: ['shard1', 'shard2'], strategy: { kind: 'geography', regions: { us: 'shard1', eu: 'shard2', apac: 'shard2' } } };
      }),
    ),
  ],
  ['sharding-pgdog, modulo', exportScenario(scenario('sharding-pgdog', [], (j) => void (j.sharding.strategy = { kind: 'modulo' })))],
  ['sharding-range', exportScenario(scenario('sharding-range'))],
];
const files = (suffix: string) => EXPORTS.flatMap(([name, fs]) => fs.filter((f) => f.path.endsWith(suffix)).map((f) => ({ name: `${name}: ${f.path}`, text: f.text })));

/** PostgreSQL's base unit of each memory (bytes) and time (ms) parameter the fragments carry. */
const MEMORY_BASE: Record<string, number> = { shared_buffers: 8192, effective_cache_size: 8192, work_mem: 1024 };
const MEMORY: Record<string, number> = { kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };
const TIME_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** What `postgres -C` prints for a value as written in the fragment. */
function expected(name: string, value: string): string {
  const v = value.replace(/^'(.*)'$/, '$1').replace(/''/g, "'");
  const mem = /^(\d+(?:\.\d+)?)(kB|MB|GB|TB)$/.exec(v);
  if (mem) return String(Math.round((Number(mem[1]) * MEMORY[mem[2]]) / MEMORY_BASE[name]));
  const time = /^(-?\d+(?:\.\d+)?)(us|ms|s|min|h|d)$/.exec(v);
  if (time) return String(Number(time[1]) * TIME_MS[time[2]]);
  return v;
}

const missing = missingTools({ postgres: true, pgbouncer: true });

describe.skipIf(missing.length > 0)(`exported configuration read by the real servers${missing.length > 0 ? ` (skipped: ${missing.join('; ')} missing)` : ''}`, () => {
  let servers: Servers;
  let data: string;
  beforeAll(() => {
    servers = Servers.create();
    data = join(servers.dir, 'data');
    servers.run(join(postgresBin()!, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    writeFileSync(join(data, 'postgresql.conf'), "include 'fragment.conf'\n", { flag: 'a' });
  }, 120_000);
  afterAll(() => servers?.stop());

  it('postgres -C reads every setting of every postgresql.conf fragment as written', () => {
    // each distinct fragment once (the variants of a scenario share most of theirs): postgres -C starts a process per setting
    const fragments = [...new Map(files('postgresql.conf').map((f) => [f.text, f])).values()];
    expect(fragments.length).toBeGreaterThan(10);
    let checked = 0;
    for (const f of fragments) {
      writeFileSync(join(data, 'fragment.conf'), f.text);
      const lines = f.text.split('\n').filter((l) => /^[a-z_]+ = /.test(l));
      for (const l of lines) {
        const [, name, value] = /^([a-z_]+) = (.*)$/.exec(l)!;
        const shown = servers.run(join(postgresBin()!, 'postgres'), ['-C', name, '-D', data]).trim();
        expect(`${f.name} ${name} = ${shown}`).toBe(`${f.name} ${name} = ${expected(name, value)}`);
        checked++;
      }
    }
    // the replication lines are there: a standby's primary_conninfo, a primary's wal_level
    expect(fragments.some((f) => /primary_conninfo = 'host=primary port=5432 user=replicator application_name=replica1'/.test(f.text))).toBe(true);
    expect(fragments.some((f) => /synchronous_standby_names = 'FIRST 1 \(replica1, replica2\)'/.test(f.text))).toBe(true);
    expect(checked).toBeGreaterThan(30);
  });

  it('PgBouncer starts on every exported pgbouncer.ini (loopback, a free port) and stops by its PID', async () => {
    const inis = files('pgbouncer.ini');
    expect(inis.length).toBeGreaterThan(1);
    const users = servers.write('userlist.txt', '"postgres" ""\n');
    for (const [i, f] of inis.entries()) {
      const port = await freePort();
      const ini = servers.write(
        `pgbouncer-${i}.ini`,
        f.text.replace(/^listen_addr = .*$/m, 'listen_addr = 127.0.0.1').replace(/^listen_port = .*$/m, `listen_port = ${port}`).replace(/^auth_file = .*$/m, `auth_file = ${users}`) +
          `unix_socket_dir =\n`,
      );
      const started = await servers.start(`pgbouncer-${i}`, '/usr/sbin/pgbouncer', [ini], port);
      process.kill(started.pid, 'SIGTERM');
      for (let t = 0; servers.pids.has(started.pid) && t < 100; t++) await new Promise((r) => setTimeout(r, 50));
      expect(servers.pids.has(started.pid)).toBe(false);
    }
  });

  it('a broken ini is refused by PgBouncer (the check can fail)', async () => {
    const port = await freePort();
    const ini = servers.write('bad.ini', `[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = ${port}\npool_mode = sometimes\n`);
    await expect(servers.start('pgbouncer-bad', '/usr/sbin/pgbouncer', [ini], port, 5000)).rejects.toThrow(/pool_mode|exited/);
  });
});

const redisMissing = missingTools({ redis: true });

describe.skipIf(redisMissing.length > 0)(`exported redis.conf read by the real redis-server${redisMissing.length > 0 ? ` (skipped: ${redisMissing.join('; ')} missing)` : ''}`, () => {
  let servers: Servers;
  beforeAll(() => void (servers = Servers.create()));
  afterAll(() => servers?.stop());
  /** The real server's CONFIG GET of one setting. */
  const configGetReal = (port: number, name: string) => execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), '--raw', 'CONFIG', 'GET', name], { encoding: 'utf8' }).split('\n')[1];

  it('redis-server starts on every exported redis.conf, and CONFIG GET answers each setting as the model reads it', async () => {
    const confs = [...new Map(files('redis.conf').map((f) => [f.text, f])).values()];
    expect(confs.length).toBeGreaterThan(1);
    let checked = 0;
    for (const [i, f] of confs.entries()) {
      const port = await freePort();
      const conf = servers.write(`redis-${i}.conf`, f.text);
      // the command line's port and address come after the file's, and win
      const started = await servers.start(`redis-${i}`, 'redis-server', [conf, '--port', String(port), '--bind', '127.0.0.1'], port);
      const settings = f.text.split('\n').filter((l) => /^[a-z-]+ /.test(l)).map((l) => /^([a-z-]+) (.*)$/.exec(l)!.slice(1));
      let model: RedisConfig | string = DEFAULT_REDIS_CONFIG;
      for (const [name, value] of settings) {
        if (name === 'save' || name === 'appendonly') continue;
        model = configSet(model as RedisConfig, [name, value]);
        expect(typeof model, `${f.name}: ${name} ${value}`).toBe('object');
        expect(`${f.name} ${name} = ${configGetReal(port, name)}`).toBe(`${f.name} ${name} = ${configGet(model as RedisConfig, [name])[0][1]}`);
        checked++;
      }
      // a cache: no snapshots, no append-only file
      expect([configGetReal(port, 'save'), configGetReal(port, 'appendonly')]).toEqual(['', 'no']);
      process.kill(started.pid, 'SIGTERM');
      for (let t = 0; servers.pids.has(started.pid) && t < 100; t++) await new Promise((r) => setTimeout(r, 50));
      expect(servers.pids.has(started.pid)).toBe(false);
    }
    expect(checked).toBeGreaterThanOrEqual(6);
  });

  it('a broken redis.conf is refused by redis-server (the check can fail)', async () => {
    const port = await freePort();
    const conf = servers.write('bad.conf', 'maxmemory-policy sometimes\n');
    await expect(servers.start('redis-bad', 'redis-server', [conf, '--port', String(port), '--bind', '127.0.0.1'], port, 5000)).rejects.toThrow(/maxmemory-policy|exited/);
  });
});

describe('exported application code', () => {
  it('tsc --strict compiles every generated DatabaseRouter, CacheService and ShardRouter with the real pg and redis types', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pg-lab-export-ts-'));
    try {
      symlinkSync(resolve('node_modules'), join(dir, 'node_modules'));
      // each distinct file once (many variants share their router or cache code)
      const ts = [...new Map(EXPORTS.flatMap(([name, fs]) => fs.filter((f) => f.path.endsWith('.ts')).map((f) => [f.text, { name, f }] as const))).values()];
      expect(new Set(ts.map((t) => t.f.path.split('/').pop()))).toEqual(new Set(['databaseRouter.ts', 'cacheService.ts', 'shardRouter.ts']));
      ts.forEach(({ f }, i) => {
        mkdirSync(join(dir, `e${i}`));
        writeFileSync(join(dir, `e${i}`, f.path.split('/').pop()!), f.text);
      });
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({ compilerOptions: { strict: true, noEmit: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', types: ['node'], skipLibCheck: true, noUnusedLocals: true }, include: ['e*/*.ts'] }),
      );
      let out = '';
      try {
        execFileSync(resolve('node_modules/.bin/tsc'), ['-p', dir], { encoding: 'utf8' });
      } catch (e) {
        out = (e as { stdout: string }).stdout;
      }
      expect(out).toBe('');
      // the chosen policy is what is written, not every policy
      const rr = EXPORTS.find(([n]) => n === 'read-replicas read-your-writes')![1].find((f) => f.path === 'app/databaseRouter.ts')!.text;
      expect(rr).toContain('pg_last_wal_replay_lsn');
      expect(rr).not.toContain('Math.random() * this.replicas.length)];\n  }');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('docker-compose.yml: a service per server, standbys cloned from their primary with pg_basebackup -R', () => {
    const compose = EXPORTS.find(([n]) => n === 'pgbouncer-replicas')![1].find((f) => f.path === 'docker-compose.yml')!.text;
    expect(compose.match(/^ {2}[a-z0-9_-]+:$/gm)).toEqual(['  pgbouncer:', '  primary:', '  replica1:', '  replica2:']);
    expect(compose).toContain('pg_basebackup -h primary -U replicator');
    expect(compose).toContain('image: postgres:15');
  });
});

/** The generated CacheService of an export, loaded as a module (its `redis` import resolved from node_modules). */
async function loadCacheService(name: string): Promise<new (...redis: unknown[]) => CacheServiceApi> {
  const text = EXPORTS.find(([n]) => n === name)![1].find((f) => f.path === 'app/cacheService.ts')!.text;
  const dir = mkdtempSync(join(tmpdir(), 'pg-lab-export-cache-'));
  symlinkSync(resolve('node_modules'), join(dir, 'node_modules'));
  writeFileSync(join(dir, 'cacheService.ts'), text);
  try {
    return ((await import(/* @vite-ignore */ pathToFileURL(join(dir, 'cacheService.ts')).href)) as { CacheService: new (...redis: unknown[]) => CacheServiceApi }).CacheService;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface CacheServiceApi {
  getOrLoad<T>(key: string, ttl: number, load: () => Promise<T>): Promise<T>;
  writeThrough?<T>(key: string, data: T, ttl: number): Promise<void>;
}

/** Redis as the service uses it (get, set with PX, del, publish, subscribe), in memory; `down` makes every call fail as a refused connection does. */
function standInRedis() {
  const keys = new Map<string, string>();
  const published: string[] = [];
  const r = {
    keys,
    published,
    down: false,
    listener: undefined as ((message: string) => void) | undefined,
    async call<T>(f: () => T): Promise<T> {
      await Promise.resolve();
      if (r.down) throw new Error('connect ECONNREFUSED');
      return f();
    },
    expires: new Map<string, number>(),
    get: (k: string) => r.call(() => ((r.expires.get(k) ?? Number.POSITIVE_INFINITY) > Date.now() ? (keys.get(k) ?? null) : null)),
    set: (k: string, v: string, o: { PX: number }) =>
      r.call(() => {
        keys.set(k, v);
        r.expires.set(k, Date.now() + o.PX);
        return 'OK';
      }),
    del: (ks: string[]) => r.call(() => ks.filter((k) => keys.delete(k)).length),
    publish: (_: string, m: string) => r.call(() => published.push(m)),
    subscribe: async (_: string, listener: (message: string) => void) => void (r.listener = listener),
  };
  return r;
}

describe('exported CacheService, run against a stand-in Redis', () => {
  it('cache_suppress_l2_errors: on (the example), Redis down is a miss and the loader answers; off, the error fails the call', async () => {
    const On = await loadCacheService('cache');
    const down = standInRedis();
    down.down = true;
    await expect(new On(down, standInRedis()).getOrLoad('k', 1000, async () => 'db')).resolves.toBe('db');
    const Off = await loadCacheService('cache grace, write-through over pubsub, single flight, Redis errors not suppressed');
    await expect(new Off(down, standInRedis()).getOrLoad('k', 1000, async () => 'db')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('cache_grace: past its TTL a value is served stale at once while one background load refreshes it', async () => {
    const Svc = await loadCacheService('cache delete-on-write, grace, no L1');
    const redis = standInRedis();
    const svc = new Svc(redis);
    let loads = 0;
    const load = async () => `v${++loads}`;
    expect(await svc.getOrLoad('k', 1, load)).toBe('v1');
    await new Promise((r) => setTimeout(r, 5));
    // expired: both reads get v1 at once, and only one refresh runs
    expect(await Promise.all([svc.getOrLoad('k', 60_000, load), svc.getOrLoad('k', 60_000, load)])).toEqual(['v1', 'v1']);
    await new Promise((r) => setTimeout(r, 5));
    expect(loads).toBe(2);
    expect(await svc.getOrLoad('k', 60_000, load)).toBe('v2');
  });

  it('cache_single_flight on: concurrent misses of a key wait for one load', async () => {
    const Svc = await loadCacheService('cache grace, write-through over pubsub, single flight, Redis errors not suppressed');
    const svc = new Svc(standInRedis(), standInRedis());
    let loads = 0;
    const load = async () => {
      await new Promise((r) => setTimeout(r, 5));
      return `v${++loads}`;
    };
    expect(await Promise.all([1, 2, 3].map(() => svc.getOrLoad('k', 60_000, load)))).toEqual(['v1', 'v1', 'v1']);
    expect(loads).toBe(1);
  });

  it('write-through over pubsub: a write sets the value in Redis and tells the other processes, which drop their L1 copy', async () => {
    const Svc = await loadCacheService('cache grace, write-through over pubsub, single flight, Redis errors not suppressed');
    const redis = standInRedis();
    const bus = standInRedis();
    const svc = new Svc(redis, bus);
    expect(await svc.getOrLoad('k', 60_000, async () => 'old')).toBe('old');
    await svc.writeThrough!('k', 'new', 60_000);
    expect(JSON.parse(redis.keys.get('k')!).data).toBe('new');
    expect(await svc.getOrLoad('k', 60_000, async () => 'db')).toBe('new');
    // its own message leaves its L1 alone; another process's drops the key from it (then Redis answers)
    bus.listener!(redis.published[0]);
    await redis.set('k', JSON.stringify({ data: 'other', expires: Date.now() + 60_000 }), { PX: 60_000 });
    expect(await svc.getOrLoad('k', 60_000, async () => 'db')).toBe('new');
    bus.listener!(JSON.stringify({ from: 'another process', keys: ['k'] }));
    expect(await svc.getOrLoad('k', 60_000, async () => 'db')).toBe('other');
  });
});

/** The fields PgDog's configuration reads (pgdog-config: General, Database, ShardedTable, ShardedMapping, User), of those an export may write. */
const PGDOG_FIELDS: Record<string, string[]> = {
  general: ['host', 'port', 'default_pool_size', 'checkout_timeout', 'load_balancing_strategy', 'expanded_explain', 'two_phase_commit', 'auth_type'],
  databases: ['name', 'host', 'port', 'role', 'shard', 'database_name', 'user', 'password'],
  sharded_tables: ['database', 'name', 'schema', 'column', 'primary', 'data_type', 'hasher'],
  sharded_mappings: ['database', 'column', 'table', 'schema', 'kind', 'start', 'end', 'values', 'shard'],
  users: ['name', 'database', 'password'],
};

const python = (() => {
  try {
    execFileSync('python3', ['-c', 'import tomllib']);
    return true;
  } catch {
    return false;
  }
})();

/** A TOML file as Python's tomllib (TOML 1.0) reads it: a syntax error throws. */
const toml = (text: string): Record<string, any> =>
  JSON.parse(execFileSync('python3', ['-c', 'import json, sys, tomllib; print(json.dumps(tomllib.loads(sys.stdin.read())))'], { input: text, encoding: 'utf8' }));

describe.skipIf(!python)(`exported pgdog.toml and users.toml${python ? '' : ' (skipped: python3 with tomllib missing)'}`, () => {
  const exported = (name: string, file: string) => toml(EXPORTS.find(([n]) => n === name)![1].find((f) => f.path === `pgdog/${file}`)!.text);
  const keysRead = (doc: Record<string, any>) => {
    for (const [section, value] of Object.entries(doc)) {
      for (const entry of Array.isArray(value) ? value : [value]) expect(Object.keys(entry).filter((k) => !PGDOG_FIELDS[section]?.includes(k)), section).toEqual([]);
    }
  };

  it('parses as TOML with only the fields PgDog reads: the shards as [[databases]], the shard map as [[sharded_tables]]', () => {
    const doc = exported('sharding-pgdog', 'pgdog.toml');
    keysRead(doc);
    expect(doc.general).toEqual({
      host: '0.0.0.0',
      port: 6432,
      default_pool_size: 10,
      checkout_timeout: 5000,
      load_balancing_strategy: 'random',
      expanded_explain: true,
      two_phase_commit: false,
      auth_type: 'trust',
    });
    expect(doc.databases.map((d: any) => [d.host, d.role, d.shard])).toEqual([['shard1', 'primary', 0], ['shard2', 'primary', 1]]);
    expect(doc.sharded_tables.map((t: any) => [t.name, t.column, t.data_type])).toEqual([['users', 'id', 'bigint'], ['orders', 'user_id', 'bigint']]);
    expect(doc.sharded_mappings).toBeUndefined();
    const users = exported('sharding-pgdog', 'users.toml');
    keysRead(users);
    expect(users.users).toEqual([{ name: 'postgres', database: 'mydb', password: 'postgres' }]);
  });

  it('range: a [[sharded_mappings]] per shard and table (start inclusive, end exclusive); a standby is its shard\'s replica', () => {
    const doc = exported('sharding-pgdog, range, a replica', 'pgdog.toml');
    keysRead(doc);
    expect(doc.databases.map((d: any) => [d.host, d.role, d.shard])).toEqual([['shard1', 'primary', 0], ['shard2', 'primary', 1], ['shard1r', 'replica', 0]]);
    expect(doc.sharded_mappings.filter((m: any) => m.table === 'users')).toEqual([
      { database: 'mydb', table: 'users', column: 'id', kind: 'range', end: 501, shard: 0 },
      { database: 'mydb', table: 'users', column: 'id', kind: 'range', start: 501, shard: 1 },
    ]);
  });

  it('geography: a list [[sharded_mappings]] of each shard\'s regions', () => {
    const doc = exported('sharding-pgdog, geography', 'pgdog.toml');
    keysRead(doc);
    expect(doc.sharded_tables).toEqual([{ database: 'mydb', name: 'users', column: 'region', data_type: 'varchar' }]);
    expect(doc.sharded_mappings.map((m: any) => [m.kind, m.values, m.shard])).toEqual([['list', ['us'], 0], ['list', ['eu', 'apac'], 1]]);
  });

  it("a strategy PgDog does not have is said to be PgDog's hash instead", () => {
    const text = EXPORTS.find(([n]) => n === 'sharding-pgdog, modulo')![1].find((f) => f.path === 'pgdog/pgdog.toml')!.text;
    expect(text).toContain('the lab\'s strategy "modulo" is not PgDog\'s');
    expect(toml(text).sharded_mappings).toBeUndefined();
  });
});
