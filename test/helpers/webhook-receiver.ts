import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got, with the status it answered. */
export interface ReceivedHook {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
  readonly status: number;
}

/**
 * A notification receiver on 127.0.0.1, port 0, in the test process: records every POST and answers
 * `status(hook)` (200 unless a test says otherwise, e.g. 500 to the first attempt of each alert).
 * `close()` in afterAll.
 */
export class WebhookReceiver {
  readonly received: ReceivedHook[] = [];
  /** Decides the answer to a request, given the requests already received. */
  answer: (path: string, body: Record<string, unknown>, headers: IncomingHttpHeaders) => number = () => 200;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<WebhookReceiver> {
    let receiver: WebhookReceiver | undefined;
    const server = createServer((req, res) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (text += chunk));
      req.on('end', () => {
        let body: Record<string, unknown> = {};
        try {
          body = JSON.parse(text) as Record<string, unknown>;
        } catch {
          body = { unparsable: text };
        }
        const path = req.url ?? '';
        const status = receiver?.answer(path, body, req.headers) ?? 500;
        receiver?.received.push({ path, headers: req.headers, body, status });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'failed');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiver = new WebhookReceiver(server);
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Accepted deliveries (answered 2xx), optionally only those to `path`. */
  accepted(path?: string): ReceivedHook[] {
    return this.received.filter((h) => h.status >= 200 && h.status < 300 && (path === undefined || h.path === path));
  }

  /** Answers 500 to the first request of each alert id (header X-Crowsnest-Alert-Id), 200 to the rest. */
  failFirstAttempts(): void {
    this.answer = (path, _body, headers) => {
      const id = headers['x-crowsnest-alert-id'];
      return this.received.some((h) => h.path === path && h.headers['x-crowsnest-alert-id'] === id) ? 200 : 500;
    };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
