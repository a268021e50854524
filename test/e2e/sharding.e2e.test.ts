/**
 * Sharding in the app (issue 11, "Seeing it"), in one browser session: the range-sharded example runs and
 * the skew heatmap shows its hot shard (sequential sign-up ids all land on the last range); the shard map is
 * edited in the inspector (a bad bound refused beside its field, then hash partitioning instead of ranges)
 * and the next run spreads the load; route explain in the console says where a statement goes and why; the
 * Shards tab has a row per shard from the monitoring queries run on each, and plans a reshard (what moves,
 * and what each hash strategy would move) before running it.
 * Screenshots go to test-results/screenshots/ (sharding-*), at 1024x768, 1280x720 and 1920x1080.
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
  /** Screenshots at both sizes, `show` scrolled into view at each. */
  const shots = async (name: string, show?: string) => {
    for (const [w, h] of [
      [1024, 768],
      [1280, 720],
      [1920, 1080],
    ]) {
      await page.setViewportSize({ width: w, height: h });
      if (show) await id(show).scrollIntoViewIfNeeded();
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
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart-shard-heat"]')?.getAttribute('data-points')) >= 3, null, { timeout: 120_000 });
    expect(await attr('chart-shard-heat', 'data-hottest')).toBe('shard2');
    await expect(id('shard-heat-summary').textContent()).resolves.toMatch(/^shard2 ran \d+% of the statements \(50% each if even\)/);
    await shots('01-heatmap', 'chart-shard-heat');
    // on a projector: the stage layout, the heatmap alone and big
    await page.keyboard.press('Control+Shift+P');
    await id('chart-shard-heat-zoom').click();
    await shots('01-heatmap-stage');
    await id('chart-shard-heat-zoom').click();
    await page.keyboard.press('Control+Shift+P');
    await id('shard-heat-cpu').click();
    await expect(page.locator('[data-testid="chart-shard-heat"] .shard-heat-cell').first().textContent()).resolves.toMatch(/^\d+%$/);
    expect(errors).toEqual([]);
  });

  it('edits the shard map in the inspector: a bad bound is refused beside its field, hash partitioning applies at the next run', async () => {
    await id('btn-pause').click();
    await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
    const bounds = id('shard-map-boundaries').locator('input');
    await bounds.fill('abc');
    await id('shard-map-apply').click();
    await expect(id('shard-map-boundaries').locator('.setting-error').textContent()).resolves.toBe('invalid input syntax for type bigint: "abc"');
    await shots('02-map-refused', 'shard-map-boundaries');
    await id('shard-map-strategy').locator('select').selectOption('hash_partition');
    await expect(id('shard-map-boundaries').count()).resolves.toBe(0);
    await id('shard-map-apply').click();
    await id('shard-map-saved').waitFor();
    await expect(id('run-status').textContent()).resolves.toContain('changed: Reset to apply');
    await shots('03-map-hash', 'shard-map-saved');
    await id('btn-reset').click();
    await id('btn-run').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent?.startsWith('running'), null, { timeout: 180_000 });
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart-shard-heat"]')?.getAttribute('data-points')) >= 2, null, { timeout: 120_000 });
    // hashed, new ids spread: no shard takes much more than its half
    const share = Number(/ran (\d+)%/.exec((await id('shard-heat-summary').textContent()) ?? '')?.[1]);
    expect(share).toBeLessThan(56);
    await id('btn-pause').click();
  });

  it('explains a statement’s route in the console: the key, its hash, the shard and why', async () => {
    await id('tab-console').click();
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+a');
    await page.keyboard.type('SELECT id, name FROM users WHERE id = $1');
    await id('explain-params').fill('1001');
    await id('explain-route').click();
    await id('route-explain').waitFor();
    const lines = await id('route-explain-line').allTextContents();
    expect(lines[0]).toMatch(/^Single shardshard[12]$/);
    expect(lines.join('\n')).toContain('users.id = 1001 (parameter $1, statement 1)');
    expect(lines.join('\n')).toMatch(/partition hash of 1001 .* FOR VALUES WITH \(MODULUS 2, REMAINDER [01]\)/);
    await shots('04-route-explain');
    // a statement without the key: every shard, merged
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+a');
    await page.keyboard.type('SELECT count(*) FROM orders');
    await id('explain-route').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="route-explain-line"]')?.textContent?.startsWith('Scatter-gather'));
    await id('route-explain-close').click();
    await expect(id('route-explain').count()).resolves.toBe(0);
    expect(errors).toEqual([]);
  });

  it('the cluster view: one row per shard, its rows and size counted on it and the seed’s monitoring queries', async () => {
    await id('tab-shards').click();
    await page.waitForFunction(() => /\d/.test(document.querySelector('[data-testid="shards-row-shard2"] td:nth-child(2)')?.textContent ?? ''), null, { timeout: 60_000 });
    const users = await Promise.all(['shard1', 'shard2'].map(async (s) => Number((await id(`shards-row-${s}`).locator('td').nth(1).textContent())?.replace(/,/g, ''))));
    // hashed: each shard holds part of the 1000 users and the sign-ups since
    for (const n of users) expect(n).toBeGreaterThan(300);
    expect(users[0] + users[1]).toBeGreaterThan(1000);
    await expect(id('shards-row-shard1').textContent()).resolves.toMatch(/idle \d+/);
    await shots('05-cluster-view', 'shards-panel');
    expect(errors).toEqual([]);
  });

  it('plans a reshard in the Shards tab (what moves where, and under each hash strategy), then runs it', async () => {
    await id('reshard-shards').fill('shard1');
    await id('reshard-plan').click();
    await id('reshard-preview').waitFor({ timeout: 60_000 });
    // hashed over two shards: about half the keys are on shard2, and every one of them moves to shard1
    const head = (await id('reshard-preview').locator('p b').first().textContent()) ?? '';
    const [, moved, of] = /^([\d,]+) of ([\d,]+) keys move/.exec(head)!.map((x) => Number(x?.replace(/,/g, '')));
    expect(moved / of).toBeGreaterThan(0.35);
    expect(moved / of).toBeLessThan(0.65);
    await expect(id('reshard-preview').locator('table.reshard-moves').textContent()).resolves.toContain('shard2 → shard1');
    await expect(id('reshard-compare').locator('tbody tr').count()).resolves.toBe(4);
    await shots('06-reshard-plan', 'reshard-preview');
    await id('reshard-run').click();
    await expect(id('reshard-started').textContent()).resolves.toMatch(/^resharding onto shard1: /);
    expect(errors).toEqual([]);
  });
});
