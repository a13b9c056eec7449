import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DOWN_EVERY, FAILING_EVERY } from '../../bench/hub/synthetic-fleet.js';
import { BIG_SERVICE, type UiScale } from '../../bench/ui/scale-spec.js';
import { type ErrorListResponse, FAILING_SHOWN, type ServicesResponse, type TargetServicesResponse } from '../../common/api/v1.js';
import { clippedLabels, drawnLabels } from '../helpers/chart-labels.js';
import { launchChromium } from '../helpers/chromium.mjs';
import { hubConfig, startHub } from '../helpers/cluster.js';
import { getJson, pollUntil } from '../helpers/poll.js';
import { Processes } from '../helpers/processes.js';
import { writeScaleSnapshot } from '../helpers/scale-hub.js';

/**
 * The UI against a hub loaded from a generated snapshot of a large fleet (written with the hub's own
 * store, as the start-up benchmark does): functional checks only. How fast each view answers at the
 * full scale (1,000,000 groups) is the `ui` benchmark's job (`npm run bench -- --only ui`).
 */

const SCALE: UiScale = { groups: 50_000, services: 200, sources: 100, targets: 10_000, bigServiceGroups: 20_000 };
const WAIT = 20_000;
const fmt = (n: number): string => n.toLocaleString('en-US');

