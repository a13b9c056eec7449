import { BodyBuffers } from '../../agent/scrape/body-buffers.js';
import { fetchBody } from '../../agent/scrape/fetch-body.js';
import { PlainConnection } from '../../agent/scrape/plain-connection.js';

/** What the harness asks a bare receiver for. */
export interface BareReceiverSpec {
  readonly urls: readonly string[];
  readonly intervalMs: number;
}

/**
 * The floor an agent is compared with, as a process of its own: it GETs every target every interval
 * (spread over the interval, one keep-alive connection per target) through the agent's own receive
 * path (fetchBody over a PlainConnection: the body read into a reused buffer and sha1-hashed), and
 * does nothing else. Its CPU and RSS, read by the harness from /proc, are what receiving the same
 * bytes at the same rate costs before any parsing, aggregating or shipping.
 * Run with `fork`; exits when the harness's IPC channel closes.
 */
function main(): void {
  const spec = JSON.parse(process.argv[2] ?? '') as BareReceiverSpec;
  // Reused across scrapes, as the agent's scrape pool does.
  const buffers = new BodyBuffers();
  for (const [i, url] of spec.urls.entries()) {
    const { hostname, port } = new URL(url);
    const connection = new PlainConnection(hostname, Number(port || 80), { connectTimeoutMs: 5_000, keepAliveTimeoutMs: 120_000, now: Date.now });
    const scrape = async () => {
      try {
        const fetched = await fetchBody(url, { connection, buffers, timeoutMs: spec.intervalMs, maxBytes: 16 * 1024 * 1024 });
        fetched.release();
      } catch {
        // A failed request costs what it costs; the harness only reads CPU and memory.
      }
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
