import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataUrlBytes, RecentFiles, readScenarioFile, writeBundle, writeFileAtomic } from '../../electron/files.ts';

describe('files', () => {
  it('writes atomically: the file appears whole and no temporary file is left', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pglab-'));
    const file = join(dir, 'sub', 'scenario.json');
    await writeFileAtomic(file, '{"a":1}');
    await writeFileAtomic(file, '{"a":2}');
    expect(await readFile(file, 'utf8')).toBe('{"a":2}');
    expect(await readdir(join(dir, 'sub'))).toEqual(['scenario.json']);
  });

  it('refuses a huge file and a folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pglab-'));
    await expect(readScenarioFile(dir)).rejects.toThrow(/not a file/);
    const big = join(dir, 'big.json');
    await writeFile(big, Buffer.alloc(6 * 1024 * 1024));
    await expect(readScenarioFile(big)).rejects.toThrow(/larger than/);
  });

  it('keeps recent files, newest first, without duplicates', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pglab-'));
    const recent = new RecentFiles(join(dir, 'recent.json'));
    expect(await recent.list()).toEqual([]);
    await recent.add('/a.json');
    await recent.add('/b.json');
    expect(await recent.add('/a.json')).toEqual(['/a.json', '/b.json']);
  });

  it('writes a bundle under its folder, and nothing at all when one path would leave it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pglab-bundle-'));
    await writeBundle(join(dir, 'out'), [{ path: 'app/databaseRouter.ts', text: 'export {};\n' }]);
    expect(await readFile(join(dir, 'out', 'app', 'databaseRouter.ts'), 'utf8')).toBe('export {};\n');
    await expect(writeBundle(join(dir, 'second'), [{ path: 'ok.txt', text: '' }, { path: '../escaped.txt', text: '' }])).rejects.toThrow(/outside/);
    expect((await readdir(dir)).sort()).toEqual(['out']);
  });

  it('decodes image data URLs', () => {
    expect(dataUrlBytes('data:image/png;base64,AAEC')).toEqual(Buffer.from([0, 1, 2]));
    expect(dataUrlBytes('data:image/svg+xml;charset=utf-8,%3Csvg%3E').toString()).toBe('<svg>');
  });
});
