/**
 * A student who never read the README (issue 14, "the student"): the app opens on its first screen (the
 * lessons map with progress, the examples, a sandbox); they start the first lesson from the map, follow a
 * term of the text to the glossary, do every step with Run and the text's own "Run this" buttons, jump back
 * and forth between steps, and the finished lesson offers the next one. Screenshots: test-results/screenshots/st-*.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromiumMissing, instrument, launch, shot } from './browser.ts';

const missing = chromiumMissing();

describe.skipIf(!!missing)(`a student's first lesson in Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const id = (t: string) => page.getByTestId(t);
  const met = (i: number, timeout = 120_000) => page.waitForSelector(`[data-testid="goal-${i}"][data-met="true"]`, { timeout });
  const title = (t: string) => page.waitForFunction((x) => document.querySelector('[data-testid="lesson-step-title"]')?.textContent === x, t);

  beforeAll(async () => {
    browser = await launch();
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    errors = await instrument(page);
    await page.goto(inject('baseUrl'));
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('opens on a first screen: the lessons as a map by pattern with progress, the examples, a sandbox', async () => {
    await id('welcome').waitFor();
    await expect(id('welcome-map').locator('h3').allTextContents()).resolves.toEqual(['Monitoring', 'Vertical scaling', 'Read replicas', 'Connection pooling', 'Sharding', 'Caching']);
    await expect(id('welcome-lesson-monitoring').textContent()).resolves.toContain('0/3 steps · start here');
    await expect(id('welcome-example-read-replicas.json').isVisible()).resolves.toBe(true);
    await expect(id('welcome-sandbox').isVisible()).resolves.toBe(true);
    await shot(page, 'st-01-first-screen');
  });

  it('starts the first lesson from the map; a term of its text opens the glossary there', async () => {
    await id('welcome-lesson-monitoring').click();
    await id('lesson-player').waitFor();
    await expect(id('welcome').count()).resolves.toBe(0);
    await title('Who is connected?');
    await id('term-pg_stat_activity').first().click();
    await id('glossary').waitFor();
    await expect(id('glossary-pg_stat_activity').getAttribute('class')).resolves.toBe('current');
    await shot(page, 'st-02-glossary');
    await id('glossary-close').click();
    // badges explain themselves with the glossary too
    await expect(id('badge-primary-conn').getAttribute('title')).resolves.toContain('max_connections');
  });

  it('step 1: Run, then "Run this" on the query in the text, and the goal is met', async () => {
    await id('btn-run').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent?.startsWith('running'), undefined, { timeout: 180_000 });
    await id('lesson-player').locator('.run-this').first().click();
    await met(0);
    await shot(page, 'st-03-run-this');
    await id('lesson-next').click();
    await title('Find the query that runs too long');
  });

  it('jumps back to step 1 with its dot and forward again with Next; Previous goes back', async () => {
    await id('lesson-step-0').click();
    await title('Who is connected?');
    await expect(id('lesson-step-0').textContent()).resolves.toBe('✓');
    await id('lesson-next').click();
    await title('Find the query that runs too long');
    await id('lesson-prev').click();
    await title('Who is connected?');
    await id('lesson-step-1').click();
    await title('Find the query that runs too long');
  });

  it('step 2 by Show solution: it lists what it did, and the goal is met', async () => {
    await id('speed').selectOption('max');
    await id('lesson-solution').click();
    await id('lesson-confirm-yes').click();
    await expect(id('lesson-solution-changes').textContent()).resolves.toBe(
      'The solution:ran for 12s of simulated timeran the seed\'s "Long-running queries" query in primary\'s console',
    );
    await met(0, 240_000);
    await id('lesson-next').click();
    await title('How big are the tables?');
  });

  it('step 3 with "Run this": the lesson is complete and offers the next one; the map shows it done', async () => {
    await id('lesson-player').locator('.run-this').first().click();
    await met(0);
    await expect(id('lesson-done').textContent()).resolves.toContain('lesson complete');
    await expect(id('lesson-next-lesson').textContent()).resolves.toBe('Next lesson: Grow one node until it stops helping →');
    await shot(page, 'st-04-lesson-complete');
    await id('btn-home').click();
    await expect(id('welcome-lesson-monitoring').textContent()).resolves.toContain('3/3 steps');
    await expect(id('welcome-lesson-vertical-scaling').textContent()).resolves.toContain('start here');
    await shot(page, 'st-05-map-after-lesson');
    await id('welcome-close').click();
    await id('lesson-next-lesson').click();
    await title('The working set does not fit');
    expect(errors).toEqual([]);
  });
});
