/**
 * The benchmark's browser figures (`npm run bench -- --browser`): the built web app (a production `vite
 * build`, skipped with E2E_SKIP_BUILD=1 like the e2e tests) in Debian's headless Chromium, started as the e2e
 * tests start it (test/e2e/browser.ts).
 *
 * - The worst long task (Long Tasks API) from a cold start: the page opened until its first screen lists the lessons.
 * - Simulated seconds per wall second at max speed on the read-replicas example: the toolbar's virtual time
 *   read over a wall-clock window once the engines have booted and the first simulated second has passed
 *   (the boot is the boot figure's business), and the worst long task during that window.
 */
import { availableParallelism, loadavg } from 'node:os';
import { build, preview } from 'vite';
import { instrument, launch, longTasksSince } from '../../test/e2e/browser.ts';

/** Wall time the run at max speed is measured over. */
const WINDOW_MS = 20_000;
const POLL = { polling: 100, timeout: 300_000 } as const;

export interface BrowserFigures {
  coldStartWorstLongTaskMs: number;
  simSecondsPerWallSecond: number;
  runWorstLongTaskMs: number;
  loadAverage: number;
}

export async function browserFigures(): Promise<BrowserFigures> {
  if (!process.env.E2E_SKIP_BUILD) {
    // the app users get: React's production build (vite would take NODE_ENV from the environment)
    process.env.NODE_ENV = 'production';
    await build({ configFile: 'vite.config.ts', logLevel: 'warn', mode: 'production' });
  }
  const server = await preview({ configFile: 'vite.config.ts', preview: { port: 0, host: '127.0.0.1', open: false }, logLevel: 'warn' });
  const browser = await launch();
  try {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 720 } })).newPage();
    await instrument(page);
    const url = server.resolvedUrls?.local[0];
    if (!url) throw new Error('the preview server has no URL');
    await page.goto(url);
    await page.getByTestId('welcome-lesson-read-replicas').waitFor({ timeout: 120_000 });
    const coldStart = Math.max(0, ...(await longTasksSince(page, 0)));

    await page.getByTestId('welcome-example-read-replicas.json').click();
    await page.getByTestId('node-replica1').waitFor();
    await page.getByTestId('speed').selectOption('max');
    await page.getByTestId('btn-run').click();
    const simTime = async () => Number(await page.getByTestId('sim-time').textContent());
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="sim-time"]')?.textContent) >= 1, null, POLL);
    const t0 = await page.evaluate(() => performance.now());
    const s0 = await simTime();
    await page.waitForTimeout(WINDOW_MS);
    const s1 = await simTime();
    const wall = ((await page.evaluate(() => performance.now())) - t0) / 1000;
    const run = Math.max(0, ...(await longTasksSince(page, t0)));
    await page.getByTestId('btn-pause').click();
    return {
      coldStartWorstLongTaskMs: Math.round(coldStart),
      simSecondsPerWallSecond: Math.round(((s1 - s0) / wall) * 100) / 100,
      runWorstLongTaskMs: Math.round(run),
      loadAverage: Math.round(loadavg()[0] * 10) / 10,
    };
  } finally {
    await browser.close();
    await server.close();
  }
}

export function printBrowserFigures(f: BrowserFigures): void {
  console.log(`browser: cold start worst long task ${f.coldStartWorstLongTaskMs} ms (target <= 50) ${f.coldStartWorstLongTaskMs <= 50 ? 'PASS' : 'MISS'}`);
  console.log(`browser: read-replicas at max speed ${f.simSecondsPerWallSecond} simulated s per wall s (target >= 10) ${f.simSecondsPerWallSecond >= 10 ? 'PASS' : 'MISS'}, worst long task meanwhile ${f.runWorstLongTaskMs} ms`);
  console.log(`(browser figures at load average ${f.loadAverage} on ${availableParallelism()} cores)`);
}
