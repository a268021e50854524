/** Importing a node's configuration file: the real file's settings, the simulated machine kept. */
import { describe, expect, it } from 'vitest';
import { type ConfigFormat, nodeKind } from '../../sim/index.ts';
import { importedSettings } from '../../renderer/files/configImport.ts';

const config = (kind: string) => nodeKind(kind)!.config as ConfigFormat<Record<string, unknown>>;

describe('importing a configuration file', () => {
  it("a real server's postgresql.conf (no #lab: lines) keeps the node's cores and RAM, and resets what it omits", () => {
    const pg = config('postgres');
    const before = nodeKind('postgres')!.settings.parse({ cores: 16, ram: '64GB', work_mem: '64MB' }) as Record<string, unknown>;
    const parsed = pg.parse('shared_buffers = 16GB\nmax_connections = 200\n');
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const after = importedSettings(pg, before, parsed.settings as Record<string, unknown>);
    expect(after).toMatchObject({ cores: 16, ram: '64GB', shared_buffers: '16GB', max_connections: 200 });
    // work_mem is a PostgreSQL parameter the file omits: not kept (it takes its default on replace)
    expect(after.work_mem).toBeUndefined();
  });

  it('#lab: lines in the file win over the kept machine', () => {
    const pg = config('postgres');
    const before = nodeKind('postgres')!.settings.parse({ cores: 16 }) as Record<string, unknown>;
    const parsed = pg.parse('#lab: cores = 2\n');
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    expect(importedSettings(pg, before, parsed.settings as Record<string, unknown>).cores).toBe(2);
  });

  it('pgbouncer.ini keeps nothing: a setting the file omits takes its default, as RELOAD does', () => {
    const ini = config('pgbouncer');
    const before = nodeKind('pgbouncer')!.settings.parse({ default_pool_size: 50 }) as Record<string, unknown>;
    const parsed = ini.parse('[databases]\nmydb = host=primary dbname=mydb\n[pgbouncer]\npool_mode = transaction\n');
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    expect(importedSettings(ini, before, parsed.settings as Record<string, unknown>).default_pool_size).not.toBe(50);
  });
});
