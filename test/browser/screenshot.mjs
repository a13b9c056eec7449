// Takes the README's picture of the UI: starts the demo (`crowsnest start` with a temporary config:
// hub, agent and simulated Periskop clients on 127.0.0.1, port 0), waits until errors arrived, opens the
// UI in Debian's Chromium and saves docs/screenshot.png. Run after `npm run build`:
//   npm run screenshot                   docs/screenshot.png
//   node test/browser/screenshot.mjs DIR  one picture per view into DIR (for reviewing the UI)
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { launchChromium } from '../helpers/chromium.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const outDir = process.argv[2];
const dir = await mkdtemp(join(tmpdir(), 'crowsnest-screenshot-'));
const config = {
  hub: { listen: '127.0.0.1:0', data_dir: join(dir, 'hub'), agent_tokens: ['screenshot-token'] },
  agent: { name: 'eu-west-1', listen: '127.0.0.1:0', labels: { region: 'eu-west' }, flush_interval: '200ms' },
  demo: { targets: 8, services: ['checkout', 'inventory', 'payments', 'search'], interval: '500ms' },
  log: { level: 'info' },
};
await writeFile(join(dir, 'config.yaml'), stringify(config));

const child = spawn(process.execPath, [join(ROOT, 'bin', 'crowsnest'), 'start', '--config', join(dir, 'config.yaml')], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
const exited = new Promise((resolve) => child.on('exit', resolve));
let browser;
try {
  const port = await new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error('the hub did not report "hub listening" within 30 s')), 30_000);
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      buffer += chunk;
      for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 1);
        try {
          const entry = JSON.parse(line);
          if (entry.msg === 'hub listening') {
            clearTimeout(timer);
            resolve(Number(String(entry.listen).split(':').pop()));
          }
        } catch {
          // not a log line
        }
      }
    });
    child.on('exit', (code) => reject(new Error(`crowsnest exited with ${code} before listening`)));
  });
  const base = `http://127.0.0.1:${port}/`;

  const poll = async (what, probe, timeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe().catch(() => undefined);
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  const getJson = (path) => fetch(`${base}${path}`).then((r) => r.json());

  // Every demo service has errors; then one is resolved, so that it shows as regressed when it recurs.
  await poll('demo data did not arrive', async () => {
    const res = await getJson('api/v1/services');
    return res.items.length === config.demo.services.length && res.items.every((s) => s.groups >= 4);
  }, 60_000);
  const resolved = (await getJson('api/v1/services/checkout/errors?sort=count&order=asc')).items[0].key;
  await fetch(`${base}api/v1/services/checkout/errors/${encodeURIComponent(resolved).replace(/\./g, '%2E')}/resolve`, { method: 'POST' });
  // A few minutes of history, so the chart shows more than one bar.
  console.log('waiting for three minutes of history…');
  await poll('three minutes of history did not accumulate', async () => {
    const s = await getJson('api/v1/services/checkout');
    return s.series.minutes.values.filter((v) => v > 0).length >= 3 && s.regressed_errors > 0;
  }, 300_000);

  browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1360, height: 860 }, colorScheme: 'light' });
  const shoot = async (hash, file, ready) => {
    await page.goto(`${base}${hash}`);
    await page.waitForSelector(ready, { timeout: 20_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="live-status"]')?.getAttribute('data-status') === 'live', null, { timeout: 20_000 });
    await page.mouse.move(0, 0);
    await page.screenshot({ path: file });
    console.log(`saved ${file}`);
  };

  if (outDir === undefined) {
    await mkdir(join(ROOT, 'docs'), { recursive: true });
    await shoot('#/checkout', join(ROOT, 'docs', 'screenshot.png'), '[data-testid="error-list"] tbody tr');
  } else {
    await mkdir(outDir, { recursive: true });
    const key = (await getJson('api/v1/services/checkout/errors?sort=count')).items[0].key;
    await shoot('#/', join(outDir, 'overview.png'), '[data-testid="services"] tbody tr');
    await shoot('#/checkout', join(outDir, 'service.png'), '[data-testid="error-list"] tbody tr');
    await shoot(`#/checkout/errors/${encodeURIComponent(key)}`, join(outDir, 'error.png'), '[data-testid="stack-trace"]');
    await shoot('#/targets', join(outDir, 'fleet.png'), '[data-testid="sources"]');
    await shoot('#/-/search?q=timeout', join(outDir, 'search.png'), '[data-testid="search-results"]');
    await shoot('#/-/alerts', join(outDir, 'alerts.png'), 'h1');
    await page.setViewportSize({ width: 1360, height: 2400 });
    await shoot(`#/checkout/errors/${encodeURIComponent(key)}`, join(outDir, 'error-full.png'), '[data-testid="stack-trace"]');
  }
} finally {
  await browser?.close();
  child.kill('SIGTERM');
  await exited;
  await rm(dir, { recursive: true, force: true });
}
