import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import { choosePort, findElectron } from '../../electron/start.ts';

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

  it('serves on the next free port when its port is taken, and on none when PORT asked for a taken one', async () => {
    const taken: Server = createServer();
    await new Promise<void>((r) => taken.listen(0, 'localhost', () => r()));
    const port = (taken.address() as { port: number }).port;
    try {
      const chosen = await choosePort(port, false);
      expect(chosen).toBeGreaterThan(port);
      expect(chosen).toBeLessThanOrEqual(port + 20);
      await expect(choosePort(port, true)).resolves.toBeUndefined();
    } finally {
      taken.close();
    }
  });
});
