/**
 * PGTune's advice in the inspector (issue 13), in Chromium: the default example's primary (16GB, 4 cores,
 * 4GB shared_buffers) gets PGTune's figures beside its own, taking them sets the node's settings, and the
 * postgresql.conf fragment downloads. An instance shape shows its price and whether it was checked.
 * Screenshots at 1280x720 and 1920x1080 go to test-results/screenshots/ (advice-*).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromiumMissing, openApp, shot } from './browser.ts';

const missing = chromiumMissing();

describe.skipIf(!!missing)(`settings advice in Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const id = (testId: string) => page.getByTestId(testId);

  beforeAll(async () => {
    ({ browser, page, errors } = await openApp(inject('baseUrl')));
  });

  afterAll(async () => {
    await browser?.close();
  });

  it("shows PGTune's advice beside the node's settings, and takes it", async () => {
    await id('node-primary').click();
    await id('node-advice').waitFor();
    // 16GB, 4 cores, max_connections 100: shared_buffers 4GB (as set), effective_cache_size 12GB, work_mem
    // (16GB - 4GB) / ((100 + 4) x 3) = 40329kB
    await expect(id('advice-work_mem').textContent()).resolves.toMatch(/^work_mem4MB40329kB$/);
    await expect(id('advice-shared_buffers').getAttribute('class')).resolves.toBeNull();
    await id('node-advice').scrollIntoViewIfNeeded();
    for (const [w, h] of [
      [1280, 720],
      [1920, 1080],
    ] as const) {
      await page.setViewportSize({ width: w, height: h });
      await shot(page, `advice-01-before-${w}x${h}`);
    }
    // two settings off the advice: taking it is one edit, undone in one step
    const sharedBuffers = id('setting-shared_buffers').locator('input');
    await sharedBuffers.fill('2GB');
    await sharedBuffers.press('Enter');
    await expect(id('advice-apply').textContent()).resolves.toContain('2 settings');
    await id('advice-apply').click();
    await expect(id('setting-work_mem').locator('input').inputValue()).resolves.toBe('40329kB');
    await expect(id('setting-shared_buffers').locator('input').inputValue()).resolves.toBe('4GB');
    await expect(id('advice-apply').isDisabled()).resolves.toBe(true);
    await id('btn-undo').click();
    await expect(id('setting-work_mem').locator('input').inputValue()).resolves.toBe('4MB');
    await expect(id('setting-shared_buffers').locator('input').inputValue()).resolves.toBe('2GB');
    await id('advice-apply').click();
    const download = page.waitForEvent('download');
    await id('advice-download').click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('primary.postgresql.conf');
    const text = await (await file.createReadStream()).toArray();
    expect(Buffer.concat(text).toString()).toMatch(/^work_mem = 40329kB$/m);
    await shot(page, 'advice-02-taken');
  });

  it('an instance shape shows its price and where it was checked', async () => {
    const instance = id('setting-instance').locator('select');
    await instance.selectOption('db.m7g.xlarge');
    await expect(id('node-price').textContent()).resolves.toBe('$0.336/h');
    await expect(id('node-price-checked').textContent()).resolves.toMatch(/not checked/);
    await instance.selectOption('db.t4g.medium');
    await expect(id('node-price-checked').textContent()).resolves.toMatch(/checked against infratally/);
    await id('node-memory').scrollIntoViewIfNeeded();
    await shot(page, 'advice-03-instance');
  });

  it('had no uncaught page errors', () => {
    expect(errors).toEqual([]);
  });
});
