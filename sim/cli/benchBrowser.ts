/**
 * The benchmark's browser figures (`npm run bench -- --browser`): the built web app (a production `vite
 * build`, skipped with E2E_SKIP_BUILD=1 like the e2e tests) in Debian's headless Chromium, started as the e2e
 * tests start it (test/e2e/browser.ts).
 *
 * - The worst long task (Long Tasks API) from a cold start: the page opened until its first screen lists the lessons.
 * - Simulated seconds per wall second at max speed on the read-replicas example: the toolbar's virtual time
 *   read over a wall-clock window once the engines have booted and the first simulated second has passed
 *   (the boot is the boot figure's business), and the worst long task during that window.
 * - The CPU Chromium spent over that window per simulated second (Linux: /proc, threadTimes.ts), by thread:
 *   a figure of the work, which the machine's load does not change as it changes the wall time. Cores over it
 *   is the most simulated seconds per wall second that work allows on an idle machine. Beside it, the
 *   share of the window the workers waited for a CPU: on a loaded machine, the wall figure is that wait.
 */
import { availableParallelism, loadavg } from 'node:os';
import { build, preview } from 'vite';
import { instrument, launch, longTasksSince } from '../../test/e2e/browser.ts';
import { processTree, type ThreadTimes, threadTimes, threadTimesBetween } from './threadTimes.ts';

/** Wall time the run at max speed is measured over. */
const WINDOW_MS = 20_000;
const POLL = { polling: 100, timeout: 300_000 } as const;

export interface BrowserFigures {
  coldStartWorstLongTaskMs: number;
  simSecondsPerWallSecond: number;
  runWorstLongTaskMs: number;
  loadAverage: number;
  /** Over the window, per simulated second (none without /proc). */
  cpu?: BrowserCpu;
}

export interface BrowserCpu {
  /** Every Chromium thread's CPU seconds per simulated second. */
  total: number;
  /** Each busy Web Worker's, in the order they started: the sim's, then the engines'. */
  workers: number[];
  /** The page's main thread (React, the canvas, the charts). */
  page: number;
  /** The workers' time on a CPU and runnable but waiting for one, as shares of the window. */
  workersOnCpu: number;
  workersWaiting: number;
}

/** What Chromium's threads did between two readings, per simulated second. */
function browserCpu(before: readonly ThreadTimes[], after: readonly ThreadTimes[], simSeconds: number, wallMs: number): BrowserCpu | undefined {
  const threads = threadTimesBetween(before, after);
  if (threads.length === 0 || !(simSeconds > 0)) return undefined;
  const perSim = (ms: number) => Math.round(ms / 1000 / simSeconds * 1000) / 1000;
  // a worker that did nothing in the window (the scenario reader) is not one of the run's
  const workers = threads.filter((t) => t.name === 'DedicatedWorker' && t.cpuMs > wallMs / 100).sort((a, b) => a.tid - b.tid);
  const renderer = workers[0]?.pid;
  const sum = (ts: ThreadTimes[], f: (t: ThreadTimes) => number) => ts.reduce((a, t) => a + f(t), 0);
  return {
    total: perSim(sum(threads, (t) => t.cpuMs)),
    workers: workers.map((t) => perSim(t.cpuMs)),
    page: perSim(sum(threads.filter((t) => t.tid === renderer), (t) => t.cpuMs)),
    workersOnCpu: Math.round(sum(workers, (t) => t.cpuMs) / workers.length / wallMs * 100) / 100,
    workersWaiting: Math.round(sum(workers, (t) => t.waitMs) / workers.length / wallMs * 100) / 100,
  };
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
    // the example's 30 s would end within the window at max speed (the scenario's inspector has run.duration)
    await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
    await page.getByTestId('run-duration').locator('input').fill('3600s');
    await page.getByTestId('run-duration').locator('input').press('Enter');
    await page.getByTestId('speed').selectOption('max');
    await page.getByTestId('btn-run').click();
    const simTime = async () => Number(await page.getByTestId('sim-time').textContent());
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="sim-time"]')?.textContent) >= 1, null, POLL);
    // Chromium's processes are this one's children
    const chromium = processTree(process.pid).filter((pid) => pid !== process.pid);
    const t0 = await page.evaluate(() => performance.now());
    const s0 = await simTime();
    const before = threadTimes(chromium);
    await page.waitForTimeout(WINDOW_MS);
    const s1 = await simTime();
    const after = threadTimes(chromium);
    const wall = ((await page.evaluate(() => performance.now())) - t0) / 1000;
    const run = Math.max(0, ...(await longTasksSince(page, t0)));
    await page.getByTestId('btn-pause').click();
    return {
      coldStartWorstLongTaskMs: Math.round(coldStart),
      simSecondsPerWallSecond: Math.round(((s1 - s0) / wall) * 100) / 100,
      runWorstLongTaskMs: Math.round(run),
      loadAverage: Math.round(loadavg()[0] * 10) / 10,
      cpu: browserCpu(before, after, s1 - s0, wall * 1000),
    };
  } finally {
    await browser.close();
    await server.close();
  }
}

export function printBrowserFigures(f: BrowserFigures): void {
  console.log(`browser: cold start worst long task ${f.coldStartWorstLongTaskMs} ms (target <= 50) ${f.coldStartWorstLongTaskMs <= 50 ? 'PASS' : 'MISS'}`);
  console.log(`browser: read-replicas at max speed ${f.simSecondsPerWallSecond} simulated s per wall s (target >= 10) ${f.simSecondsPerWallSecond >= 10 ? 'PASS' : 'MISS'}, worst long task meanwhile ${f.runWorstLongTaskMs} ms`);
  const c = f.cpu;
  if (c) {
    console.log(`browser: CPU ${c.total} s per simulated s (sim worker ${c.workers[0]}, engine workers ${c.workers.slice(1).join(' + ')}, page ${c.page}, Chromium's other threads ${Math.round((c.total - c.workers.reduce((a, b) => a + b, 0) - c.page) * 1000) / 1000}): at most ${Math.round((availableParallelism() / c.total) * 10) / 10} simulated s per wall s on ${availableParallelism()} idle cores`);
    console.log(`browser: the workers ran ${Math.round(c.workersOnCpu * 100)} % of the window and waited for a CPU ${Math.round(c.workersWaiting * 100)} %`);
  }
  console.log(`(browser figures at load average ${f.loadAverage} on ${availableParallelism()} cores)`);
}
