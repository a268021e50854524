/**
 * The architect's bench in the app (issue 15), one browser session: a small sweep (2 client counts x 2
 * seeds, 2 simulated seconds each) in the bench worker, its charts and 95 % intervals; a cancel; an A/B of
 * the design against a copy kept as B, its per-second charts overlaid; the deployment files downloaded as a zip. Screenshots (bench-*)
 * at 1280x720 and 1920x1080 (and the sweep at 1024x768) go to test-results/screenshots/.
 */
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromiumMissing, openApp, shot } from './browser.ts';

const missing = chromiumMissing();

describe.skipIf(!!missing)(`the bench in Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const id = (testId: string) => page.getByTestId(testId);
  const workload = async (field: string, value: string) => {
    await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
    await id(`workload-${field}`).locator('input').fill(value);
    await id(`workload-${field}`).locator('input').press('Enter');
  };

  beforeAll(async () => {
    ({ browser, page, errors } = await openApp(inject('baseUrl')));
    await page.setViewportSize({ width: 1280, height: 720 });
    // a smaller data set boots faster
    await workload('data-users', '1000');
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('sweeps workload.clients over 2 values x 2 seeds off the main thread: curves with 95 % intervals and a table', async () => {
    await id('btn-bench').click();
    await id('sweep-setting').selectOption('workload.clients');
    await id('sweep-values').fill('4, 16');
    await id('sweep-seeds').fill('2');
    await id('sweep-duration').fill('2s');
    await id('sweep-run').click();
    await id('bench-progress').waitFor();
    // the page answers while the runs go on: the tabs switch
    await id('bench-tab-ab').click();
    await id('ab-keep').waitFor();
    await id('bench-tab-sweep').click();
    await id('bench-progress').waitFor({ state: 'detached', timeout: 200_000 });
    expect(await id('bench-error').count()).toBe(0);
    const rows = id('sweep-table').locator('tbody tr');
    await expect(rows.count()).resolves.toBe(2);
    const first = await rows.nth(0).locator('td').allTextContents();
    expect(first[0]).toBe('4');
    // two seeds: a mean ± the interval's half-width
    expect(first[1]).toMatch(/^\d+(\.\d+)? ± \d/);
    for (const name of ['throughput', 'latency']) {
      const img = id(`sweep-chart-${name}`);
      expect(await img.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth > 0)).toBe(true);
      const svg = decodeURIComponent((await img.getAttribute('src'))!.split(',')[1]);
      // a whisker per point: the interval drawn
      expect(svg.match(/<circle /g)?.length).toBe(name === 'throughput' ? 2 : 6);
      expect(svg).toContain('<polygon');
    }
    await shot(page, 'bench-01-sweep-1280x720');
    await page.setViewportSize({ width: 1920, height: 1080 });
    await shot(page, 'bench-02-sweep-1920x1080');
    await page.setViewportSize({ width: 1024, height: 768 });
    await shot(page, 'bench-02-sweep-1024x768');
    await page.setViewportSize({ width: 1280, height: 720 });
  });

  it('cancels a sweep under way', async () => {
    await id('sweep-duration').fill('1h');
    await id('sweep-run').click();
    await id('bench-cancel').click();
    await id('bench-progress').waitFor({ state: 'detached', timeout: 60_000 });
    await expect(id('bench-error').textContent()).resolves.toBe('Cancelled.');
  });

  it('A/B: the design against a copy kept as B, on one seed, side by side with differences', async () => {
    await id('bench-tab-ab').click();
    await id('ab-keep').click();
    await id('ab-variant').waitFor();
    await id('bench-close').click();
    await workload('clients', '12');
    await id('btn-bench').click();
    await id('ab-duration').fill('2s');
    await id('ab-run').click();
    await id('ab-result').waitFor({ timeout: 120_000 });
    await expect(id('ab-topology').textContent()).resolves.toContain('workload.clients');
    const tp = await id('ab-table').locator('tr', { hasText: 'throughputRps' }).locator('td').allTextContents();
    expect(tp).toHaveLength(5);
    expect(Number(tp[1])).toBeGreaterThan(0);
    expect(tp[3]).toMatch(/^[+-]\d/);
    // the per-second series of A and B overlaid: a line each, a dot per simulated second
    for (const name of ['throughput', 'p95', 'p99']) {
      const img = id(`ab-chart-${name}`);
      expect(await img.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth > 0)).toBe(true);
      const svg = decodeURIComponent((await img.getAttribute('src'))!.split(',')[1]);
      expect(svg.match(/<polyline /g)).toHaveLength(2);
      expect(svg.match(/<circle /g)?.length).toBeGreaterThanOrEqual(4);
    }
    await id('ab-charts').scrollIntoViewIfNeeded();
    await shot(page, 'bench-03-ab-1280x720');
    await page.setViewportSize({ width: 1920, height: 1080 });
    await shot(page, 'bench-04-ab-1920x1080');
    await page.setViewportSize({ width: 1280, height: 720 });
    await id('bench-close').click();
  });

  it('exports the deployment files as one zip download', async () => {
    await id('btn-export').click();
    const download = page.waitForEvent('download');
    await id('export-bundle').click();
    const d = await download;
    expect(d.suggestedFilename()).toMatch(/-deploy\.zip$/);
    const bytes = readFileSync((await d.path())!);
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('PK\x03\x04');
    expect(bytes.toString('latin1')).toContain('docker-compose.yml');
    expect(bytes.toString('latin1')).toContain('primary/postgresql.conf');
    expect(errors).toEqual([]);
  });
});
