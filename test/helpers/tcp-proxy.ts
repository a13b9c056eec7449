import { createServer, type Server, type Socket, connect } from 'node:net';
import type { AddressInfo } from 'node:net';

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
}

/**
 * A TCP proxy on 127.0.0.1 that a test controls, to put real faults between real processes:
 * - `partition()`: a black hole. Bytes stop flowing both ways but no socket is closed (as when a
 *   network drops packets); new connections are accepted and never answered. Peers must notice by
 *   themselves (heartbeats, handshake timeouts).
 * - `heal()`: back to normal; held connections resume (their peers may already have given up).
 * - `delay(ms)` and `throttle(bytesPerSecond)`: a slow link, per chunk and per direction.
 * Closed in afterAll with `close()`.
 */
export class TcpProxy {
  private readonly pairs = new Set<Pair>();
  private partitioned = false;
  private delayMs = 0;
  private bytesPerSecond = 0;
  bytes = 0;

  private constructor(
    private readonly server: Server,
    private readonly targetPort: number,
  ) {}

  static async start(targetPort: number): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = createServer((client) => proxy?.accept(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new TcpProxy(server, targetPort);
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  private accept(client: Socket): void {
    client.on('error', () => undefined);
    const upstream = connect(this.targetPort, '127.0.0.1');
    upstream.on('error', () => client.destroy());
    const pair = { client, upstream };
    this.pairs.add(pair);
    const forget = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', forget);
    upstream.on('close', forget);
    this.pipe(client, upstream);
    this.pipe(upstream, client);
  }

  /** Copies one direction, holding chunks while partitioned and pacing them when slow. */
  private pipe(from: Socket, to: Socket): void {
    const queue: Buffer[] = [];
    let busy = false;
    const drain = async () => {
      if (busy) return;
      busy = true;
      while (queue.length > 0) {
        if (this.partitioned) {
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        const chunk = queue.shift() as Buffer;
        const wait = this.delayMs + (this.bytesPerSecond > 0 ? (chunk.length / this.bytesPerSecond) * 1000 : 0);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (to.destroyed) break;
        this.bytes += chunk.length;
        to.write(chunk);
      }
      busy = false;
    };
    from.on('data', (chunk: Buffer) => {
      queue.push(chunk);
      void drain();
    });
  }

  partition(): void {
    this.partitioned = true;
  }

  heal(): void {
    this.partitioned = false;
    this.delayMs = 0;
    this.bytesPerSecond = 0;
  }

  delay(ms: number): void {
    this.delayMs = ms;
  }

  throttle(bytesPerSecond: number): void {
    this.bytesPerSecond = bytesPerSecond;
  }

  /** Drops every connection (as when a peer's host reboots). */
  reset(): void {
    for (const p of this.pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
  }

  async close(): Promise<void> {
    this.reset();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
