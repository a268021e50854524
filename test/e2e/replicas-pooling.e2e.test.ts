/**
 * Read replicas and PgBouncer in the app (issues 4 and 5), in one browser session: open the examples,
 * run them, see replay_lag on the replication links, the lag and stale-read charts, one stale read
 * explained, faults on the nodes; the pgbouncer node's SHOW POOLS badges and pool charts moving, and its
 * pgbouncer.ini exported, imported again, and a bad one refused with nothing changed.
 * Screenshots go to test-results/screenshots/ (rp-*).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromiumMissing, openApp, shot, settledCount } from './browser.ts';

const missing = chromiumMissing();
const OUT = join(process.cwd(), 'test-results');

describe.skipIf(!!missing)(`replicas and pooling in Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const id = (testId: string) => page.getByTestId(testId);
  const points = (testId: string) => page.evaluate((t) => Number(document.querySelector(`[data-testid="${t}"]`)?.getAttribute('data-points') ?? 0), testId);
  const badge = async (node: string, label: string) => Number.parseFloat((await id(`badge-${node}-${label}`).locator('.pg-badge-value').textContent()) ?? 'NaN');

  async function openExample(name: string, firstNode: string) {
    await id('btn-examples').click();
    await page.locator('.menu button', { hasText: name }).first().click();
    await page.getByTestId('scenario-name').filter({ hasText: name }).waitFor();
    await id(`node-${firstNode}`).waitFor();
  }

  async function waitRunning() {
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent?.startsWith('running'), null, { timeout: 180_000 });
  }

  beforeAll(async () => {
    ({ browser, page, errors } = await openApp(inject('baseUrl')));
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('read replicas: the router and replica settings are in the inspector', async () => {
    await openExample('Read replicas', 'replica1');
    expect(await settledCount(page, '.react-flow__edge', 5)).toBe(5);
    await id('node-app').click();
    for (const s of ['read_policy', 'max_replica_lag_ms']) await id(`setting-${s}`).waitFor();
    await expect(id('setting-read_policy').locator('select').inputValue()).resolves.toBe('random');
    await id('node-primary').click();
    for (const s of ['synchronous_commit', 'synchronous_standby_names']) await id(`setting-${s}`).waitFor();
    await id('node-replica1').click();
    for (const s of ['recovery_min_apply_delay', 'max_standby_streaming_delay']) await id(`setting-${s}`).waitFor();
    await id('node-faults').waitFor();
    await shot(page, 'rp-01-replica-inspector');
  });

  it('read replicas: runs; replication links show replay_lag, lag and stale reads are charted', async () => {
    await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
    // as a workshop would, longer than the example's 30 s: the faults below act on a run that is still running
    await id('run-duration').locator('input').fill('600s');
    await id('run-duration').locator('input').press('Enter');
    await id('btn-run').click();
    await waitRunning();
    await id('speed').selectOption('10');
    await page.waitForFunction(() => document.querySelector('[data-testid="repl-lag-replica1"]')?.getAttribute('data-replay-lag-ms') !== '', null, { timeout: 60_000 });
    await expect(id('repl-lag-replica1').textContent()).resolves.toMatch(/replay_lag\s*[\d.]+\s*(ms|s)/);
    await expect(id('repl-lag-replica2').textContent()).resolves.toMatch(/replay_lag/);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart-stale-reads"]')?.getAttribute('data-points')) >= 10, null, { timeout: 60_000 });
    expect(await points('chart-replay-lag')).toBeGreaterThanOrEqual(10);
    // The stale reads really were counted: the uPlot legend shows the series; the tab counts them.
    await shot(page, 'rp-02-replicas-running');
  });

  it('read replicas: a stale read is picked out and explained', async () => {
    await id('tab-stale').click();
    await id('stale-row').first().waitFor({ timeout: 60_000 });
    await expect(id('stale-summary').textContent()).resolves.toMatch(/replica1: \d+ stale of \d+ reads/);
    // the list holds still under the pointer while newer stale reads come in, so the row aimed at is the row clicked
    const first = id('stale-row').first();
    await first.hover();
    const aimed = await first.textContent();
    await id('stale-held').waitFor({ timeout: 60_000 });
    expect(await first.textContent()).toBe(aimed);
    await first.click();
    await expect(id('stale-row').and(page.locator('.selected')).textContent()).resolves.toBe(aimed);
    await id('stale-explanation').waitFor();
    const read = Number(await id('stale-read-position').textContent());
    const primary = Number(await id('stale-primary-position').textContent());
    expect(read).toBeLessThan(primary);
    await expect(id('stale-explanation').textContent()).resolves.toContain('read_policy is random');
    await shot(page, 'rp-03-stale-read-explained');
  });

  it('read replicas: faults from the inspector: stop and start a replica, kill the primary, promote a replica', async () => {
    await id('node-replica2').click();
    await id('fault-stop').click();
    await page.getByTestId('repl-lag-replica2').filter({ hasText: 'stopped' }).waitFor({ timeout: 20_000 });
    await shot(page, 'rp-04-replica-stopped');
    await id('fault-start').click();
    await page.waitForFunction(() => !document.querySelector('[data-testid="repl-lag-replica2"]')?.textContent?.includes('stopped'), null, { timeout: 30_000 });
    await id('node-primary').click();
    await id('fault-kill').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="node-primary"]')?.getAttribute('data-health') === 'down', null, { timeout: 20_000 });
    await id('node-replica1').click();
    await id('fault-promote').click();
    await id('tab-events').click();
    await page.getByTestId('events').filter({ hasText: /promot/ }).waitFor({ timeout: 30_000 });
    await shot(page, 'rp-05-primary-killed-replica1-promoted');
    await id('btn-pause').click();
    await id('btn-reset').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent?.startsWith('idle'));
  });

  it('pgbouncer: SHOW POOLS badges and the pool charts move', async () => {
    await openExample('Connection pooling with PgBouncer', 'pgbouncer');
    await id('tab-metrics').click();
    await id('node-pgbouncer').click();
    await id('config-file').waitFor();
    // Every setting of the pooler is in the inspector (generated from the schema).
    for (const s of ['pool_mode', 'max_client_conn', 'default_pool_size', 'min_pool_size', 'reserve_pool_size', 'reserve_pool_timeout', 'server_idle_timeout', 'query_wait_timeout', 'server_reset_query']) {
      await id(`setting-${s}`).waitFor();
    }
    await id('btn-run').click();
    await waitRunning();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart-pool-clients"]')?.getAttribute('data-points')) >= 8, null, { timeout: 60_000 });
    expect(await points('chart-pool-wait')).toBeGreaterThanOrEqual(8);
    expect(await points('chart-pool-servers')).toBeGreaterThanOrEqual(8);
    // The pool is the bottleneck: 20 server connections busy, clients queueing.
    let waiting = 0;
    let svActive = 0;
    for (let i = 0; i < 20 && (waiting === 0 || svActive === 0); i++) {
      waiting = Math.max(waiting, await badge('pgbouncer', 'cl_waiting'));
      svActive = Math.max(svActive, await badge('pgbouncer', 'sv_active'));
      await page.waitForTimeout(250);
    }
    expect(svActive).toBeGreaterThan(0);
    expect(waiting).toBeGreaterThan(0);
    expect(await badge('pgbouncer', 'cl_active')).toBeGreaterThanOrEqual(0);
    await shot(page, 'rp-06-pgbouncer-running');
    await id('btn-pause').click();
  });

  it('pgbouncer: exports pgbouncer.ini, imports an edited one, refuses a bad one keeping the settings', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), id('config-export').click()]);
    const file = join(OUT, 'e2e-pgbouncer.ini');
    await download.saveAs(file);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('[databases]');
    expect(text).toMatch(/^mydb = host=primary port=5432 dbname=mydb$/m);
    expect(text).toMatch(/^pool_mode = transaction$/m);
    expect(text).toMatch(/^default_pool_size = 20$/m);

    const edited = join(OUT, 'e2e-pgbouncer-edited.ini');
    writeFileSync(edited, text.replace(/^default_pool_size = 20$/m, 'default_pool_size = 30'));
    await id('config-input').setInputFiles(edited);
    await id('notice-info').filter({ hasText: 'Imported' }).waitFor();
    await expect(id('setting-default_pool_size').locator('input').inputValue()).resolves.toBe('30');
    await expect(id('node-pgbouncer').textContent()).resolves.toContain('pool 30');

    const bad = join(OUT, 'e2e-pgbouncer-bad.ini');
    writeFileSync(bad, text.replace(/^pool_mode = transaction$/m, 'pool_mode = sometimes').replace('[pgbouncer]', '[pgbouncer]\nno_such_key = 1'));
    await id('config-input').setInputFiles(bad);
    await id('notice-error').waitFor();
    await expect(id('notice-error').textContent()).resolves.toMatch(/line \d+/);
    await expect(id('notice-error').textContent()).resolves.toMatch(/pool_mode|sometimes/);
    await expect(id('setting-default_pool_size').locator('input').inputValue()).resolves.toBe('30');
    await expect(id('setting-pool_mode').locator('select').inputValue()).resolves.toBe('transaction');
    await shot(page, 'rp-07-bad-ini-refused');
  });

  it("pgbouncer: its one core is a badge; a link's jitter and the scripted clients are edited in the inspector", async () => {
    // PgBouncer is one process on one core: the ran example shows its share
    expect(await badge('pgbouncer', 'cpu')).toBeGreaterThanOrEqual(0);
    await page.locator('.react-flow__edge').first().click({ force: true });
    await id('inspector-edge').waitFor();
    await id('setting-jitter').locator('input').fill('2ms');
    await id('setting-jitter').locator('input').press('Enter');
    await id('setting-distribution').locator('select').selectOption('normal');
    await expect(id('setting-jitter').locator('input').inputValue()).resolves.toBe('2ms');
    await expect(id('setting-distribution').locator('select').inputValue()).resolves.toBe('normal');
    // a long status ("paused · changed: Reset to apply") gives way, not the toolbar's last buttons
    await expect(id('run-status').textContent()).resolves.toContain('changed: Reset to apply');
    const cut = await page.evaluate(() =>
      [...document.querySelectorAll('.toolbar button')].filter((b) => b.getBoundingClientRect().right > window.innerWidth + 0.5).map((b) => b.textContent),
    );
    expect(cut).toEqual([]);
    await shot(page, 'rp-08-edge-jitter');
    await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
    const scripts = id('workload-scripts');
    await scripts.locator('summary').click();
    const json = scripts.getByLabel('scripts JSON');
    await json.fill('[{ "name": "hold", "steps": [{ "sql": "UPDATE users SET name = $1 WHERE id = 1", "params": ["x"], "hold": "10s" }] }]');
    await scripts.getByRole('button', { name: 'Apply scripts' }).click();
    await expect(scripts.locator('summary').textContent()).resolves.toContain('Scripted clients (1)');
    await json.fill('[{ "name": "bad", "steps": [{ "wait": "soon" }] }]');
    await scripts.getByRole('button', { name: 'Apply scripts' }).click();
    await scripts.getByRole('alert').first().waitFor();
    await expect(scripts.locator('summary').textContent()).resolves.toContain('Scripted clients (1)');
    await scripts.scrollIntoViewIfNeeded();
    await shot(page, 'rp-09-scripted-clients');
  });

  it('had no uncaught page errors', () => {
    expect(errors).toEqual([]);
  });
});
