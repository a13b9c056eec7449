import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium.mjs';
import { agentConfig, hubConfig, startHub } from '../helpers/cluster.js';
import { FixtureTarget } from '../helpers/fixture-target.js';
import { getJson, pollUntil } from '../helpers/poll.js';
import { Processes } from '../helpers/processes.js';

const WAIT = 20_000;
const now = Date.now();

const payload = (uuid: string, errors: [key: string, message: string, atMs: number][]) => JSON.stringify({
  target_uuid: uuid,
  aggregated_errors: errors.map(([key, message, atMs]) => ({
    aggregation_key: key, total_count: 3, severity: 'error', created_at: new Date(now - 3_600_000).toISOString(),
    latest_errors: [{ error: { class: 'com.acme.Failure', message, stacktrace: [], cause: null }, uuid: `${uuid}-${key}`, timestamp: new Date(atMs).toISOString(), severity: 'error' }],
  })),
});

/**
 * The header's search box in Debian's Chromium against a real hub and agent: it finds errors of
 * every service with one `GET /api/v1/errors`, and relative times never point to the future unless
 * a clock really is ahead (then they are marked).
 */
describe('UI: the header search finds errors of every service', () => {
  const procs = new Processes();
  const targets: FixtureTarget[] = [];
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(new URL('../../ui/dist/index.html', import.meta.url))) throw new Error('the UI is not built: run `npm run build` (npm test does)');
    targets.push(await FixtureTarget.start({ kind: 'body', body: payload('c', [['Timeout@db', 'db timeout', now - 120_000], ['Skewed@clock', 'timeout from a host whose clock is ahead', now + 2 * 3_600_000 + 60_000]]) }));
    targets.push(await FixtureTarget.start({ kind: 'body', body: payload('b', [['Timeout@ledger', 'ledger timeout', now + 5_000], ['Parse@csv', 'bad csv', now]]) }));
    const dir = await procs.tempDir();
    const { port } = await startHub(procs, 'hub', hubConfig(dir));
    base = `http://127.0.0.1:${port}/`;
    await procs.start('agent', 'agent', agentConfig('agent-ui-search', [port], { checkout: [targets[0]?.address ?? ''], billing: [targets[1]?.address ?? ''] }));
    await pollUntil(() => getJson<{ total: number }>(`${base}api/v1/errors?status=all`), (r) => r.total === 4, 30_000);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await procs.cleanup();
    for (const t of targets) await t.close();
  });

  async function search(q: string): Promise<Page> {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.setDefaultTimeout(WAIT);
    // The page's clock is the fixtures' "now", so relative times do not depend on how long the setup took.
    await page.clock.setFixedTime(now);
    const requests: string[] = [];
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    await page.goto(base);
    await page.getByRole('searchbox', { name: 'Search the errors of every service' }).fill(q);
    await page.keyboard.press('Enter');
    await page.getByTestId('search-results').waitFor();
    // One request for the errors of every service, none per service.
    expect(requests.filter((p) => p === '/api/v1/errors')).not.toHaveLength(0);
    expect(requests.filter((p) => /^\/api\/v1\/services\/[^/]+\/errors/.test(p))).toEqual([]);
    return page;
  }

  it('lists the matching errors of every service, each linking to its error view', async () => {
    const page = await search('timeout');
    const rows = page.getByTestId('search-results').locator('li');
    await pollUntil(() => rows.count(), (n) => n === 3, WAIT);
    expect((await rows.evaluateAll((lis) => lis.map((li) => `${li.getAttribute('data-service')}/${li.querySelector('a.row-link')?.textContent}`))).sort())
      .toEqual(['billing/Timeout@ledger', 'checkout/Skewed@clock', 'checkout/Timeout@db']);
    expect(await page.getByTestId('page-range').textContent()).toBe('1–3 of 3');
    await page.getByRole('link', { name: 'Timeout@ledger', exact: true }).click();
    await page.waitForURL(/#\/billing\/errors\/Timeout%40ledger$/);
    await page.context().close();
  });

  it('reads "just now" for a time a few seconds ahead, and marks a time hours ahead of this clock', async () => {
    const page = await search('timeout');
    const timeOf = (service: string) => page.locator(`li[data-service="${service}"] time`);
    await pollUntil(() => timeOf('billing').textContent(), (t) => t === 'just now', WAIT);
    const skewed = page.locator('li', { has: page.getByRole('link', { name: 'Skewed@clock', exact: true }) }).locator('time');
    expect(await skewed.textContent()).toBe('⚠ in 2h');
    expect(await skewed.getAttribute('class')).toBe('future');
    expect(await skewed.getAttribute('title')).toContain('Ahead of this browser');
    expect(await page.locator('li', { has: page.getByRole('link', { name: 'Timeout@db', exact: true }) }).locator('time').textContent()).toBe('2m ago');
    await page.context().close();
  });

  it('says when nothing matches, and shows services whose name matches', async () => {
    const page = await search('bill');
    await page.getByTestId('service-matches').getByRole('link', { name: 'billing' }).waitFor();
    expect(await page.getByTestId('search-results').textContent()).toContain('No error in any service matches “bill”');
    await page.context().close();
  });
});
