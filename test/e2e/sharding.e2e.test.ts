/**
 * Sharding in the app (issue 11, "Seeing it"), in one browser session: the range-sharded example runs and
 * the skew heatmap shows its hot shard (sequential sign-up ids all land on the last range).
 * Screenshots go to test-results/screenshots/ (sharding-*), at 1280x720 and 1920x1080.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromiumMissing, openApp, shot } from './browser.ts';

const missing = chromiumMissing();

describe.skipIf(!!missing)(`sharding in Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const id = (testId: string) => page.getByTestId(testId);
  const attr = (testId: string, name: string) => page.evaluate(([t, a]) => document.querySelector(`[data-testid="${t}"]`)?.getAttribute(a) ?? '', [testId, name]);
  const shots = async (name: string) => {
    for (const [w, h] of [
      [1280, 720],
      [1920, 1080],
    ]) {
      await page.setViewportSize({ width: w, height: h });
      await shot(page, `sharding-${name}-${w}x${h}`);
    }
  };

  beforeAll(async () => {
    ({ browser, page, errors } = await openApp(inject('baseUrl')));
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('runs the range-sharded example: the heatmap shows shard2, which takes every new id, as the hot shard', async () => {
    await id('btn-examples').click();
    await page.locator('.menu button', { hasText: 'Range sharding' }).first().click();
    await id('node-shard2').waitFor();
    await id('btn-run').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent?.startsWith('running'), null, { timeout: 180_000 });
    await id('speed').selectOption('10');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart-shard-heat"]')?.getAttribute('data-points')) >= 4, null, { timeout: 120_000 });
    expect(await attr('chart-shard-heat', 'data-hottest')).toBe('shard2');
    await expect(id('shard-heat-summary').textContent()).resolves.toMatch(/^shard2 ran \d+% of the statements \(50% each if even\)/);
    await id('chart-shard-heat').scrollIntoViewIfNeeded();
    await shots('01-heatmap');
    await id('shard-heat-cpu').click();
    await expect(page.locator('[data-testid="chart-shard-heat"] .shard-heat-cell').first().textContent()).resolves.toMatch(/^\d+%$/);
    expect(errors).toEqual([]);
  });
});
