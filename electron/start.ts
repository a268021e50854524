/**
 * `npm start`: builds the web app and the Electron shell, then opens the Electron app. Where the
 * Electron binary cannot be obtained (it is downloaded on first launch, and some machines cannot reach
 * the download), it says so in one paragraph and serves the same app on a local URL instead.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
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

/** Whether nothing listens on `port` of localhost (the host vite preview binds). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, 'localhost', () => probe.close(() => resolve(true)));
  });
}

/**
 * The port to serve on: `wanted` if free; else, unless the user asked for it (PORT), the next free one of
 * the following `tries`. Undefined when there is none: the caller says so in a sentence, not a stack trace.
 */
export async function choosePort(wanted: number, fixed: boolean, tries = 20): Promise<number | undefined> {
  for (let p = wanted; p <= wanted + (fixed ? 0 : tries); p++) if (await portFree(p)) return p;
  return undefined;
}

async function main(): Promise<void> {
  run(['vite', 'build']);
  run(['vite', 'build', '-c', 'vite.electron.config.ts', '--mode', 'main']);
  run(['vite', 'build', '-c', 'vite.electron.config.ts', '--mode', 'preload']);
  const electron = findElectron();
  if ('path' in electron) {
    const child = spawn(electron.path, ['dist-electron/main.cjs'], { stdio: 'inherit' });
    child.on('exit', (code) => process.exit(code ?? 0));
    return;
  }
  const wanted = Number(process.env.PORT ?? 4173);
  const port = await choosePort(wanted, process.env.PORT !== undefined);
  if (port === undefined) {
    console.error(
      process.env.PORT !== undefined
        ? `\nPort ${wanted} (PORT) is already in use: stop what listens there, or set PORT to another port.\n`
        : `\nPorts ${wanted} to ${wanted + 20} are all in use: set PORT to a free port.\n`,
    );
    process.exit(1);
  }
  if (port !== wanted) console.log(`\nPort ${wanted} is in use (is the app already running?): serving on ${port} instead.`);
  console.log(
    `\nElectron cannot be started here: ${electron.missing}. ` +
      `The desktop shell is built (dist-electron/) and will open wherever an Electron binary is available ` +
      `(or set ELECTRON_OVERRIDE_DIST_PATH to a folder holding one). Meanwhile the same app is served at ` +
      `http://localhost:${port}/ — open it in Chromium or Chrome; files are saved as downloads and your work ` +
      `is autosaved in the browser. Press Ctrl+C to stop.\n`,
  );
  const server = spawn(npx, ['vite', 'preview', '--port', String(port), '--strictPort'], { stdio: 'inherit' });
  server.on('exit', (code) => process.exit(code ?? 0));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split(/[\\/]/).pop()!)) void main();
