/**
 * `npm start`: builds the web app and the Electron shell, then opens the Electron app. Where the
 * Electron binary cannot be obtained (it is downloaded on first launch, and some machines cannot reach
 * the download), it says so in one paragraph and serves the same app on a local URL instead.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

function run(args: string[]): void {
  const r = spawnSync(npx, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** The Electron binary if it is installed, else why not. Never triggers a download. */
export function findElectron(): { path: string } | { missing: string } {
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    const p = join(process.env.ELECTRON_OVERRIDE_DIST_PATH, process.platform === 'win32' ? 'electron.exe' : 'electron');
    return existsSync(p) ? { path: p } : { missing: `ELECTRON_OVERRIDE_DIST_PATH has no Electron binary (${p})` };
  }
  let pkgDir: string;
  try {
    pkgDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { missing: 'the electron package is not installed' };
  }
  const pathFile = join(pkgDir, 'path.txt');
  if (!existsSync(pathFile)) return { missing: "the electron package is installed but its binary was never downloaded (it is fetched on first launch, and that download is not possible from this machine)" };
  const bin = join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin) ? { path: bin } : { missing: `the Electron binary is missing (${bin})` };
}

function main(): void {
  run(['vite', 'build']);
  run(['vite', 'build', '-c', 'vite.electron.config.ts', '--mode', 'main']);
  run(['vite', 'build', '-c', 'vite.electron.config.ts', '--mode', 'preload']);
  const electron = findElectron();
  if ('path' in electron) {
    const child = spawn(electron.path, ['dist-electron/main.cjs'], { stdio: 'inherit' });
    child.on('exit', (code) => process.exit(code ?? 0));
    return;
  }
  const port = process.env.PORT ?? '4173';
  console.log(
    `\nElectron cannot be started here: ${electron.missing}. ` +
      `The desktop shell is built (dist-electron/) and will open wherever an Electron binary is available ` +
      `(or set ELECTRON_OVERRIDE_DIST_PATH to a folder holding one). Meanwhile the same app is served at ` +
      `http://localhost:${port}/ — open it in Chromium or Chrome; files are saved as downloads and your work ` +
      `is autosaved in the browser. Press Ctrl+C to stop.\n`,
  );
  const server = spawn(npx, ['vite', 'preview', '--port', port, '--strictPort'], { stdio: 'inherit' });
  server.on('exit', (code) => process.exit(code ?? 0));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split(/[\\/]/).pop()!)) main();
