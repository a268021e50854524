import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { findElectron } from '../../electron/start.ts';

describe('npm start', () => {
  it('finds the Electron binary or says why not, without downloading it', async () => {
    const r = findElectron();
    if ('path' in r) expect(r.path).toMatch(/electron/);
    else expect(r.missing).toMatch(/binary|not installed/);
  });

  it('honours ELECTRON_OVERRIDE_DIST_PATH', async () => {
    const dir = await mkdtemp(`${tmpdir()}/no-electron-`);
    process.env.ELECTRON_OVERRIDE_DIST_PATH = dir;
    try {
      expect(findElectron()).toEqual({ missing: expect.stringContaining('ELECTRON_OVERRIDE_DIST_PATH') });
    } finally {
      delete process.env.ELECTRON_OVERRIDE_DIST_PATH;
    }
  });
});
