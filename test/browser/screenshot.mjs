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

  // Wait (with a deadline) until every demo service has several groups and some history.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await fetch(`${base}api/v1/services`).then((r) => r.json()).catch(() => ({ items: [] }));
    const ready = res.items.length === config.demo.services.length && res.items.every((s) => s.groups >= 4 && s.total_count >= 40);
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`demo data did not arrive within 60 s: ${JSON.stringify(res).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 250));
  }

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
    const key = (await fetch(`${base}api/v1/services/checkout/errors?sort=count`).then((r) => r.json())).items[0].key;
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
