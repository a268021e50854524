/**
 * Time and trace, and a scripted scene on stage (issue 14), in Chromium: the example scene plays with the
 * clicker's keys in the stage layout (follow requests, the slowest one's path, kill, promote, rewind and
 * fork, the fork run beside the original); the scrubber shows an earlier moment and comes back; a dot
 * clicked shows its request's path; a write's path shows each standby's replica apply; the console, scrubbed
 * back, says it runs on the live system. Screenshots at 1024x768, 1280x720 and 1920x1080 go to
 * test-results/screenshots/ (timetrace-*).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromiumMissing, openApp, shot } from './browser.ts';

const missing = chromiumMissing();
const SIZES = [
  [1024, 768],
  [1280, 720],
  [1920, 1080],
] as const;

describe.skipIf(!!missing)(`time and trace, a scene on stage, in Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let browser: Browser;
  let page: Page;
  let errors: string[];

  /** Screenshots at the three sizes (the canvas fitted to each). */
  async function shots(name: string) {
    for (const [w, h] of SIZES) {
      await page.setViewportSize({ width: w, height: h });
      await page.locator('.react-flow__controls-fitview').click();
      await page.waitForTimeout(400);
      await shot(page, `timetrace-${name}-${w}x${h}`);
    }
    await page.setViewportSize({ width: 1280, height: 720 });
  }

  /** PageDown, then wait until the step's commands have played. */
  async function next(step: number) {
    await page.keyboard.press('PageDown');
    await page.waitForFunction((n) => document.querySelector('[data-testid="scene-step"]')?.textContent?.trim() === `${n} / 7`, step, { timeout: 240_000 });
  }

  beforeAll(async () => {
    ({ browser, page, errors } = await openApp(inject('baseUrl')));
    await page.setViewportSize({ width: 1280, height: 720 });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('plays the example scene on stage with the clicker keys: follow, the slowest path, kill, promote, rewind and fork', async () => {
    await page.getByTestId('btn-examples').click();
    await page.getByTestId('scene-failover-on-stage').click();
    await page.getByTestId('scene-caption').waitFor();
    await page.getByTestId('node-pgbouncer').waitFor();
    expect(await page.getByTestId('app').getAttribute('class')).toContain('stage');
    await expect(page.getByTestId('scene-step').textContent()).resolves.toContain('1 / 7');
    await shots('01-scene-start');

    // step 2: follow requests and run for 4 simulated seconds (it boots first)
    await next(2);
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent?.startsWith('paused'), null, { timeout: 240_000 });
    expect(Number(await page.getByTestId('sim-time').textContent())).toBeGreaterThanOrEqual(4);

    // step 3: the slowest request's path, hop by hop
    await next(3);
    await page.getByTestId('path-hops').waitFor();
    const hops = await page.getByTestId('path-hop').allTextContents();
    expect(hops.some((h) => h.includes('network'))).toBe(true);
    expect(hops.some((h) => h.includes('engine'))).toBe(true);
    await shots('02-slowest-request');

    // B blanks the screen for the audience, B again brings it back
    await page.keyboard.press('b');
    await page.getByTestId('scene-blank').waitFor();
    await shot(page, 'timetrace-03-blank');
    await page.keyboard.press('b');
    await expect(page.getByTestId('scene-blank').count()).resolves.toBe(0);

    // steps 4 and 5: kill the primary, promote replica1
    await next(4);
    await next(5);
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent?.startsWith('paused'), null, { timeout: 240_000 });
    await page.getByTestId('tab-events').click();
    await expect(page.getByTestId('dock').textContent()).resolves.toMatch(/promot/i);
    await shots('04-after-failover');

    // step 6: rewind to 3 s and fork; step 7: the fork runs on beside the original (dashed)
    await next(6);
    await page.getByTestId('fork-compare').waitFor();
    await expect(page.getByTestId('fork-compare').textContent()).resolves.toContain('forked at 3.0 s');
    await next(7);
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent?.startsWith('paused'), null, { timeout: 240_000 });
    await page.waitForFunction(() => /p95/.test(document.querySelector('[data-testid="fork-compare"]')?.textContent ?? ''), null, { timeout: 60_000 });
    expect(Number(await page.getByTestId('sim-time').textContent())).toBeGreaterThanOrEqual(6.9);
    await shots('05-fork-vs-original');
  }, 900_000);

  it('the scrubber shows an earlier moment as it was, and comes back to now', async () => {
    const now = Number(await page.getByTestId('sim-time').textContent());
    const points = Number(await page.getByTestId('chart-throughput').getAttribute('data-points'));
    const slider = page.getByTestId('time-scrubber');
    await slider.focus();
    await page.keyboard.press('Home');
    for (let i = 0; i < 20; i++) await page.keyboard.press('ArrowRight');
    // the moment shown is the last frame at or before 2 s (the app keeps one per snapshot it was shown)
    await page.waitForFunction(() => document.querySelector('[data-testid="time-bar"]')?.classList.contains('past'));
    // the moment to the microsecond (the readouts round it to 0.1 s: 1.96 s shows as 2.0)
    const then = Number(await page.getByTestId('time-shown').getAttribute('data-time'));
    expect(then).toBeGreaterThan(1.4);
    expect(then).toBeLessThanOrEqual(2.0);
    expect(await page.getByTestId('sim-time').textContent()).toBe(then.toFixed(1));
    await expect(page.getByTestId('chart-throughput').getAttribute('data-points')).resolves.toBe(String(Math.floor(then + 1e-9)));
    await shot(page, 'timetrace-06-scrubbed-to-2s');
    // the console runs on the live system, not on the moment shown: it says so, and offers the fork
    await page.getByTestId('tab-console').click();
    await expect(page.getByTestId('console-past').textContent()).resolves.toContain(`at t = ${now.toFixed(1)} s`);
    await shot(page, 'timetrace-06-console-scrubbed-1280x720');
    await page.getByTestId('time-live').click();
    await page.getByTestId('console-past').waitFor({ state: 'detached' });
    await page.getByTestId('tab-metrics').click();
    await page.waitForFunction((t) => Number(document.querySelector('[data-testid="sim-time"]')?.textContent) === t, now);
    await expect(page.getByTestId('chart-throughput').getAttribute('data-points')).resolves.toBe(String(points));
  });

  it('a dot clicked on the canvas shows its request, hop by hop', async () => {
    await page.getByTestId('app').press('Escape'); // leave the scene (the run stays)
    // the scene paused where it paused: if no request was on a link at that moment, run on a little and
    // pause again, as a person would (the dots stay when paused while following)
    // a dot a person can click: one not under a node or a label
    const clickable = () =>
      page.evaluate(() => {
        for (const c of document.querySelectorAll('circle.pg-dot[data-request]')) {
          const r = c.getBoundingClientRect();
          const x = r.left + r.width / 2;
          const y = r.top + r.height / 2;
          const hit = document.elementFromPoint(x, y);
          if (hit?.matches('circle.pg-dot[data-request]')) return { id: hit.getAttribute('data-request'), x, y };
        }
        return undefined;
      });
    let target = await clickable();
    for (let i = 0; i < 8 && !target; i++) {
      await page.getByTestId('btn-run').click();
      await page.waitForTimeout(1500);
      await page.getByTestId('btn-pause').click();
      await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent?.startsWith('paused'), null, { timeout: 60_000 });
      target = await clickable();
    }
    expect(target).toBeDefined();
    // the canvas draws a snapshot a frame or a task after it comes: aim once the dot under the pointer stays the same
    for (let i = 0; i < 20; i++) {
      await page.waitForTimeout(200);
      const again = await clickable();
      if (again && again.id === target!.id && again.x === target!.x && again.y === target!.y) break;
      if (again) target = again;
    }
    const id = target!.id;
    await page.mouse.click(target!.x, target!.y);
    await page.getByTestId('request-path').waitFor();
    await expect(page.getByTestId('request-path').textContent()).resolves.toContain(`Request ${id}`);
    expect((await page.getByTestId('path-hop').allTextContents()).length).toBeGreaterThan(1);
    await shot(page, 'timetrace-07-dot-followed');
  });

  it("a write's path shows each standby's replica apply, from its commit until that standby applied it", async () => {
    // the requests on PgBouncer's links, each followed in turn (the dots' own click) until one is a write
    // that committed; if none is, run on a little and pause again
    let followed: string | null = null;
    for (let round = 0; round < 40 && !followed; round++) {
      if (round > 0) {
        await page.getByTestId('btn-run').click();
        await page.waitForTimeout(500);
        await page.getByTestId('btn-pause').click();
        await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent?.startsWith('paused'), null, { timeout: 60_000 });
      }
      for (const dot of await page.locator('circle.pg-dot[data-request][data-edge*="pgbouncer"]').all()) {
        const id = await dot.getAttribute('data-request');
        await dot.dispatchEvent('click');
        await page.waitForFunction((n) => document.querySelector('[data-testid="request-path"] h3')?.textContent?.includes(`Request ${n}`), id, { timeout: 10_000 });
        if ((await page.getByTestId('path-apply').count()) > 0) {
          followed = id;
          break;
        }
      }
    }
    expect(followed).not.toBeNull();
    // read once the path has settled: it re-renders as its hops end (CI once read it between two renders: [])
    const applies = () => page.getByTestId('path-apply').allTextContents();
    await expect.poll(async () => (await applies()).map((a) => a.match(/replica\d/)?.[0]).sort(), { timeout: 10_000 }).toEqual(['replica1', 'replica2']);
    expect((await applies()).every((a) => a.includes('replica apply'))).toBe(true);
    // for the screenshot only: the path re-renders while its hops end (an element may be replaced mid-scroll)
    await page
      .getByTestId('path-apply')
      .last()
      .scrollIntoViewIfNeeded({ timeout: 2_000 })
      .catch(() => undefined);
    await shots('08-write-replica-apply');
  });

  it('had no uncaught page errors', () => {
    expect(errors).toEqual([]);
  });
});
