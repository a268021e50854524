/**
 * Issue 18, item 5: a valid multi-megabyte scenario neither freezes Open nor, through the autosave, every
 * reload after it; a file over the app's limit is refused with the limit, unread. The main thread is
 * measured with the Long Tasks API (figures printed; the bound is looser on a machine busier than its cores).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromiumMissing, longTasksSince, openApp, shot, settledCount } from './browser.ts';

const missing = chromiumMissing();
const OUT = join(process.cwd(), 'test-results');

/** The single-primary example with 22 operations each drawing from a list of 10,000 values: about 5 MB, valid. */
function bigScenario(): string {
  const base = JSON.parse(readFileSync(join(process.cwd(), 'lessons/scenarios/single-primary.json'), 'utf8'));
  base.name = 'Five megabytes';
  base.workload.operations = Array.from({ length: 22 }, (_, i) => ({
    name: `lookup_${i}`,
    sql: 'SELECT id FROM users WHERE email = $1',
    params: [{ dist: 'list', values: Array.from({ length: 10_000 }, (_, j) => `user${j * 22 + i}@example.com`) }],
  }));
  return JSON.stringify(base);
}

describe.skipIf(!!missing)(`a multi-megabyte scenario in Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const id = (testId: string) => page.getByTestId(testId);
  // A file is read, validated and made a document in the scenario worker, which also makes its file text, its
  // autosave and its recent-files entry (Blobs); the page rebuilds the document from ~100 kB pieces a task at a
  // time (files/docTransfer.ts) and takes it without a copy, and IndexedDB keeps texts as Blobs (a string read
  // back cost the reload 45 ms of CPU in one task). Worst task in CPU (Chromium's trace), A/B with main at a load
  // of 11-13 on 2 cores: the open 12-17 ms (main 140-160: the copies of the document, its file text, its undo
  // step), the reload 11-16 (main 32-39: the pagehide autosave of the unchanged document). Here at a load of
  // 12.2: the open 72 ms, the reload no long task. Long tasks are wall time, which a machine busier than its
  // cores stretches by the time the main thread waits for one: the bound is the long-tasks e2e's, 100 ms per
  // unit of oversubscription (load average / cores), 200 ms at least. It was 800 ms x load per core; before
  // the worker, the open was one task of 40 s and each reload another.
  const bound = () => Math.max(200, 100 * (loadavg()[0] / availableParallelism()));
  const worst = (tasks: number[]) => Math.max(0, ...tasks);
  let file: string;

  beforeAll(async () => {
    ({ browser, page, errors } = await openApp(inject('baseUrl')));
    mkdirSync(OUT, { recursive: true });
    file = join(OUT, 'e2e-5mb-scenario.json');
    writeFileSync(file, bigScenario());
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('opens without freezing the page (parsed and validated in a worker)', async () => {
    const size = readFileSync(file).length;
    expect(size).toBeGreaterThan(5_000_000);
    const t0 = await page.evaluate(() => performance.now());
    await id('file-input').setInputFiles(file);
    await page.waitForFunction(() => /Opened e2e-5mb-scenario\.json/.test(document.querySelector('[data-testid="notice-info"]')?.textContent ?? ''), undefined, { timeout: 60_000 });
    // the autosave runs half a second after the change
    await page.waitForTimeout(2000);
    const tasks = await longTasksSince(page, t0);
    console.log(`[long tasks] open ${(size / 1e6).toFixed(1)} MB: ${tasks.length} long task(s), worst ${worst(tasks).toFixed(0)} ms (load average ${loadavg()[0].toFixed(1)})`);
    expect(worst(tasks)).toBeLessThan(bound());
    await shot(page, 'hardening-5mb-opened');
  });

  it('a reload restores it from the autosave without freezing again', async () => {
    await page.reload();
    await page.waitForFunction(() => /Restored your autosaved work/.test(document.querySelector('[data-testid="notice-info"]')?.textContent ?? ''), undefined, { timeout: 60_000 });
    await page.waitForTimeout(2000);
    const tasks = await longTasksSince(page, 0);
    console.log(`[long tasks] reload with the 5 MB autosave: ${tasks.length} long task(s), worst ${worst(tasks).toFixed(0)} ms`);
    // the page's own start-up is in this measure too
    expect(worst(tasks)).toBeLessThan(bound());
    expect(await settledCount(page, '.react-flow__node', 2)).toBe(2);
  });

  it('refuses a file over the limit with the limit, unread, keeping the work', async () => {
    const huge = join(OUT, 'e2e-25mb-scenario.json');
    writeFileSync(huge, `${' '.repeat(25 * 1024 * 1024)}{}`);
    const t0 = await page.evaluate(() => performance.now());
    await id('file-input').setInputFiles(huge);
    await id('notice-error').waitFor();
    await expect(id('notice-error').textContent()).resolves.toMatch(/the file is 25\.0 MB; the app opens scenarios up to 20\.0 MB/);
    expect(await settledCount(page, '.react-flow__node', 2)).toBe(2);
    expect(worst(await longTasksSince(page, t0))).toBeLessThan(bound());
  });

  it('refuses an invalid multi-megabyte file with its path, off the main thread', async () => {
    const bad = JSON.parse(bigScenario());
    bad.workload.operations[21].params[0].values[9999] = { not: 'a value' };
    const path = join(OUT, 'e2e-5mb-bad-scenario.json');
    writeFileSync(path, JSON.stringify(bad));
    const t0 = await page.evaluate(() => performance.now());
    await id('file-input').setInputFiles(path);
    await page.waitForFunction(() => /operations\[21\]\.params\[0\]\.values\[9999\]/.test(document.querySelector('[data-testid="notice-error"]')?.textContent ?? ''), undefined, { timeout: 60_000 });
    expect(worst(await longTasksSince(page, t0))).toBeLessThan(bound());
  });

  it('had no uncaught page errors', () => {
    expect(errors).toEqual([]);
  });
});
