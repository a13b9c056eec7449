import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBenchChromium } from '../harness/chromium.js';
import type { BenchContext } from '../harness/context.js';
import { repoRoot } from '../harness/crowsnest.js';
import { getText } from '../harness/http.js';
import { rssBytes } from '../harness/proc-stat.js';
import { type BenchResult, check } from '../harness/report.js';
import { median, MiB, round } from '../harness/stats.js';
import { startHubOn, writeSnapshot } from '../hub/hub-fixture.js';
import { timeFirstRows, timeInteraction, typeInto } from './page-timing.js';
import { BIG_SERVICE, uiScaleSpec } from './scale-spec.js';

const REPS = 5;
const SERVICES_ROWS = '[data-testid="services"] tbody tr';
const firstService = `document.querySelector('${SERVICES_ROWS}')?.dataset.service`;

/** Median and worst of `reps` runs of `measure`. */
async function repeat(reps: number, measure: (i: number) => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < reps; i++) out.push(await measure(i));
  return out;
}

const closePage = (page: Page): Promise<void> => page.context().close();

/**
 * The UI at fleet scale (issue 22): a snapshot of `ui.groups` groups over `ui.services` services,
 * `ui.sources` agents and `ui.targets` targets, written with the hub's own store; a real hub started
 * on it; Debian's Chromium timing, in the page, the overview's first rows, a sort, the largest
 * service's first rows, the Fleet view's first rows and its filter. Screenshots of each view go to
 * bench/results/ui/ (docs/ui-scale/ holds the committed ones).
 */
