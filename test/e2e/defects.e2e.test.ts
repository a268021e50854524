/**
 * Defects of issue 14 that only a browser shows, one test each. Exporting the canvas (defect 1: the PNG and the SVG drew the nodes and the edge labels but no
 * edges: html-to-image copies an <svg> without its children's stylesheet paint). The SVG is read as text:
 * every edge of the canvas must be a path with a visible stroke; the PNG is looked at (test-results/e2e-export.png).
 * A link drawn the wrong way (defect 12: a database dragged onto an app was refused with no message).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromiumMissing, openApp, shot, settledCount } from './browser.ts';
import { TEXT_SCALES } from '../../renderer/store/uiSlice.ts';

const missing = chromiumMissing();
const OUT = join(process.cwd(), 'test-results');

async function exported(page: Page, format: 'png' | 'svg'): Promise<Buffer> {
  await page.getByTestId('btn-export').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(`export-${format}`).click()]);
  const file = join(OUT, `e2e-export.${format}`);
  mkdirSync(OUT, { recursive: true });
  await download.saveAs(file);
  return readFileSync(file);
}

describe.skipIf(!!missing)(`issue 14's defects in Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    ({ browser, page } = await openApp(inject('baseUrl')));
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('the PNG shows the edges (looked at: test-results/e2e-export.png)', async () => {
    expect((await exported(page, 'png')).subarray(1, 4).toString()).toBe('PNG');
  });

  it('the SVG draws every edge as a path with a visible stroke', async () => {
    const edges = await settledCount(page, '.react-flow__edge', 1); // the example's one link, drawn a task after its nodes
    expect(edges).toBeGreaterThan(0);
    const svg = (await exported(page, 'svg')).toString('utf8');
    const paths = [...svg.matchAll(/<path[^>]*class="[^"]*react-flow__edge-path[^"]*"[^>]*>/g)].map((m) => m[0]);
    expect(paths.length).toBe(edges);
    for (const p of paths) {
      expect(p).toMatch(/ d="M/);
      expect(p).toMatch(/stroke: rgb\(/);
      expect(p).not.toMatch(/stroke-width: 0px|[^-]opacity: 0;/);
    }
  });

  it('a database dragged onto an app is refused with a message saying why', async () => {
    const out = (await page.getByTestId('handle-out-primary').boundingBox())!;
    const app = (await page.getByTestId('node-app').boundingBox())!;
    await page.mouse.move(out.x + out.width / 2, out.y + out.height / 2);
    await page.mouse.down();
    await page.mouse.move(app.x + app.width / 2, app.y + app.height / 2, { steps: 12 });
    await page.mouse.up();
    await page.getByTestId('notice-error').waitFor();
    await expect(page.getByTestId('notice-error').textContent()).resolves.toMatch(/Cannot connect primary to app: /);
    expect(await settledCount(page, '.react-flow__edge', 1)).toBe(1);
    await shot(page, 'defect-12-refused-link');
  });
});

describe.skipIf(!!missing)(`issue 14's layout defects (6) and the failover re-point (11) in Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let browser: Browser;
  let page: Page;
  const id = (t: string) => page.getByTestId(t);

  beforeAll(async () => {
    ({ browser, page } = await openApp(inject('baseUrl')));
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('the toolbar keeps one row at 1600 and 1440 px, every button inside the window', async () => {
    for (const width of [1600, 1440]) {
      await page.setViewportSize({ width, height: 900 });
      const tops = await id('toolbar').evaluate((bar) => [...bar.children].filter((c) => (c as HTMLElement).offsetParent).map((c) => Math.round(c.getBoundingClientRect().top + c.getBoundingClientRect().height / 2)));
      expect(new Set(tops.map((t) => Math.round(t / 4))).size).toBe(1);
      const right = await id('btn-stage').evaluate((b) => b.getBoundingClientRect().right);
      expect(right).toBeLessThanOrEqual(width);
    }
    // at every larger text size (Aa) every button stays inside the window: the toolbar wraps instead
    for (let i = 0; i < TEXT_SCALES.length - 1; i++) {
      await id('btn-large-text').click();
      const right = await id('btn-stage').evaluate((b) => b.getBoundingClientRect().right);
      expect(right, `Aa at step ${i + 1}`).toBeLessThanOrEqual(1440);
    }
    await id('btn-large-text').click();
  });

  it('no white band after a banner goes: the workspace reaches the bottom of the window', async () => {
    await id('btn-examples').click();
    await page.locator('.menu button', { hasText: 'Read replicas behind PgBouncer' }).click();
    await id('node-replica2').waitFor();
    // a banner comes (a bad seed is refused) and goes
    await id('seed').fill('not a seed');
    await id('seed').press('Tab');
    await id('notice-error').waitFor();
    await page.locator('.notice .close').click();
    expect(await settledCount(page, '.notice', 0)).toBe(0);
    const box = (await id('dock').boundingBox())!;
    expect(Math.round(box.y + box.height)).toBeGreaterThanOrEqual(899);
  });

  it('the metrics header does not move as numbers grow; 4+ charts wrap to a grid with whole titles', async () => {
    await id('btn-run').click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="sim-time"]')?.textContent) >= 2, null, { timeout: 180_000 });
    const lefts = () => page.locator('.metrics-summary .figure').evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().left)));
    const before = await lefts();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="sim-time"]')?.textContent) >= 5, null, { timeout: 120_000 });
    expect(await lefts()).toEqual(before);
    await id('node-pgbouncer').click();
    const charts = await page.locator('.charts .chart').evaluateAll((els) =>
      els.map((e) => ({ w: e.getBoundingClientRect().width, title: e.querySelector('.u-title') as HTMLElement | null })).map((c) => ({ w: c.w, cut: !!c.title && c.title.scrollWidth > c.title.clientWidth })),
    );
    expect(charts.length).toBeGreaterThanOrEqual(5);
    for (const c of charts) {
      expect(c.w).toBeGreaterThanOrEqual(280);
      expect(c.cut).toBe(false);
    }
    await shot(page, 'defect-06-charts-grid');
  });

  it('after kill and promote, the dead primary\'s streams are drawn as ended and PgBouncer can be re-pointed', async () => {
    await id('node-primary').click();
    await id('fault-kill').click();
    await id('node-replica1').click();
    await id('fault-promote').click();
    await page.waitForSelector('[data-testid="repl-lag-replica1"][data-ended="true"]', { timeout: 60_000 });
    await expect(id('repl-lag-replica1').textContent()).resolves.toMatch(/stream ended/);
    await id('repoint-pgbouncer').click();
    await page.waitForSelector('.react-flow__edge[data-id="pgbouncer->replica1"], [data-testid="rf__edge-pgbouncer->replica1"]', { timeout: 30_000 });
    expect(await settledCount(page, '[data-testid="rf__edge-pgbouncer->primary"]', 0)).toBe(0);
    await expect(id('notice-info').textContent()).resolves.toContain('pgbouncer now points at replica1 instead of primary');
    await shot(page, 'defect-11-repointed');
    // running, with the real-time rate and a banner shown, the toolbar still fits at 1440 px
    expect(await id('btn-stage').evaluate((b) => b.getBoundingClientRect().right)).toBeLessThanOrEqual(1440);
  });
});
