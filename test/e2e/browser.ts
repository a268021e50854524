/** Debian's Chromium through playwright-core (no browser downloads), and screenshot helpers. */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(process.cwd(), 'test-results', 'screenshots');

export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (apt-get install -y chromium)`;
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/** Collects page errors; long tasks are recorded from the start by an init script. */
export async function instrument(page: Page): Promise<string[]> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.addInitScript(() => {
    const w = window as unknown as { __longTasks: { start: number; duration: number }[] };
    w.__longTasks = [];
    try {
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__longTasks.push({ start: e.startTime, duration: e.duration });
      }).observe({ type: 'longtask', buffered: true });
    } catch {
      // No Long Tasks API: the measurement reports nothing.
    }
  });
  return errors;
}

export async function longTasksSince(page: Page, since: number): Promise<number[]> {
  return page.evaluate((t) => (window as unknown as { __longTasks: { start: number; duration: number }[] }).__longTasks.filter((e) => e.start >= t).map((e) => e.duration), since);
}

/**
 * How many elements match `selector` once `expected` of them are drawn, or 15 s went by: the canvas draws a
 * replaced document (New, a file or an example opened), and a node's links, a few tasks after the change.
 */
export async function settledCount(page: Page, selector: string, expected: number): Promise<number> {
  await page.waitForFunction(([s, n]) => document.querySelectorAll(s).length === n, [selector, expected] as const, { timeout: 15_000 }).catch(() => undefined);
  return page.locator(selector).count();
}

/** The first screen opens over a fresh app: tests that start from the canvas close it. */
export async function closeWelcome(page: Page): Promise<void> {
  const welcome = page.getByTestId('welcome-close');
  if (await welcome.isVisible()) await welcome.click();
}

export interface AppSession {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Page errors seen so far. */
  errors: string[];
}

/** Launches Chromium, opens the built app at `baseUrl` in a 1440x900 page and waits for its canvas. */
export async function openApp(baseUrl: string): Promise<AppSession> {
  const browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const errors = await instrument(page);
  await page.goto(baseUrl);
  await page.getByTestId('node-app').waitFor();
  await closeWelcome(page);
  return { browser, context, page, errors };
}
