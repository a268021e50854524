/**
 * Electron smoke test: where an Electron binary exists, launch the built shell and see the app in its
 * window. Where it does not (these machines cannot download it), the test is reported as skipped, with
 * the reason in its name.
 */
import { existsSync } from 'node:fs';
import { _electron as electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { findElectron } from '../../electron/start.ts';

const found = findElectron();
const reason = 'missing' in found ? found.missing : !existsSync('dist-electron/main.cjs') ? 'the shell is not built (npm run build:electron)' : undefined;

if (reason) console.log(`[electron smoke] skipped: ${reason}`);

describe('Electron shell', () => {
  it.skipIf(!!reason)(`opens the app in a window${reason ? ` (skipped: ${reason})` : ''}`, async () => {
    const app = await electron.launch({ executablePath: (found as { path: string }).path, args: ['dist-electron/main.cjs'] });
    try {
      const win = await app.firstWindow();
      await win.getByTestId('toolbar').waitFor();
      expect(await win.evaluate(() => typeof (window as { pgLab?: unknown }).pgLab)).toBe('object');
      expect(await win.evaluate(() => typeof (window as { require?: unknown }).require)).toBe('undefined');
    } finally {
      await app.close();
    }
  });
});
