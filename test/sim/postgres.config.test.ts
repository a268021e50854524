/**
 * A postgres node's configuration: PGTune's advice, the memory-risk flag, postgresql.conf in and out
 * through the kind registry, and the CLI's --advise.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../sim/cli/main.ts';
import { nodeKind } from '../../sim/index.ts';
import { formatPostgresqlConf, parsePostgresqlConf } from '../../sim/nodes/postgres/conf.ts';
import { memoryRisk, pgtune } from '../../sim/nodes/postgres/pgtune.ts';
import { postgresSettings } from '../../sim/nodes/postgres/settings.ts';

describe("PGTune's advice", () => {
  // Expected figures: PGTune's "web application" profile on Linux as its source computes them
  // (le0pard/pgtune src/features/configuration/configurationSlice.js, commit 7d204bd: selectSharedBuffers,
  // selectEffectiveCacheSize, selectMaintenanceWorkMem, selectWorkMem, selectParallelSettings).
  // The memory figures match PGTune outputs published for other profiles with the same RAM rules, e.g.
  // joaner/pgtune-go README (2 GB: shared_buffers 512MB, effective_cache_size 1536MB, maintenance_work_mem 128MB).
  it.each([
    // 4 GB, 2 cores: under 4 cores PGTune counts PostgreSQL's default max_worker_processes = 8.
    [{ ram: '4GB', cores: 2, max_connections: 100 }, '1GB', '3GB', '256MB', '9709kB', 8],
    [{ ram: '16GB', cores: 4, max_connections: 200 }, '4GB', '12GB', '1GB', '20560kB', 4],
    // 64 GB: maintenance_work_mem = RAM/16 = 4GB is capped at 2GB.
    [{ ram: '64GB', cores: 16, max_connections: 300 }, '16GB', '48GB', '2GB', '53092kB', 16],
  ])('%o', (hw, shared, cache, maint, work, workers) => {
    expect(pgtune(hw)).toEqual({
      max_connections: hw.max_connections,
      shared_buffers: shared,
      effective_cache_size: cache,
      maintenance_work_mem: maint,
      work_mem: work,
      workers,
    });
  });

  it('matches the 2 GB figures PGTune published (pgtune-go README)', () => {
    const a = pgtune({ ram: '2GB', cores: 8, max_connections: 200 });
    expect([a.shared_buffers, a.effective_cache_size, a.maintenance_work_mem]).toEqual(['512MB', '1536MB', '128MB']);
  });

  it('never proposes less than 64kB of work_mem', () => {
    expect(pgtune({ ram: '512MB', cores: 1, max_connections: 10_000 }).work_mem).toBe('64kB');
  });

  it('flags work_mem x max_connections x 2 sort nodes over the RAM shared_buffers leaves', () => {
    const base = { ram: '16GB', shared_buffers: '4GB', max_connections: 100 };
    // 60MB x 100 x 2 = 12000MB fits in 12288MB; 62MB x 100 x 2 = 12400MB does not.
    expect(memoryRisk({ ...base, work_mem: '60MB' })).toBeUndefined();
    expect(memoryRisk({ ...base, work_mem: '62MB' })).toBe(
      'work_mem 62MB x max_connections 100 x 2 sort/hash nodes = 12400MB, more than the 12288MB that RAM 16GB less ' +
        'shared_buffers 4GB leaves: a busy moment can run out of memory',
    );
  });
});

describe('postgresql.conf', () => {
  it('is the postgres kind’s config file', () => {
    expect(nodeKind('postgres')?.config?.file).toBe('postgresql.conf');
  });

  it('round-trips every setting, the simulated hardware included', () => {
    const s = postgresSettings.parse({
      ram: '64GB',
      cores: 16,
      shared_buffers: 2048,
      work_mem: '64MB',
      synchronous_commit: 'remote_apply',
      synchronous_standby_names: 'FIRST 1 (r1, "r2")',
      max_standby_streaming_delay: -1,
      disk_latency: '1ms',
    });
    const text = formatPostgresqlConf(s, 'primary');
    expect(text).toContain(`synchronous_standby_names = 'FIRST 1 (r1, "r2")'\n`);
    expect(text).toContain('#lab: ram = 64GB\n');
    const back = parsePostgresqlConf(text);
    expect(back).toEqual({ ok: true, settings: s, warnings: [] });
  });

  it("reads PostgreSQL's syntax: optional =, quotes, comments, the last line wins", () => {
    const r = parsePostgresqlConf(
      "# a comment\nshared_buffers 1GB   # PGTune: RAM/4\nWORK_MEM = '8MB'\nwork_mem = 16MB\nsynchronous_commit=off\n",
    );
    expect(r).toEqual({ ok: true, settings: { shared_buffers: '1GB', work_mem: '16MB', synchronous_commit: 'off' }, warnings: [] });
  });

  it('refuses bad values with their line and the schema’s message, and changes nothing', () => {
    const r = parsePostgresqlConf('max_connections = 100\nwork_mem = 4XB\nshared_buffers = 2TB\nmax_connections = 1e3\nram 8 GB\n');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([
      { line: 2, message: 'invalid value for parameter "work_mem": "4XB" (postgresql.conf line 2): expected a size such as 4MB, or a number of kB units' },
      { line: 3, message: 'invalid value for parameter "shared_buffers": "2TB" (postgresql.conf line 3): 2TB is outside the allowed range 128kB to 1TB' },
      { line: 4, message: 'invalid value for parameter "max_connections": "1e3" (postgresql.conf line 4): Invalid input: expected number, received string' },
      { line: 5, message: 'syntax error near token "GB" (postgresql.conf line 5)' },
    ]);
  });

  it('puts a cross-setting error on the line of the setting', () => {
    const r = parsePostgresqlConf('max_connections = 10\n\nsuperuser_reserved_connections = 10\n');
    expect(r).toMatchObject({ ok: false, errors: [{ line: 3, message: expect.stringContaining('less than max_connections') }] });
  });

  it('warns, naming the line, about parameters it does not model or know, and keeps the rest', () => {
    const r = parsePostgresqlConf(
      'maintenance_work_mem = 1GB\npg_stat_statements.max = 10000\nshared_bufers = 1GB\nram = 8GB\nwork_mem = 8MB\ninclude_dir = conf.d\n',
    );
    expect(r).toMatchObject({ ok: false, errors: [{ line: 6 }] });
    const ok = parsePostgresqlConf('maintenance_work_mem = 1GB\npg_stat_statements.max = 10000\nshared_bufers = 1GB\nram = 8GB\nwork_mem = 8MB\n');
    expect(ok).toEqual({
      ok: true,
      settings: { work_mem: '8MB' },
      warnings: [
        { line: 1, message: 'maintenance_work_mem is a PostgreSQL parameter the simulator does not model; ignored' },
        { line: 2, message: 'pg_stat_statements.max is a PostgreSQL parameter the simulator does not model; ignored' },
        {
          line: 3,
          message: 'unrecognized configuration parameter "shared_bufers" (postgresql.conf line 3): a real server would refuse to start; ignored',
        },
        { line: 4, message: `ram is the simulator's, not PostgreSQL's: write it as "#lab: ram = ..."; ignored` },
      ],
    });
  });
});

describe('npm run sim -- FILE --advise NODE', () => {
  afterEach(() => vi.restoreAllMocks());

  async function run(argv: string[]) {
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((s: string) => void out.push(s));
    vi.spyOn(console, 'error').mockImplementation((s: string) => void out.push(s));
    return { code: await main(argv), out: out.join('\n') };
  }

  it('prints the advice as a postgresql.conf fragment, with the memory risk of the current settings', async () => {
    const r = await run(['lessons/scenarios/single-primary.json', '--set', 'primary.work_mem=128MB', '--advise', 'primary']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        "# PGTune's advice (web application, Linux) for node primary: 16GB RAM, 4 cores",
        '# work_mem assumes max_worker_processes = 4',
        '# WARNING: current settings: work_mem 128MB x max_connections 100 x 2 sort/hash nodes = 25600MB, more than the ' +
          '12288MB that RAM 16GB less shared_buffers 4GB leaves: a busy moment can run out of memory',
        'max_connections = 100',
        'shared_buffers = 4GB',
        'effective_cache_size = 12GB',
        'maintenance_work_mem = 1GB',
        'work_mem = 40329kB',
      ].join('\n'),
    );
    // The fragment is a postgresql.conf the node's own import reads (maintenance_work_mem is not modelled).
    const back = parsePostgresqlConf(r.out);
    expect(back).toMatchObject({ ok: true, settings: { shared_buffers: '4GB', work_mem: '40329kB' }, warnings: [{ line: 7 }] });
  });

  it('refuses a node that is not a postgres node', async () => {
    expect(await run(['lessons/scenarios/single-primary.json', '--advise', 'app'])).toEqual({ code: 2, out: 'error: --advise: node "app" (app) has no settings advice' });
  });
});
