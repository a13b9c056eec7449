import { existsSync } from 'node:fs';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../demo/fleet.js';
import { launchChromium } from '../helpers/chromium.mjs';
import { agentConfig, hubConfig, startHub } from '../helpers/cluster.js';
import { FixtureTarget } from '../helpers/fixture-target.js';
import { PathProxy } from '../helpers/path-proxy.js';
import { getJson, pollUntil } from '../helpers/poll.js';
import { Processes } from '../helpers/processes.js';

/**
 * The UI in Debian's Chromium, against a real hub process fed by a real agent process that scrapes
 * fixture targets and the demo fleet. Every wait has a deadline; nothing sleeps.
 */

const ADMIN_TOKEN = 'admin-secret';
/** A key with every character that breaks naive links: slash, percent, hash, space, question mark, unicode. */
const ODD_KEY = 'db/conn 100% #1 – ünïcødé ✓ ?x=1';
const XSS_KEY = '<script>window.__xss=4</script>';
const XSS_MESSAGE = '<img src=x onerror=window.__xss=1>';
const XSS_HEADER = '<script>window.__xss=2</script>';
const WAIT = 20_000;

const now = Date.now();
const iso = (msAgo: number): string => new Date(now - msAgo).toISOString();

interface Detail {
  class: string;
  message: string;
  stacktrace: string[];
  cause: Detail | null;
}
const detail = (cls: string, message: string, stacktrace: string[], cause: Detail | null = null): Detail => ({ class: cls, message, stacktrace, cause });

function sample(uuid: string, msAgo: number, error: Detail, http: Record<string, unknown> | null = null, severity = 'error'): Record<string, unknown> {
  return { error, uuid, timestamp: iso(msAgo), severity, ...(http === null ? {} : { http_context: http }) };
}

function aggregate(key: string, total: number, severity: string, samples: Record<string, unknown>[], createdAt = iso(3_600_000)): Record<string, unknown> {
  return { aggregation_key: key, total_count: total, severity, created_at: createdAt, latest_errors: samples };
}

/** Groups a test adds to `shop` while it runs. */
const extraShopGroups: Record<string, unknown>[] = [];
let liveCount = 10;

/** The `shop` service: one group per behaviour under test. */
function shopPayload(): unknown {
  const deepStack = Array.from({ length: 250 }, (_, i) => `at com.acme.deep.Frame${i}.call(Frame${i}.java:${i + 1})`);
  return {
    target_uuid: '0f8e7c52-4a43-4d7e-9b1a-2f8f0c1d9e01',
    aggregated_errors: [
      aggregate(ODD_KEY, 42, 'error', [
        sample(
          '11111111-0000-4000-8000-000000000001',
          1_000,
          detail('com.acme.db.PoolExhausted', 'no connection within 30 s', ['at com.acme.db.Pool.borrow(Pool.java:88)', 'at com.acme.shop.Orders.save(Orders.java:12)'], detail('java.net.ConnectException', 'Connection refused: db-primary:5432', ['at java.net.PlainSocketImpl.connect(PlainSocketImpl.java:196)'], detail('java.io.IOException', 'root cause: network unreachable', []))),
          { request_method: 'POST', request_url: 'https://shop.example/orders?id=1', request_headers: { 'content-type': 'application/json', 'x-request-id': "it's-42" }, request_body: '{"order":1}' },
        ),
        sample('11111111-0000-4000-8000-000000000002', 60_000, detail('com.acme.db.PoolExhausted', 'the older sample', ['at com.acme.db.Pool.borrow(Pool.java:88)'])),
      ]),
      aggregate(XSS_KEY, 3, 'error', [
        sample('22222222-0000-4000-8000-000000000001', 2_000, detail('<svg onload=window.__xss=3>', XSS_MESSAGE, ['at <b>bold</b>']), {
          request_method: 'GET',
          request_url: 'https://shop.example/?q=<script>window.__xss=6</script>',
          request_headers: { 'x-note': XSS_HEADER },
          request_body: '<iframe src=javascript:window.__xss=5></iframe>',
        }),
      ]),
      aggregate('deep-stack', 5, 'error', [sample('33333333-0000-4000-8000-000000000001', 3_000, detail('java.lang.StackOverflowError', 'recursion', deepStack))]),
      aggregate('no-samples', 7, 'error', []),
      aggregate('slow-search', 11, 'warning', [sample('44444444-0000-4000-8000-000000000001', 4_000, detail('com.acme.Slow', 'query took 12 s on the replica', []), null, 'warning')]),
      aggregate('cache-note', 2, 'info', [sample('55555555-0000-4000-8000-000000000001', 5_000, detail('', 'cache warmed', []), null, 'info')]),
      aggregate('resolve-me', 9, 'error', [sample('66666666-0000-4000-8000-000000000001', 6_000, detail('com.acme.Flaky', 'flaky dependency', []))]),
      aggregate('already-resolved', 4, 'error', [sample('77777777-0000-4000-8000-000000000001', 7_000, detail('com.acme.Old', 'fixed last week', []))]),
      aggregate('live-counter', liveCount, 'error', [sample('88888888-0000-4000-8000-000000000001', 8_000, detail('com.acme.Counter', 'counts up during the test', []))]),
      ...extraShopGroups,
    ],
  };
}

