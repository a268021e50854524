/**
 * Exporting the canvas (issue 14, defect 1: the PNG and the SVG drew the nodes and the edge labels but no
 * edges: html-to-image copies an <svg> without its children's stylesheet paint). The SVG is read as text:
 * every edge of the canvas must be a path with a visible stroke; the PNG is looked at (test-results/e2e-export.png).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromiumMissing, openApp } from './browser.ts';

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

describe.skipIf(!!missing)(`exporting the canvas${missing ? ` (skipped: ${missing})` : ''}`, () => {
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
    const edges = await page.locator('.react-flow__edge').count();
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
});
