import { createHash } from 'node:crypto';
import { Client } from 'undici';

/** What the harness asks a bare receiver for. */
export interface BareReceiverSpec {
  readonly urls: readonly string[];
  readonly intervalMs: number;
}

/**
 * The floor an agent is compared with, as a process of its own: it GETs every target every interval
 * (spread over the interval, one keep-alive undici Client per target, as the agent scrapes) and
 * hashes each body, nothing else. Its CPU and RSS, read by the harness from /proc, are what receiving
 * the same bytes at the same rate costs in Node before any parsing, aggregating or shipping.
 * Run with `fork`; exits when the harness's IPC channel closes.
 */
function main(): void {
  const spec = JSON.parse(process.argv[2] ?? '') as BareReceiverSpec;
  for (const [i, url] of spec.urls.entries()) {
    const { origin, pathname } = new URL(url);
    const client = new Client(origin, { keepAliveTimeout: 120_000 });
    const scrape = async () => {
      const hash = createHash('sha1');
      try {
        const res = await client.request({ method: 'GET', path: pathname, headers: { accept: 'application/json' } });
        for await (const chunk of res.body as AsyncIterable<Buffer>) hash.update(chunk);
      } catch {
        // A failed request costs what it costs; the harness only reads CPU and memory.
      }
      hash.digest('base64');
    };
    const loop = (delay: number) => setTimeout(() => {
      const started = Date.now();
      void scrape().finally(() => loop(Math.max(0, spec.intervalMs - (Date.now() - started))));
    }, delay);
    loop(Math.floor((i * spec.intervalMs) / spec.urls.length));
  }
  process.on('disconnect', () => process.exit(0));
  process.send?.('ready');
}

main();
