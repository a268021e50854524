/**
 * Export (npm run export) checked by the real tools: `postgres -C` reads every setting of each
 * postgresql.conf fragment with the value written, PgBouncer starts on each pgbouncer.ini (on a free
 * loopback port, stopped by its PID), and tsc compiles the generated TypeScript against the real pg and
 * redis packages. Skipped, saying why, where PostgreSQL or PgBouncer is not installed.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, missingTools, postgresBin, Servers } from '../../real/servers.ts';
import { readExportTemplates } from '../../sim/cli/exportTemplates.ts';
import { applyOverrides, type ExportedFile, exportScenario as exportWithTemplates, parseScenarioText } from '../../sim/index.ts';

const templates = readExportTemplates();
const exportScenario = (s: Parameters<typeof exportWithTemplates>[0]) => exportWithTemplates(s, templates);

const scenario = (file: string, sets: string[] = []) => {
  const p = parseScenarioText(readFileSync(`lessons/scenarios/${file}.json`, 'utf8'));
  if (!p.ok) throw new Error(file);
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
  ['sharding-hash', exportScenario(scenario('sharding-hash'))],
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
    const fragments = files('postgresql.conf');
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
    expect(checked).toBeGreaterThan(40);
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

describe('exported application code', () => {
  it('tsc --strict compiles every generated DatabaseRouter, CacheService and ShardRouter with the real pg and redis types', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pg-lab-export-ts-'));
    try {
      symlinkSync(resolve('node_modules'), join(dir, 'node_modules'));
      const ts = EXPORTS.flatMap(([name, fs]) => fs.filter((f) => f.path.endsWith('.ts')).map((f) => ({ name, f })));
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
