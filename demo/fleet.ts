import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ERROR_KINDS, type ErrorKind } from './error-kinds.js';
import { seeded } from './random.js';
import { SimulatedTarget } from './simulated-target.js';

export interface FleetOptions {
  readonly services: readonly string[];
  /** Targets per service. */
  readonly targetsPerService: number;
  readonly seed?: number;
  readonly kinds?: readonly ErrorKind[];
  /** Occurrences each target records per `tick()` at most (random in [0, n]). */
  readonly maxPerTick?: number;
}

export interface FleetTarget {
  readonly service: string;
  readonly target: SimulatedTarget;
  readonly server: Server;
  address: string;
}

/**
 * Simulated Periskop clients, each on its own 127.0.0.1 port serving `GET /errors`. Used by the
 * demo (`demo.targets` in a config), the tests and the benchmarks. Owned by its creator; `close()`
 * stops every server.
 */
export class Fleet {
  readonly targets: FleetTarget[] = [];
  private readonly random: () => number;
  private timer: NodeJS.Timeout | undefined;

  private constructor(private readonly options: FleetOptions) {
    this.random = seeded(options.seed ?? 42);
  }

  static async start(options: FleetOptions): Promise<Fleet> {
    const fleet = new Fleet(options);
    for (const service of options.services) {
      for (let i = 0; i < options.targetsPerService; i++) {
        const target = new SimulatedTarget({ kinds: options.kinds ?? ERROR_KINDS, random: fleet.random });
        const server = createServer((req, res) => {
          if (req.method === 'GET' && (req.url === '/errors' || req.url?.startsWith('/errors?'))) {
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end(target.body());
          } else {
            res.writeHead(404).end();
          }
        });
        server.keepAliveTimeout = 65_000;
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const port = (server.address() as AddressInfo).port;
        fleet.targets.push({ service, target, server, address: `127.0.0.1:${port}` });
      }
    }
    return fleet;
  }

  /** Every target (or those `which` selects) records a few new errors. */
  tick(which: (t: FleetTarget) => boolean = () => true): void {
    const max = this.options.maxPerTick ?? 3;
    for (const t of this.targets) if (which(t)) t.target.tick(Math.floor(this.random() * (max + 1)));
  }

  /** Ticks every `intervalMs` until stopped. */
  run(intervalMs: number): void {
    this.timer = setInterval(() => this.tick(), intervalMs);
  }

  stopRunning(): void {
    clearInterval(this.timer);
  }

  addresses(service: string): string[] {
    return this.targets.filter((t) => t.service === service).map((t) => t.address);
  }

  /** What every group's total must be once collectors caught up: service -> key -> count. */
  expectedTotals(): Map<string, Map<string, number>> {
    const out = new Map<string, Map<string, number>>();
    for (const t of this.targets) {
      let keys = out.get(t.service);
      if (keys === undefined) out.set(t.service, (keys = new Map()));
      for (const [key, n] of t.target.totals()) keys.set(key, (keys.get(key) ?? 0) + n);
    }
    return out;
  }

  async close(): Promise<void> {
    this.stopRunning();
    await Promise.all(
      this.targets.map(
        (t) =>
          new Promise<void>((resolve) => {
            t.server.close(() => resolve());
            t.server.closeAllConnections();
          }),
      ),
    );
  }
}