export async function uiBench(ctx: BenchContext): Promise<BenchResult> {
  const o = ctx.options.ui;
  const dataDir = join(ctx.dir, 'ui-hub');
  ctx.log(`ui: writing a snapshot of ${o.groups.toLocaleString('en-US')} groups, ${o.services} services, ${o.sources} sources, ${o.targets.toLocaleString('en-US')} targets`);
  const written = await writeSnapshot({ dataDir, hubId: 'bench-ui', spec: uiScaleSpec(o, Date.now()) }, 8 * 60_000);
  const hub = await startHubOn(ctx, 'ui-hub', dataDir, 180_000);
  const base = `http://127.0.0.1:${hub.port}/`;
  const servicesBytes = (await getText(`${base}api/v1/services`, 30_000)).length;
  // What the views ask the hub for, timed alone (median of REPS): where a view's time goes.
  const apiPaths = ['api/v1/services', `api/v1/services/${BIG_SERVICE}`, `api/v1/services/${BIG_SERVICE}/errors?status=unresolved&sort=last_seen&order=desc&limit=50`,
    'api/v1/sources', 'api/v1/targets/services', 'api/v1/targets/services?q=agent-7'];
  const api: [string, number][] = [];
  for (const path of apiPaths) {
    const times = await repeat(REPS, async () => {
      const t0 = performance.now();
      await getText(`${base}${path}`, 30_000);
      return performance.now() - t0;
    });
    api.push([path, median(times)]);
  }
  let browser: Browser | undefined;
  try {
    browser = await launchBenchChromium();
    const b = browser;
    ctx.log('ui: overview');
    const overview = await repeat(REPS, async () => {
      const { ms, page } = await timeFirstRows(b, base, [SERVICES_ROWS]);
      await closePage(page);
      return ms;
    });
    const { page: ov } = await timeFirstRows(b, base, [`${SERVICES_ROWS}:nth-child(${Math.min(o.services, 200)})`]);
    const expectedTop = (await ov.evaluate(`[...document.querySelectorAll('${SERVICES_ROWS}')].map((r) => [r.dataset.service, Number(r.querySelector('[data-testid=service-occurrences]').dataset.value)]).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0]`)) as string;
    // Alternately by occurrences (largest first) and back by name (svc-1 first).
    const sorts = await repeat(REPS * 2, (i) =>
      i % 2 === 0
        ? timeInteraction(ov, `document.querySelector('button[data-sort=occurrences]').click()`, `${firstService} === ${JSON.stringify(expectedTop)}`)
        : timeInteraction(ov, `document.querySelector('button[data-sort=name]').click()`, `${firstService} === 'svc-1' && location.hash === '#/'`));
    await closePage(ov);

    ctx.log(`ui: the ${BIG_SERVICE} page`);
    const service = await repeat(REPS, async () => {
      const { ms, page } = await timeFirstRows(b, `${base}#/${BIG_SERVICE}`, ['[data-testid="error-list"] tbody tr']);
      await closePage(page);
      return ms;
    });

    ctx.log('ui: fleet');
    const fleetRows = ['[data-testid="sources"] tbody tr', '.target-service'];
    const fleet = await repeat(REPS, async () => {
      const { ms, page } = await timeFirstRows(b, `${base}#/targets`, fleetRows);
      await closePage(page);
      return ms;
    });
    const { page: fl } = await timeFirstRows(b, `${base}#/targets`, fleetRows);
    const agents = Array.from({ length: o.sources }, (_, i) => `agent-${i + 1}`).filter((n) => n.includes('agent-7')).length;
    const matching = `${(agents * (o.targets / o.sources)).toLocaleString('en-US')} targets matching`;
    const all = `${o.targets.toLocaleString('en-US')} targets in`;
    const totalText = `(document.querySelector('[data-testid=targets-total]')?.textContent ?? '')`;
    const sourceRows = `document.querySelectorAll('[data-testid=sources] tbody tr').length`;
    const filters = await repeat(REPS * 2, (i) =>
      i % 2 === 0
        ? timeInteraction(fl, typeInto('Filter the fleet', 'agent-7'), `${totalText}.startsWith(${JSON.stringify(matching)}) && ${sourceRows} === ${agents}`)
        : timeInteraction(fl, typeInto('Filter the fleet', ''), `${totalText}.startsWith(${JSON.stringify(all)}) && ${sourceRows} === ${o.sources}`));
    await closePage(fl);

    const shots = join(repoRoot(), 'bench', 'results', 'ui');
    await mkdir(shots, { recursive: true });
    for (const [file, hash, ready, scrollTo] of [
      ['overview.png', '#/?sort=occurrences&order=desc', SERVICES_ROWS, ''],
      ['service.png', `#/${BIG_SERVICE}`, '[data-testid="error-list"] tbody tr', ''],
      ['fleet.png', '#/targets', '[data-testid="sources"] tbody tr', ''],
      ['fleet-targets.png', `#/targets?open=${BIG_SERVICE}`, '[data-testid="healthy-targets"] tbody tr', 'targets-heading'],
    ] as const) {
      const { page } = await timeFirstRows(b, `${base}${hash}`, [ready]);
      await page.getByTestId('live-status').and(page.locator('[data-status="live"]')).waitFor({ timeout: 20_000 });
      if (scrollTo !== '') await page.getByTestId(scrollTo).evaluate((el) => el.scrollIntoView());
      await page.mouse.move(0, 0);
      await page.screenshot({ path: join(shots, file) });
      await closePage(page);
    }
    ctx.log(`ui: screenshots in ${shots}`);

    const hubRss = rssBytes(hub.proc.pid);
    const m = { overview: median(overview), sort: median(sorts), service: median(service), fleet: median(fleet), filter: median(filters) };
    const scale = `${round(o.groups / 1e6, 3)}M groups, ${o.services} services, ${o.sources} sources, ${o.targets.toLocaleString('en-US')} targets`;
    const ms = (v: number): number => Math.round(v);
    return {
      name: 'ui',
      figures: { snapshot: written, servicesBytes, hubRss, api, overview, sorts, service, fleet, filters },
      checks: [
        check(`UI overview first rows (${scale}; median of ${REPS}, ms)`, m.overview, '<=', 1_000, ' ms'),
        check(`UI overview sort (median of ${REPS * 2}, ms)`, m.sort, '<=', 300, ' ms'),
        check(`UI page of a ${o.bigServiceGroups.toLocaleString('en-US')}-group service, first rows (median of ${REPS}, ms)`, m.service, '<=', 500, ' ms'),
        check(`UI Fleet view first rows (${o.targets.toLocaleString('en-US')} targets; median of ${REPS}, ms)`, m.fleet, '<=', 1_000, ' ms'),
        check(`UI Fleet filter (median of ${REPS * 2}, ms)`, m.filter, '<=', 200, ' ms'),
      ],
      tables: [{
        title: `The UI in Chromium against a hub holding ${scale} (from its snapshot; ms from navigation start, or from the click or keystroke, to the rows on screen)`,
        header: ['overview first rows', 'overview sort', `${BIG_SERVICE} first rows`, 'Fleet first rows', 'Fleet filter', '/api/v1/services KiB', 'hub RSS MiB'],
        rows: [[
          `${ms(m.overview)} (max ${ms(Math.max(...overview))})`, `${ms(m.sort)} (max ${ms(Math.max(...sorts))})`, `${ms(m.service)} (max ${ms(Math.max(...service))})`,
          `${ms(m.fleet)} (max ${ms(Math.max(...fleet))})`, `${ms(m.filter)} (max ${ms(Math.max(...filters))})`, Math.round(servicesBytes / 1024), Math.round(hubRss / MiB),
        ]],
      }, {
        title: 'What those views ask the hub for, each request alone (median of 5, ms)',
        header: ['request', 'ms'],
        rows: api.map(([path, t]) => [`GET /${path}`, Math.round(t * 10) / 10]),
      }],
    };
  } finally {
    await browser?.close();
    hub.proc.child.kill('SIGKILL');
    await hub.proc.exited;
  }
}
