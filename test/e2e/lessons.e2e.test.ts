/**
 * One lesson as a student does it, in Chromium against the built app: open the lessons view, start the
 * monitoring lesson, run the sim, type the query in the console and watch the goal turn green with its
 * why; take a hint; ask for the solution (it asks first); leave the lesson (the topology stays as a
 * sandbox); reload, and the progress is still there. Screenshots go to test-results/screenshots/.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromiumMissing, closeWelcome, openApp, shot } from './browser.ts';

const missing = chromiumMissing();

describe.skipIf(!!missing)(`a lesson in Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const id = (testId: string) => page.getByTestId(testId);
  const met = (i: number) => page.waitForSelector(`[data-testid="goal-${i}"][data-met="true"]`, { timeout: 120_000 });

  beforeAll(async () => {
    ({ browser, page, errors } = await openApp(inject('baseUrl')));
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('lists the lessons grouped by pattern, with progress', async () => {
    await id('lessons-toggle').click();
    await id('lesson-list').waitFor();
    await expect(id('lesson-list').locator('h3').allTextContents()).resolves.toEqual(['Monitoring', 'Vertical scaling', 'Read replicas', 'Connection pooling', 'Sharding', 'Caching']);
    await expect(id('lesson-monitoring').textContent()).resolves.toContain('0/3 steps');
    await expect(id('lesson-errors').count()).resolves.toBe(0);
    await shot(page, '20-lessons-list');
  });

  it('starts the monitoring lesson: its topology on the canvas, the step beside it, the goal not met', async () => {
    await id('lesson-monitoring').click();
    await id('lesson-player').waitFor();
    await expect(id('lesson-step-title').textContent()).resolves.toBe('Who is connected?');
    await expect(id('scenario-name').textContent()).resolves.toContain('Read the three monitoring queries');
    await id('node-primary').waitFor();
    await expect(id('goal-0').getAttribute('data-met')).resolves.toBe('false');
    await shot(page, '21-lesson-step-1');
  });

  it('does step 1 as a student: Run, the query in the console, and the goal turns green with why', async () => {
    await id('btn-run').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent?.startsWith('running'), undefined, { timeout: 120_000 });
    await id('tab-console').click();
    await id('console-node').selectOption('primary');
    await id('preset-0').click();
    await id('console-run').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="console-rowcount"]')?.textContent?.includes('row'), undefined, { timeout: 120_000 });
    await met(0);
    await expect(id('goal-0').locator('.why').textContent()).resolves.toContain('pool_size 10');
    await id('lesson-done').waitFor();
    await shot(page, '22-lesson-goal-met');
  });

  it('step 2: a hint, then the solution, which asks first and then reaches the goal', async () => {
    await id('lesson-next').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="lesson-step-title"]')?.textContent === 'Find the query that runs too long');
    await expect(id('goal-0').getAttribute('data-met')).resolves.toBe('false');
    await id('lesson-hint').click();
    await expect(id('hint-0').textContent()).resolves.toContain('run a few more seconds');
    await id('speed').selectOption('max');
    await id('lesson-solution').click();
    await id('lesson-confirm').waitFor();
    await shot(page, '23-lesson-solution-asks');
    await id('lesson-confirm-yes').click();
    await met(0);
    await expect(id('console-rowcount').textContent()).resolves.toMatch(/[1-9]\d* rows?/);
    await shot(page, '24-lesson-solution-applied');
  });

  it('leaving keeps the topology as a sandbox; the progress survives a reload', async () => {
    await id('lesson-leave').click();
    await expect(id('scenario-name').textContent()).resolves.toContain('(sandbox)');
    await id('node-primary').waitFor();
    await page.reload();
    await id('node-app').waitFor();
    await closeWelcome(page);
    await id('lessons-toggle').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="lesson-monitoring"]')?.textContent?.includes('2/3 steps'), undefined, { timeout: 10_000 });
    await shot(page, '25-lesson-progress-after-reload');
    expect(errors).toEqual([]);
  });
});
