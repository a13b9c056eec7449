import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BenchTarget } from '../fleet/bench-target.js';

/** Request times kept per target: enough to find the scrape after any round's bump. */
const KEEP = 64;

/**
 * One Periskop client served from the benchmark's own process on 127.0.0.1 (port 0): a BenchTarget's
 * body at `GET /errors`, and the time (`performance.now()`, the harness's clock) of every request, so
 * the latency benchmark knows when the agent scraped it. A `changing` target records one occurrence
 * before each answer (a fleet whose errors keep coming); a probe changes only when `bump()` is called.
 */
export class ProbeTarget {
  /** performance.now() of the last requests answered, oldest first. */
  readonly requests: number[] = [];
  private total: number;

  private constructor(
    private readonly server: Server,
    private readonly target: BenchTarget,
  ) {
    this.total = totalOf(target.bytes());
  }

  static async start(target: BenchTarget, changing: boolean): Promise<ProbeTarget> {
    let probe: ProbeTarget | undefined;
    const server = createServer((req, res) => {
      req.resume();
      if (probe === undefined || req.method !== 'GET' || !(req.url === '/errors' || req.url?.startsWith('/errors?'))) {
        res.writeHead(404).end();
        return;
      }
      if (changing) probe.bump();
      probe.requests.push(performance.now());
      if (probe.requests.length > KEEP) probe.requests.shift();
      const body = target.bytes();
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
    // As a Go client's server (no idle timeout): the agent's keep-alive connection stays up between scrapes.
    server.keepAliveTimeout = 10 * 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    probe = new ProbeTarget(server, target);
    return probe;
  }

  get address(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The sum of `total_count` over the aggregates now served. */
  get totalCount(): number {
    return this.total;
  }

  /** One new occurrence (count + 1, a new latest sample); returns the new total. */
  bump(): number {
    this.target.record(1);
    return ++this.total;
  }

  /** The first request answered after `t` (performance.now()), if any. */
  firstRequestAfter(t: number): number | undefined {
    return this.requests.find((at) => at > t);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

function totalOf(body: Buffer): number {
  const payload = JSON.parse(body.toString('utf8')) as { aggregated_errors: { total_count: number }[] };
  return payload.aggregated_errors.reduce((n, a) => n + a.total_count, 0);
}
