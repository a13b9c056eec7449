import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SelfErrors } from '../../common/self-errors.js';
import { createHubApp } from '../../hub/api/app.js';
import { LiveStream } from '../../hub/api/v1/events/live-stream.js';
import { HubState } from '../../hub/state/hub-state.js';
import { HubStore } from '../../hub/store/hub-store.js';
import { UserActions } from '../../hub/store/user-actions.js';
import { wireGroup } from '../helpers/builders.js';
import { launchChromium } from '../helpers/chromium.mjs';
import { diskThatFills } from '../helpers/full-disk.js';

const WAIT = 20_000;
const UI_DIR = fileURLToPath(new URL('../../ui/dist', import.meta.url));

/**
 * A resolve refused because the hub's data_dir is full, in Debian's Chromium: the hub's real API
 * (HubState, HubStore with its journal, UserActions, the Koa app serving the built UI) runs in this
 * process over a file layer that fails writes with ENOSPC while the disk is "full" (a test cannot
 * make a small filesystem everywhere), so the browser gets the hub's own 507 storage_full answer.
 */
describe('UI: a resolve on a full disk', () => {
  const logger = pino({ level: 'silent' });
  const { disk, create } = diskThatFills();
  let dir: string;
  let store: HubStore;
  let live: LiveStream;
  let server: Server;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    if (!existsSync(join(UI_DIR, 'index.html'))) throw new Error('the UI is not built: run `npm run build` (npm test does)');
    dir = await mkdtemp(join(tmpdir(), 'crowsnest-ui-full-'));
    const state = new HubState({ samplesPerGroup: 5 });
    store = new HubStore(dir, state, logger, create);
    await store.open('hub-full');
    const own = state.lineages.intern('agent-1', 'e1', {}, []).id;
    const now = Date.now();
    state.mergeMessage(state.source('agent-1', 'agent', 'e1'), { t: 'delta', seq: 1, services: [{ name: 'shop', groups: [wireGroup('Timeout@db', [[0, 7]], { created_at: now - 60_000, last_seen: now })] }], targets: [] }, (r) => (r === 0 ? own : undefined));
    live = new LiveStream(state, logger);
    const app = createHubApp({
      state, actions: new UserActions(state, store), adminToken: undefined, selfErrors: new SelfErrors(), logger,
      metrics: () => Promise.resolve(''), ready: () => true, uiDir: UI_DIR, hubId: 'hub-full', live, alerts: { alerts: () => [] },
    });
    server = createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    live?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('says the disk is full and nothing changed, and resolves once space is back', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.setDefaultTimeout(WAIT);
    const answers: number[] = [];
    page.on('response', (r) => {
      if (r.url().endsWith('/resolve')) answers.push(r.status());
    });
    await page.goto(`${base}#/shop/errors/${encodeURIComponent('Timeout@db')}`);
    await page.getByTestId('error-key').waitFor();

    disk.full = true;
    await page.getByRole('button', { name: 'Resolve' }).click();
    const banner = page.locator('[role="alert"][data-code="storage_full"]');
    await banner.waitFor();
    expect(answers).toEqual([507]);
    const text = await banner.textContent();
    expect(text).toContain('Could not resolve this error:');
    expect(text).toContain(`the hub's data_dir ${dir} is full`);
    expect(text).toContain("The hub's disk is full, so nothing was changed");
    expect(text).not.toContain('Could not load');
    // Still open, and the button is there to try again.
    expect(await page.locator('.badges .status-resolved').count()).toBe(0);

    disk.full = false;
    await page.getByRole('button', { name: 'Resolve' }).click();
    await page.getByRole('button', { name: 'Unresolve' }).waitFor();
    expect(await page.locator('.badges .status-resolved').textContent()).toBe('resolved');
    expect(answers).toEqual([507, 200]);
    expect(await page.locator('[role="alert"]').count()).toBe(0);
    await page.context().close();
  });
});
