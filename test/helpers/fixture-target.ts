import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a test target answers: a body (string or Buffer) with headers, or a custom behaviour. */
export type TargetBehaviour =
  | { kind: 'body'; body: string | Buffer; status?: number; headers?: Record<string, string> }
  | { kind: 'custom'; handle: (res: ServerResponse) => void };

/**
 * A scrape target served from the test process on 127.0.0.1, port 0: a fixture payload, or hostile
 * behaviour (garbage, huge, slow, silent). Change `behaviour` between scrapes. `close()` in afterAll.
 */
export class FixtureTarget {
  behaviour: TargetBehaviour;
  requests = 0;
  private constructor(
    private readonly server: Server,
    initial: TargetBehaviour,
  ) {
    this.behaviour = initial;
  }

  static async start(initial: TargetBehaviour): Promise<FixtureTarget> {
    let target: FixtureTarget | undefined;
    const server = createServer((req, res) => {
      if (target === undefined) return;
      target.requests++;
      req.resume();
      const b = target.behaviour;
      if (b.kind === 'custom') return b.handle(res);
      res.writeHead(b.status ?? 200, { 'content-type': 'application/json', ...b.headers });
      res.end(b.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    target = new FixtureTarget(server, initial);
    return target;
  }

  get address(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  setJson(value: unknown): void {
    this.behaviour = { kind: 'body', body: JSON.stringify(value) };
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
