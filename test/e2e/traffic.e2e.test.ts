/**
 * One data path for every hop (issue 10): with app -> pgbouncer -> primary -> replicas running, every edge
 * carries its own dots: requests on app -> pgbouncer and pgbouncer -> primary (the same request, stamped by
 * each hop), reads on app -> replicas, the WAL stream on primary -> replicas. Screenshots at the app's size
 * and at a projector's 1280x720 go to test-results/screenshots/ (traffic-*).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromiumMissing, openApp, shot, settledCount } from './browser.ts';

const missing = chromiumMissing();
const EDGES = ['app->pgbouncer', 'pgbouncer->primary', 'app->replica1', 'app->replica2', 'primary->replica1', 'primary->replica2'];

describe.skipIf(!!missing)(`traffic on every edge in Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let browser: Browser;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    ({ browser, page, errors } = await openApp(inject('baseUrl')));
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('app -> pgbouncer -> primary -> replicas: dots on every edge while it runs', async () => {
    await page.getByTestId('btn-examples').click();
    await page.locator('.menu button', { hasText: 'Read replicas behind PgBouncer' }).first().click();
    await page.getByTestId('node-pgbouncer').waitFor();
    expect(await settledCount(page, '.react-flow__edge', EDGES.length)).toBe(EDGES.length);
    await page.getByTestId('btn-run').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent?.startsWith('running'), null, { timeout: 180_000 });
    // Each snapshot draws the messages on the wire now; collect the edges seen with dots over a few seconds.
    const seen = new Set<string>();
    let all = false;
    for (let i = 0; i < 200 && (seen.size < EDGES.length || !all); i++) {
      const now: string[] = await page.evaluate(() => [...document.querySelectorAll('circle.pg-dot[data-edge]')].map((c) => c.getAttribute('data-edge') ?? ''));
      for (const e of now) seen.add(e);
      // a frame with dots on every edge at once, for the screenshot
      if (!all && EDGES.every((e) => now.includes(e))) {
        all = true;
        await shot(page, 'traffic-01-every-edge');
      }
      await page.waitForTimeout(100);
    }
    expect([...seen].sort()).toEqual([...EDGES].sort());
    if (!all) await shot(page, 'traffic-01-every-edge');
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.locator('.react-flow__controls-fitview').click();
    await page.waitForTimeout(600);
    await shot(page, 'traffic-02-projector-1280x720');
  });

  it('had no uncaught page errors', () => {
    expect(errors).toEqual([]);
  });
});
