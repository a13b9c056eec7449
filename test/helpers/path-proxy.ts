import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A reverse proxy on 127.0.0.1 (port 0) that serves a hub under a sub-path, as nginx would with
 * `location /prefix/ { proxy_pass http://hub/; }`: `/prefix/x` goes to the hub's `/x`, responses
 * (the live stream too) are streamed back, anything outside the prefix is a 404. Records every path
 * asked for; `down = true` drops open streams and answers 502 until set back. `close()` in afterAll.
 */
export class PathProxy {
  readonly paths: string[] = [];
  private readonly open = new Set<ServerResponse>();
  private isDown = false;

  private constructor(
    private readonly server: Server,
    readonly prefix: string,
  ) {}

  static async start(prefix: string, upstreamPort: number): Promise<PathProxy> {
    let proxy: PathProxy | undefined;
    const server = createServer((req, res) => proxy?.handle(req, res, upstreamPort));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new PathProxy(server, prefix);
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get base(): string {
    return `http://127.0.0.1:${this.port}${this.prefix}/`;
  }

  set down(value: boolean) {
    this.isDown = value;
    if (value) for (const res of this.open) res.destroy();
  }

  private handle(req: IncomingMessage, res: ServerResponse, upstreamPort: number): void {
    const url = req.url ?? '/';
    this.paths.push(url);
    if (url === this.prefix) {
      res.writeHead(301, { location: `${this.prefix}/` }).end();
      return;
    }
    if (!url.startsWith(`${this.prefix}/`)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`outside ${this.prefix}/`);
      return;
    }
    if (this.isDown) {
      res.writeHead(502, { 'content-type': 'text/plain' }).end('upstream down');
      return;
    }
    this.open.add(res);
    res.on('close', () => this.open.delete(res));
    const upstream = request(
      { host: '127.0.0.1', port: upstreamPort, method: req.method, path: url.slice(this.prefix.length), headers: { ...req.headers, host: `127.0.0.1:${upstreamPort}` } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  }

  async close(): Promise<void> {
    for (const res of this.open) res.destroy();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
