import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { pollUntil } from './poll.js';

/** Debian's Alertmanager (`apt-get install prometheus-alertmanager`); CROWSNEST_ALERTMANAGER overrides it. */
export const ALERTMANAGER_BIN = process.env['CROWSNEST_ALERTMANAGER'] || 'prometheus-alertmanager';

/** A port free on 127.0.0.1 now (for a process that must come back on the same port after a restart). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** One alert as Alertmanager's `GET /api/v2/alerts` lists it (the fields the tests read). */
export interface GettableAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly generatorURL?: string;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly status: { readonly state: string };
}

/**
 * A real Alertmanager on 127.0.0.1:`port` with its own storage dir, clustering off, routing every
 * alert (grouped per service and aggregation key, with short waits) to a webhook at `receiverUrl`.
 * Restartable on the same port and storage; `stop()` in afterAll.
 */
export class AlertmanagerProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  output = '';

  constructor(private readonly dir: string, readonly port: number, private readonly receiverUrl: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    await mkdir(join(this.dir, 'data'), { recursive: true });
    const config = join(this.dir, 'alertmanager.yml');
    await writeFile(config, stringify({
      global: { resolve_timeout: '1m' },
      route: { receiver: 'test', group_by: ['service', 'aggregation_key'], group_wait: '100ms', group_interval: '300ms', repeat_interval: '1h' },
      receivers: [{ name: 'test', webhook_configs: [{ url: this.receiverUrl, send_resolved: true }] }],
    }));
    const child = spawn(ALERTMANAGER_BIN, [
      `--config.file=${config}`, `--storage.path=${join(this.dir, 'data')}`, `--web.listen-address=127.0.0.1:${this.port}`, '--cluster.listen-address=', '--log.level=warn',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout?.setEncoding('utf8').on('data', (c: string) => (this.output += c));
    child.stderr?.setEncoding('utf8').on('data', (c: string) => (this.output += c));
    this.exited = new Promise((resolve) => child.on('exit', () => resolve()));
    child.on('error', (err) => (this.output += `\nspawn ${ALERTMANAGER_BIN}: ${err.message} (install Debian's prometheus-alertmanager or set CROWSNEST_ALERTMANAGER)`));
    await pollUntil(async () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`alertmanager exited: ${this.output}`);
      return (await fetch(`${this.url}/-/ready`)).status;
    }, (status) => status === 200, 20_000, 50);
  }

  /** The alerts it holds that are active (neither resolved, silenced nor inhibited). */
  async activeAlerts(): Promise<GettableAlert[]> {
    const res = await fetch(`${this.url}/api/v2/alerts?active=true&silenced=false&inhibited=false&unprocessed=true`);
    if (!res.ok) throw new Error(`alertmanager GET /api/v2/alerts: HTTP ${res.status}`);
    return (await res.json()) as GettableAlert[];
  }

  async stop(): Promise<void> {
    if (this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }
}
