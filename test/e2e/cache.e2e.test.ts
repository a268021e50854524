/**
 * The cache in the app (issue 12), in one browser session: the example's operations show what they
 * cache in the workload editor and the app's cache_strategy is set there; a run shows Redis hits and
 * misses on the app -> redis edge and the cache charts; a stale cached read is explained; Redis is
 * killed and the app keeps answering from the database. Screenshots go to test-results/screenshots/ (cache-*).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromiumMissing, openApp, shot } from './browser.ts';

const missing = chromiumMissing();

describe.skipIf(!!missing)(`the cache in Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const id = (testId: string) => page.getByTestId(testId);
  const points = (testId: string) => page.evaluate((t) => Number(document.querySelector(`[data-testid="${t}"]`)?.getAttribute('data-points') ?? 0), testId);

  beforeAll(async () => {
    ({ browser, page, errors } = await openApp(inject('baseUrl')));
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('the workload editor shows what each operation caches, and the app’s cache_strategy', async () => {
    await id('btn-examples').click();
    await page.locator('.menu button', { hasText: 'Cache in front of the primary' }).first().click();
    await id('node-redis').waitFor();
    await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
    await expect(id('cache-key-get_user').inputValue()).resolves.toBe('user:{$1}');
    await expect(id('cache-ttl-get_user').inputValue()).resolves.toBe('30s');
    await expect(id('cache-invalidates-rename_user').inputValue()).resolves.toBe('user:{$1}');
    await expect(id('cache-key-list_orders').inputValue()).resolves.toBe('');
    // the seed's strategy (ttl only): renames leave old values in the cache, for the stale-reads tab
    await id('cache-strategy-app').locator('select').selectOption('ttl');
    await expect(id('cache-strategy-app').locator('select').inputValue()).resolves.toBe('ttl');
    // a smaller data set boots faster
    await id('workload-data-users').locator('input').fill('2000');
    await id('workload-data-users').locator('input').press('Enter');
    await id('cache-strategy-app').scrollIntoViewIfNeeded();
    await shot(page, 'cache-01-workload-editor');
  });

  it('runs: Redis hits and misses on the app -> redis edge, and the cache charts', async () => {
    await id('btn-run').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent?.startsWith('running'), null, { timeout: 180_000 });
    await id('speed').selectOption('10');
    await page.waitForFunction(() => /L2 \d+ hits · \d+ misses/.test(document.querySelector('[data-testid="edge-label-app-redis"]')?.textContent ?? ''), null, { timeout: 60_000 });
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart-cache-hit"]')?.getAttribute('data-points')) >= 10, null, { timeout: 60_000 });
    expect(await points('chart-cache-db')).toBeGreaterThanOrEqual(10);
    expect(await points('chart-cache-latency')).toBeGreaterThanOrEqual(10);
    expect(await points('chart-cache-stale')).toBeGreaterThanOrEqual(10);
    await shot(page, 'cache-02-running');
  });

  it('a stale cached read is explained: key, level, the write it missed, why', async () => {
    await id('tab-stale').click();
    await id('cache-stale-row').first().waitFor({ timeout: 60_000 });
    await expect(id('cache-stale-summary').textContent()).resolves.toMatch(/app cache: \d+ stale of \d+ L1 hits, \d+ stale of \d+ Redis hits/);
    await id('cache-stale-row').first().click();
    await id('cache-stale-explanation').waitFor();
    await expect(id('cache-stale-explanation').textContent()).resolves.toMatch(/Why user:\d+ from/);
    await expect(id('cache-stale-why').textContent()).resolves.toContain('cache_strategy is ttl');
    await shot(page, 'cache-03-stale-read');
  });

  it('redis: its charts, and a kill: the app answers from the database', async () => {
    await id('tab-metrics').click();
    await id('node-redis').click();
    await id('redis-faults').waitFor();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart-redis-memory"]')?.getAttribute('data-points')) >= 3, null, { timeout: 60_000 });
    const failedBefore = Number(await id('failed').textContent());
    await id('fault-kill').click();
    await id('redis-down').waitFor({ timeout: 30_000 });
    await page.waitForFunction(() => /errors/.test(document.querySelector('[data-testid="edge-label-app-redis"]')?.textContent ?? ''), null, { timeout: 60_000 });
    expect(Number(await id('failed').textContent())).toBe(failedBefore);
    await shot(page, 'cache-04-redis-killed');
    await id('fault-start').click();
    await page.waitForFunction(() => !document.querySelector('[data-testid="redis-down"]'), null, { timeout: 30_000 });
    expect(errors).toEqual([]);
  });
});