/** The `many` service: 120 groups, for paging. */
function manyPayload(): unknown {
  return {
    target_uuid: '0f8e7c52-4a43-4d7e-9b1a-2f8f0c1d9e02',
    aggregated_errors: Array.from({ length: 120 }, (_, i) => aggregate(`many-${String(i).padStart(3, '0')}`, i + 1, 'info', [])),
  };
}

describe('web UI in Chromium', { timeout: 120_000 }, () => {
  const procs = new Processes();
  let shop: FixtureTarget;
  let many: FixtureTarget;
  let fleet: Fleet;
  let hubPort: number;
  let base: string;
  let browser: Browser;
  let context: BrowserContext | undefined;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(new URL('../../ui/dist/index.html', import.meta.url))) throw new Error('the UI is not built: run `npm run build` (npm test does)');
    shop = await FixtureTarget.start({ kind: 'body', body: JSON.stringify(shopPayload()) });
    many = await FixtureTarget.start({ kind: 'body', body: JSON.stringify(manyPayload()) });
    fleet = await Fleet.start({ services: ['checkout', 'search'], targetsPerService: 2, seed: 7 });
    for (const t of fleet.targets) t.target.tick(5);
    const dir = await procs.tempDir();
    ({ port: hubPort } = await startHub(procs, 'hub', hubConfig(dir, { admin_token: ADMIN_TOKEN })));
    await procs.start(
      'agent',
      'agent',
      agentConfig('agent-1', [hubPort], { shop: [shop.address], many: [many.address], checkout: fleet.addresses('checkout'), search: fleet.addresses('search') }),
    );
    base = `http://127.0.0.1:${hubPort}/`;
    await pollUntil(
      () => getJson<{ items: { name: string; groups: number }[] }>(`${base}api/v1/services`),
      (r) => r.items.find((s) => s.name === 'shop')?.groups === 9 && r.items.find((s) => s.name === 'many')?.groups === 120 && r.items.length === 4,
      30_000,
    );
    // One group resolved before the browser looks, for the status filter.
    const res = await fetch(`${base}api/v1/services/shop/errors/already-resolved/resolve`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    browser = await launchChromium();
  });

  afterEach(async () => {
    await context?.close();
    context = undefined;
    // Answers the hub or the proxy gave on purpose (401 before the token prompt, 404 for an unknown
    // key, 502 while the proxy is down) are logged by Chromium but are not page errors.
    expect(pageErrors.filter((e) => !e.includes('Failed to load resource') && !e.includes("EventSource's response"))).toEqual([]);
    pageErrors = [];
  });

  afterAll(async () => {
    await browser?.close();
    await procs.cleanup();
    await shop?.close();
    await many?.close();
    await fleet?.close();
  });

  async function open(url: string): Promise<Page> {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`);
    });
    await page.goto(url);
    return page;
  }

  /** The row of the error list whose key link reads exactly `key`. */
  const row = (page: Page, key: string): Locator =>
    page.getByTestId('error-list').locator('tbody tr').filter({ has: page.getByRole('link', { name: key, exact: true }) });
  const listedKeys = async (page: Page): Promise<string[]> => page.getByTestId('error-list').locator('tbody tr a.row-link').allTextContents();
  const liveStatus = (page: Page): Promise<string | null> => page.getByTestId('live-status').getAttribute('data-status');

  it('lists every service with its open errors by severity and links to each', async () => {
    const page = await open(base);
    const services = page.getByTestId('services');
    await services.locator('tbody tr').nth(3).waitFor();
    expect(await services.locator('tbody tr td.name').allTextContents()).toEqual(['checkout', 'many', 'search', 'shop']);
    const shopRow = services.locator('tr[data-service="shop"]');
    // Open groups of shop: 6 error (already-resolved is hidden), 1 warning, 1 info.
    expect(await shopRow.locator('.sev-counts').textContent()).toBe('6 error1 warning1 info');
    await shopRow.getByRole('link', { name: 'shop', exact: true }).click();
    await page.getByTestId('error-list').waitFor();
    expect(new URL(page.url()).hash).toBe('#/shop');
    expect(await page.locator('h1').textContent()).toBe('shop');
  });

  it('searches, filters by severity and status, sorts and pages through the error list', async () => {
    const page = await open(`${base}#/shop`);
    await row(page, 'live-counter').waitFor();
    expect((await listedKeys(page)).sort()).toEqual([ODD_KEY, XSS_KEY, 'cache-note', 'deep-stack', 'live-counter', 'no-samples', 'resolve-me', 'slow-search'].sort());

    // Full-text search reaches messages (server side) and lands in the address.
    await page.getByRole('searchbox', { name: "Search this service's errors" }).fill('replica');
    await pollUntil(() => listedKeys(page), (keys) => keys.join() === 'slow-search', WAIT);
    expect(new URL(page.url()).hash).toBe('#/shop?q=replica');
    await page.getByRole('searchbox', { name: "Search this service's errors" }).fill('');
    await row(page, 'live-counter').waitFor();

    await page.locator('select[name="severity"]').selectOption('warning');
    await pollUntil(() => listedKeys(page), (keys) => keys.join() === 'slow-search', WAIT);
    await page.locator('select[name="severity"]').selectOption('');

    await page.getByRole('button', { name: 'Resolved', exact: true }).click();
    await pollUntil(() => listedKeys(page), (keys) => keys.join() === 'already-resolved', WAIT);
    await page.getByRole('button', { name: 'Unresolved', exact: true }).click();
    await row(page, 'live-counter').waitFor();
    expect(await listedKeys(page)).not.toContain('already-resolved');

    // Sort by count, largest first: the odd key (42) leads.
    await page.getByRole('button', { name: /^Count/ }).click();
    await pollUntil(() => listedKeys(page), (keys) => keys[0] === ODD_KEY, WAIT);

    // 120 groups: three pages through the cursor, and back.
    await page.goto(`${base}#/many`);
    await pollUntil(() => page.getByTestId('page-range').textContent(), (t) => t === '1–50 of 120', WAIT);
    const first = await listedKeys(page);
    await page.getByRole('button', { name: 'Next ›' }).click();
    await pollUntil(() => page.getByTestId('page-range').textContent(), (t) => t === '51–100 of 120', WAIT);
    const second = await listedKeys(page);
    await page.getByRole('button', { name: 'Next ›' }).click();
    await pollUntil(() => page.getByTestId('page-range').textContent(), (t) => t === '101–120 of 120', WAIT);
    const third = await listedKeys(page);
    expect(new Set([...first, ...second, ...third]).size).toBe(120);
    expect(await page.getByRole('button', { name: 'Next ›' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: '‹ Previous' }).click();
    await pollUntil(() => listedKeys(page), (keys) => keys.join() === second.join(), WAIT);
  });

  it('opens an error from a Periskop-style deep link with its stack trace, cause chain and request', async () => {
    const page = await open(`${base}#/shop/errors/${encodeURIComponent(ODD_KEY)}`);
    expect(await page.getByTestId('error-key').textContent()).toBe(ODD_KEY);
    expect(await page.getByTestId('error-total').textContent()).toBe('42');
    expect(await page.getByTestId('sample-position').textContent()).toBe('Sample 1 of 2');
    const chain = page.getByTestId('cause-chain');
    const chainText = await chain.textContent();
    for (const text of ['com.acme.db.PoolExhausted', 'no connection within 30 s', 'Caused by java.net.ConnectException', 'Connection refused: db-primary:5432', 'Caused by java.io.IOException', 'root cause: network unreachable']) {
      expect(chainText).toContain(text);
    }
    expect(await chain.getByTestId('stack-trace').first().textContent()).toBe('at com.acme.db.Pool.borrow(Pool.java:88)\nat com.acme.shop.Orders.save(Orders.java:12)');
    expect(await chain.getByTestId('stack-trace').nth(1).textContent()).toBe('at java.net.PlainSocketImpl.connect(PlainSocketImpl.java:196)');
    const http = page.getByTestId('http-context');
    expect(await http.textContent()).toContain('POST https://shop.example/orders?id=1');
    expect(await page.getByTestId('curl').textContent()).toBe(
      "curl \\\n  -X 'POST' \\\n  --url 'https://shop.example/orders?id=1' \\\n  -H 'content-type: application/json' \\\n  -H 'x-request-id: it'\\''s-42' \\\n  --data-raw '{\"order\":1}'",
    );
    expect(await page.getByTestId('sources-breakdown').textContent()).toContain('agent-1');

    // The sample navigator: older, then back with the keyboard.
    await page.getByRole('button', { name: 'Older ›' }).click();
    expect(await page.getByTestId('sample-position').textContent()).toBe('Sample 2 of 2');
    expect(await page.getByTestId('cause-chain').textContent()).toContain('the older sample');
    expect(await page.getByTestId('http-context').count()).toBe(0);
    await page.keyboard.press('ArrowLeft');
    await pollUntil(() => page.getByTestId('sample-position').textContent(), (t) => t === 'Sample 1 of 2', WAIT);

    // The same link from the list: clicking the key opens the same view.
    await page.getByRole('link', { name: 'shop', exact: true }).click();
    await row(page, ODD_KEY).getByRole('link', { name: ODD_KEY, exact: true }).click();
    expect(await page.getByTestId('error-key').textContent()).toBe(ODD_KEY);
    expect(decodeURIComponent(new URL(page.url()).hash)).toBe(`#/shop/errors/${ODD_KEY}`);
  });

  it('caps a long stack trace until asked, and shows groups without samples or unknown keys plainly', async () => {
    const page = await open(`${base}#/shop/errors/deep-stack`);
    const stack = page.getByTestId('stack-trace');
    expect((await stack.textContent())?.split('\n')).toHaveLength(40);
    const showAll = page.getByRole('button', { name: /^Show all \d+ lines$/ });
    const full = Number((await showAll.textContent())?.match(/\d+/)?.[0]);
    expect(full).toBeGreaterThan(40);
    await showAll.click();
    expect((await stack.textContent())?.split('\n')).toHaveLength(full);

    await page.goto(`${base}#/shop/errors/no-samples`);
    expect(await page.getByTestId('no-samples').textContent()).toContain('No samples');
    expect(await page.getByTestId('error-total').textContent()).toBe('7');

    await page.goto(`${base}#/shop/errors/${encodeURIComponent('no such key/%')}`);
    await page.getByText('No error with this key in').waitFor();
    expect(await page.locator('pre.key').textContent()).toBe('no such key/%');
  });

  it('resolves after prompting for the admin token, hides the error from the default list, and unresolves', async () => {
    const page = await open(`${base}#/shop/errors/resolve-me`);
    await page.getByRole('button', { name: 'Resolve', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Admin token required' });
    await dialog.waitFor();
    await dialog.getByLabel('Admin token').fill('wrong-token');
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await dialog.getByText('The hub rejected that token.').waitFor();
    await dialog.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Unresolve', exact: true }).waitFor();
    expect(await dialog.count()).toBe(0);
    expect(await page.locator('.badges').textContent()).toContain('resolved');
    const group = await getJson<{ status: string }>(`${base}api/v1/services/shop/errors/resolve-me`);
    expect(group.status).toBe('resolved');
    expect(await page.evaluate('sessionStorage.getItem("crowsnest.admin_token")')).toBe(ADMIN_TOKEN);

    await page.getByRole('link', { name: 'shop', exact: true }).click();
    await row(page, 'live-counter').waitFor();
    expect(await listedKeys(page)).not.toContain('resolve-me');
    await page.getByRole('button', { name: 'Resolved', exact: true }).click();
    await row(page, 'resolve-me').waitFor();

    // The token is kept for the tab: unresolving asks nothing.
    await row(page, 'resolve-me').getByRole('link', { name: 'resolve-me', exact: true }).click();
    await page.getByRole('button', { name: 'Unresolve', exact: true }).click();
    await page.getByRole('button', { name: 'Resolve', exact: true }).waitFor();
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect((await getJson<{ status: string }>(`${base}api/v1/services/shop/errors/resolve-me`)).status).toBe('unresolved');
  });

  it('updates counts on screen from the live stream without a reload', async () => {
    const page = await open(`${base}#/shop`);
    const cell = row(page, 'live-counter').getByTestId('error-count');
    await pollUntil(() => cell.textContent(), (t) => t === '10', WAIT);
    await pollUntil(() => liveStatus(page), (s) => s === 'live', WAIT);
    await page.evaluate('window.__sameDocument = true');
    liveCount = 25;
    shop.setJson(shopPayload());
    await pollUntil(() => cell.textContent(), (t) => t === '25', WAIT);
    expect(await page.evaluate('window.__sameDocument')).toBe(true);

    // The open error view follows too.
    await page.getByRole('link', { name: 'live-counter', exact: true }).click();
    await pollUntil(() => page.getByTestId('error-total').textContent(), (t) => t === '25', WAIT);
    liveCount = 31;
    shop.setJson(shopPayload());
    await pollUntil(() => page.getByTestId('error-total').textContent(), (t) => t === '31', WAIT);
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
  });

  it('renders HTML and script from errors as inert text', async () => {
    const page = await open(`${base}#/shop`);
    await row(page, XSS_KEY).waitFor();
    expect(await row(page, XSS_KEY).locator('.headline').textContent()).toBe(`<svg onload=window.__xss=3>: ${XSS_MESSAGE}`);
    await row(page, XSS_KEY).getByRole('link', { name: XSS_KEY, exact: true }).click();
    expect(await page.getByTestId('error-key').textContent()).toBe(XSS_KEY);
    expect(await page.locator('pre.message').first().textContent()).toBe(XSS_MESSAGE);
    expect(await page.getByTestId('stack-trace').textContent()).toBe('at <b>bold</b>');
    const http = await page.getByTestId('http-context').textContent();
    expect(http).toContain(`x-note${XSS_HEADER}`);
    expect(http).toContain('<iframe src=javascript:window.__xss=5></iframe>');
    expect(http).toContain('https://shop.example/?q=<script>window.__xss=6</script>');
    // Nothing from the error became an element, and nothing ran.
    expect(await page.locator('main img, main svg[onload], main iframe, main b, main script').count()).toBe(0);
    expect(await page.evaluate('typeof window.__xss')).toBe('undefined');
  });

  it('shows the fleet at the Periskop targets link and the alert history', async () => {
    const page = await open(`${base}#/targets`);
    const source = page.getByTestId('sources').locator('tr[data-source="agent-1"]');
    await source.waitFor();
    expect(await source.textContent()).toContain('connected');
    expect(await source.textContent()).toContain('region=test');
    const shopTargets = page.locator('.target-service[data-service="shop"]');
    await shopTargets.waitFor();
    // Healthy targets are collapsed until asked for; the choice lands in the address.
    expect(await shopTargets.textContent()).not.toContain(`http://${shop.address}/errors`);
    await shopTargets.getByRole('button', { name: 'Show 1 healthy targets' }).click();
    await shopTargets.getByTestId('healthy-targets').waitFor();
    expect(await shopTargets.textContent()).toContain(`http://${shop.address}/errors`);
    expect(await shopTargets.locator('.health').first().textContent()).toBe('up');
    expect(new URL(page.url()).hash).toBe('#/targets?open=shop');

    // A group first seen now is announced as new, and the history on screen shows it by itself.
    await page.getByRole('link', { name: 'Alerts', exact: true }).click();
    await page.locator('h1', { hasText: 'Alerts' }).waitFor();
    extraShopGroups.push(aggregate('brand-new', 1, 'error', [sample('99999999-0000-4000-8000-000000000001', 0, detail('com.acme.New', 'first time', []))], new Date().toISOString()));
    shop.setJson(shopPayload());
    const alert = page.getByTestId('alerts').locator('tbody tr').filter({ has: page.getByRole('link', { name: 'brand-new', exact: true }) });
    await alert.waitFor();
    expect(await alert.textContent()).toContain('new');
  });

  it('works under a sub-path behind a reverse proxy, live stream included, and shows when it reconnects', async () => {
    const proxy = await PathProxy.start('/crowsnest', hubPort);
    try {
      const page = await open(`${proxy.base}#/shop/errors/${encodeURIComponent(ODD_KEY)}`);
      expect(await page.getByTestId('error-key').textContent()).toBe(ODD_KEY);
      await page.getByTestId('stack-trace').first().waitFor();
      await pollUntil(() => liveStatus(page), (s) => s === 'live', WAIT);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Services' }).click();
      await page.getByTestId('services').locator('tr[data-service="shop"]').waitFor();
      const outside = proxy.paths.filter((p) => !p.startsWith('/crowsnest/'));
      expect(outside).toEqual([]);
      expect(proxy.paths.some((p) => p.startsWith('/crowsnest/api/v1/events'))).toBe(true);

      proxy.down = true;
      await pollUntil(() => liveStatus(page), (s) => s === 'reconnecting', WAIT);
      expect(await page.getByTestId('live-status').textContent()).toBe('reconnecting…');
      proxy.down = false;
      await pollUntil(() => liveStatus(page), (s) => s === 'live', 45_000);
    } finally {
      await context?.close();
      context = undefined;
      await proxy.close();
    }
  });
});