describe('web UI at fleet scale in Chromium', { timeout: 180_000 }, () => {
  const procs = new Processes();
  let base: string;
  let browser: Browser;
  let context: BrowserContext | undefined;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(new URL('../../ui/dist/index.html', import.meta.url))) throw new Error('the UI is not built: run `npm run build` (npm test does)');
    const dir = await procs.tempDir();
    await writeScaleSnapshot(join(dir, 'hub'), SCALE);
    const { port } = await startHub(procs, 'hub', hubConfig(dir, { snapshot_interval: '1h' }));
    base = `http://127.0.0.1:${port}/`;
    await pollUntil(() => getJson<ServicesResponse>(`${base}api/v1/services`), (r) => r.items.length === SCALE.services, 60_000);
    browser = await launchChromium();
  }, 180_000);

  afterEach(async () => {
    await context?.close();
    context = undefined;
    expect(pageErrors.filter((e) => !e.includes("EventSource's response"))).toEqual([]);
    pageErrors = [];
  });

  afterAll(async () => {
    await browser?.close();
    await procs.cleanup();
  });

  async function open(hash: string): Promise<Page> {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`);
    });
    await page.goto(`${base}${hash}`);
    return page;
  }

  const serviceRows = (page: Page) => page.getByTestId('services').locator('tbody tr');
  const rowNames = (page: Page): Promise<string[]> => page.getByTestId('services').locator('tbody tr td.name').allTextContents();

  it('sorts the overview by each column, filters it from the keyboard and keeps both in the address', async () => {
    const page = await open('');
    await serviceRows(page).nth(SCALE.services - 1).waitFor();
    const api = (await getJson<ServicesResponse>(`${base}api/v1/services`)).items;
    const occurrences = new Map(api.map((s) => [s.name, s.counts.error + s.counts.warning + s.counts.info]));
    expect(await rowNames(page)).toEqual(api.map((s) => s.name).sort());

    await page.getByRole('button', { name: 'Occurrences' }).click();
    const byCount = [...api].sort((a, b) => (occurrences.get(b.name) ?? 0) - (occurrences.get(a.name) ?? 0) || (a.name < b.name ? -1 : 1)).map((s) => s.name);
    await pollUntil(() => rowNames(page), (names) => names.join() === byCount.join(), WAIT);
    expect(new URL(page.url()).hash).toBe('#/?sort=occurrences&order=desc');
    // Compact in the cell, exact on hover.
    const top = serviceRows(page).first().getByTestId('service-occurrences');
    expect(await top.getAttribute('title')).toContain(fmt(occurrences.get(byCount[0] as string) ?? 0));
    expect(await top.textContent()).toMatch(/^\d+(\.\d)?[kMB]?$/);

    // With the keyboard: the header is a button; a second press reverses the order.
    await page.getByRole('button', { name: 'Occurrences' }).focus();
    await page.keyboard.press('Enter');
    await pollUntil(() => rowNames(page), (names) => names.join() === [...byCount].reverse().join(), WAIT);
    await page.getByRole('button', { name: 'Service' }).click();
    await pollUntil(() => rowNames(page), (names) => names[0] === 'svc-1', WAIT);
    await page.getByRole('button', { name: 'Service' }).click();
    await pollUntil(() => rowNames(page), (names) => names[0] === 'svc-99', WAIT);

    // `/` focuses the filter; it keeps services whose name holds the text; Escape clears it.
    await page.locator('main h1').click();
    await page.keyboard.press('/');
    await page.keyboard.type('svc-1');
    const matching = api.map((s) => s.name).filter((n) => n.includes('svc-1'));
    await pollUntil(() => rowNames(page), (names) => names.length === matching.length, WAIT);
    expect((await rowNames(page)).every((n) => n.includes('svc-1'))).toBe(true);
    expect(decodeURIComponent(new URL(page.url()).hash)).toBe('#/?q=svc-1&order=desc');
    await page.reload();
    await pollUntil(() => rowNames(page), (names) => names.length === matching.length && names[0] === 'svc-199', WAIT);
    await page.getByRole('searchbox', { name: 'Filter services' }).press('Escape');
    await pollUntil(() => rowNames(page), (names) => names.length === SCALE.services, WAIT);
  });

  it('shows exact counts when hovering a sparkline', async () => {
    const page = await open('');
    const spark = serviceRows(page).first().locator('svg.spark');
    await spark.hover();
    expect(await page.getByTestId('spark-tip').textContent()).toMatch(/^\d\d:\d\d: \d{1,3}(,\d{3})* occurrences$/);
  });

  it('opens the largest service a page at a time, its chart labels compact and inside the chart', async () => {
    const page = await open(`#/${BIG_SERVICE}`);
    const list = await getJson<ErrorListResponse>(`${base}api/v1/services/${BIG_SERVICE}/errors?limit=1`);
    expect(list.total).toBeGreaterThan(15_000);
    await pollUntil(() => page.getByTestId('page-range').textContent(), (t) => t === `1–50 of ${fmt(list.total)}`, WAIT);
    expect(await page.getByTestId('error-list').locator('tbody tr').count()).toBe(50);

    await page.getByTestId('time-chart').locator('canvas').waitFor();
    const charts = await pollUntil(() => drawnLabels(page), (c) => c.length > 0 && c.every((x) => x.y.length > 1 && x.x.length > 1), WAIT);
    expect(clippedLabels(charts)).toEqual([]);
    const y = charts[0]?.y.map((l) => l.text) ?? [];
    expect(y.some((t) => /^\d+(\.\d+)?M$/.test(t))).toBe(true);
    expect(new Set(y).size).toBe(y.length);
    // Narrow, the same holds.
    await page.setViewportSize({ width: 520, height: 900 });
    await pollUntil(() => drawnLabels(page), (c) => (c[0]?.chartWidth ?? 0) < 520, WAIT);
    expect(clippedLabels(await drawnLabels(page))).toEqual([]);

    // The tooltip gives the exact count of the bar under the pointer.
    const box = await page.getByTestId('time-chart').locator('.u-over').boundingBox();
    if (box === null) throw new Error('no plot area');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await pollUntil(() => page.getByTestId('chart-tip').textContent(), (t) => /^\d\d:\d\d: \d{1,3}(,\d{3})+ occurrences in svc-1$/.test(t ?? ''), WAIT);
  });

  it("lists agents first with the figures from before the hub's restart, failing targets always and healthy ones on demand", async () => {
    const page = await open('#/targets');
    const sources = page.getByTestId('sources').locator('tbody tr');
    await sources.nth(SCALE.sources - 1).waitFor();
    expect(await sources.count()).toBe(SCALE.sources);
    // The hub was started from the snapshot and no agent connected since: its figures came from there.
    expect(await page.getByTestId('source-messages').allTextContents()).not.toContain('0');
    expect(await page.getByTestId('source-last-message').allTextContents()).not.toContain('never');

    let down = 0;
    let failing = 0;
    for (let i = 0; i < SCALE.targets; i++) {
      if (i % DOWN_EVERY === 0) down++;
      else if (i % FAILING_EVERY === 0) failing++;
    }
    expect(await page.getByTestId('targets-total').textContent()).toBe(
      `${fmt(SCALE.targets)} targets in ${SCALE.services} services: ${fmt(SCALE.targets - down)} up, ${fmt(down)} down, ${fmt(failing)} up with errors`,
    );
    const blocks = page.locator('.target-service');
    expect(await blocks.count()).toBe(SCALE.services);
    expect(await page.getByTestId('healthy-targets').count()).toBe(0);
    // Every failing target is listed, up to FAILING_SHOWN a service; the rest are counted.
    const perService = (await getJson<TargetServicesResponse>(`${base}api/v1/targets/services`)).items;
    expect(await page.getByTestId('failing-targets').locator('tbody tr').count()).toBe(perService.reduce((n, s) => n + Math.min(FAILING_SHOWN, s.failing), 0));
    const big = perService.find((s) => s.service === BIG_SERVICE);
    expect(big?.failing).toBeGreaterThan(FAILING_SHOWN);
    expect(await page.locator(`.target-service[data-service="${BIG_SERVICE}"]`).textContent()).toContain(`and ${fmt((big?.failing ?? 0) - FAILING_SHOWN)} more failing targets`);

    const first = blocks.first();
    const service = await first.getAttribute('data-service');
    await first.getByRole('button', { name: /^Show [\d,]+ healthy targets$/ }).click();
    const healthy = first.getByTestId('healthy-targets').locator('tbody tr');
    await healthy.first().waitFor();
    expect(await first.getByTestId('healthy-targets').locator('.health').allTextContents()).toEqual(Array((await healthy.count())).fill('up'));
    expect(decodeURIComponent(new URL(page.url()).hash)).toBe(`#/targets?open=${service}`);
  });

  it('filters agents and targets together, and pages through many healthy targets', async () => {
    const page = await open('#/targets');
    await page.getByTestId('sources').locator('tbody tr').nth(SCALE.sources - 1).waitFor();
    await page.getByRole('searchbox', { name: 'Filter the fleet' }).fill('agent-7');
    const agents = Array.from({ length: SCALE.sources }, (_, i) => `agent-${i + 1}`).filter((n) => n.includes('agent-7'));
    await pollUntil(() => page.getByTestId('sources').locator('tbody tr').count(), (n) => n === agents.length, WAIT);
    const perAgent = SCALE.targets / SCALE.sources;
    await pollUntil(() => page.getByTestId('targets-total').textContent(), (t) => t?.startsWith(`${fmt(agents.length * perAgent)} targets matching`) === true, WAIT);
    expect(decodeURIComponent(new URL(page.url()).hash)).toBe('#/targets?q=agent-7');

    // The first service has a quarter of the fleet: its healthy targets come 50 a page.
    await page.getByRole('searchbox', { name: 'Filter the fleet' }).fill('');
    const block = page.locator(`.target-service[data-service="${BIG_SERVICE}"]`);
    await block.getByRole('button', { name: /^Show [\d,]+ healthy targets$/ }).click();
    await pollUntil(() => block.getByTestId('page-range').textContent(), (t) => t?.startsWith('1–50 of 2,') === true, WAIT);
    await block.getByRole('button', { name: 'Next ›' }).click();
    await pollUntil(() => block.getByTestId('page-range').textContent(), (t) => t?.startsWith('51–100 of ') === true, WAIT);
    expect(await block.getByTestId('healthy-targets').locator('tbody tr').count()).toBeGreaterThan(0);
  });
});
