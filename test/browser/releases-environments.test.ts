import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSegment, ErrorListResponseSchema } from '../../common/api/v1.js';
import { launchChromium } from '../helpers/chromium.mjs';
import { agentConfig, hubConfig, startHub } from '../helpers/cluster.js';
import { FixtureTarget } from '../helpers/fixture-target.js';
import { getJson, pollUntil } from '../helpers/poll.js';
import { Processes } from '../helpers/processes.js';

const WAIT = 20_000;
const KEY = '0123456789abcdef0123456789abcdef';
const now = Date.now();

const periskop = JSON.stringify({
  target_uuid: 'p1',
  aggregated_errors: [{
    aggregation_key: 'Plain@periskop', total_count: 2, severity: 'error', created_at: new Date(now - 60_000).toISOString(),
    latest_errors: [{ error: { class: 'com.acme.Plain', message: 'from a Periskop client', stacktrace: [], cause: null }, uuid: 'p1-a', timestamp: new Date(now).toISOString(), severity: 'error' }],
  }],
});

/**
 * The error view in Debian's Chromium against a real hub and agent: a Sentry group shows the release
 * it was first seen in and its counts per environment and release; a Periskop client's group shows none.
 */
describe('UI: releases and environments in the error view', () => {
  const procs = new Processes();
  let target: FixtureTarget;
  let base: string;
  let browser: Browser;
  let sentryKey = '';

  beforeAll(async () => {
    if (!existsSync(new URL('../../ui/dist/index.html', import.meta.url))) throw new Error('the UI is not built: run `npm run build` (npm test does)');
    target = await FixtureTarget.start({ kind: 'body', body: periskop });
    const dir = await procs.tempDir();
    const { port } = await startHub(procs, 'hub', hubConfig(dir));
    base = `http://127.0.0.1:${port}/`;
    const agent = await procs.start('agent', 'agent', agentConfig('agent-ui-tags', [port], { legacy: [target.address] }, {
      sentry: { projects: [{ id: 1, key: KEY, service: 'web' }] },
    }));
    const agentPort = await agent.port('agent started');
    const events: [release: string, environment: string][] = [['shop@1.0.0', 'production'], ['shop@1.1.0', 'production'], ['shop@1.1.0', 'staging']];
    for (const [release, environment] of events) {
      const res = await fetch(`http://127.0.0.1:${agentPort}/api/1/store/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-sentry-auth': `Sentry sentry_version=7, sentry_key=${KEY}` },
        body: JSON.stringify({ event_id: randomUUID().replace(/-/g, ''), message: 'cart <b>failed</b>', level: 'error', release, environment }),
      });
      expect(res.status).toBe(200);
    }
    const list = await pollUntil(async () => ErrorListResponseSchema.parse(await getJson(`${base}api/v1/services/web/errors`)), (l) => l.items[0]?.total_count === 3, 30_000);
    sentryKey = list.items[0]?.key ?? '';
    await pollUntil(() => getJson<{ total: number }>(`${base}api/v1/services/legacy/errors`).catch(() => ({ total: 0 })), (r) => r.total === 1, 30_000);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await procs.cleanup();
    await target.close();
  });

  async function open(service: string, key: string): Promise<Page> {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.setDefaultTimeout(WAIT);
    await page.goto(`${base}#/${encodeSegment(service)}/errors/${encodeSegment(key)}`);
    await page.getByTestId('error-total').waitFor();
    return page;
  }

  it('shows "First seen in release" and the counts per environment and per release of a Sentry group', async () => {
    const page = await open('web', sentryKey);
    expect(await page.getByTestId('first-release').textContent()).toBe('shop@1.0.0');
    const envRows = await page.getByTestId('environments-breakdown').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 2).map((td) => td.textContent)));
    expect(envRows).toEqual([['production', '2'], ['staging', '1']]);
    const releaseRows = await page.getByTestId('releases-breakdown').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 2).map((td) => td.textContent)));
    expect(releaseRows).toEqual([['shop@1.1.0', '2'], ['shop@1.0.0', '1']]);
    await page.context().close();
  });

  it('shows no release or environment for a Periskop client group', async () => {
    const page = await open('legacy', 'Plain@periskop');
    expect(await page.getByTestId('first-release').count()).toBe(0);
    expect(await page.getByTestId('environments-breakdown').count()).toBe(0);
    expect(await page.getByTestId('releases-breakdown').count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Environments' }).count()).toBe(0);
    await page.context().close();
  });
});
