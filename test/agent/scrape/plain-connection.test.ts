import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BodyBuffers } from '../../../agent/scrape/body-buffers.js';
import { fetchBody } from '../../../agent/scrape/fetch-body.js';
import { PlainConnection } from '../../../agent/scrape/plain-connection.js';
import { ScrapeError } from '../../../agent/scrape/scrape-error.js';

/**
 * A raw TCP server playing the target, so each test controls the bytes and the connection's life:
 * `answer` gets each request: the socket, its head, its number on that socket and among all requests.
 */
class RawTarget {
  readonly connections: net.Socket[] = [];
  readonly requests: string[] = [];
  private constructor(private readonly server: net.Server) {}

  static async start(answer: (socket: net.Socket, head: string, nth: number, all: number) => void): Promise<RawTarget> {
    let target: RawTarget | undefined;
    const server = net.createServer((socket) => {
      target?.connections.push(socket);
      socket.on('error', () => undefined);
      let pending = '';
      let nth = 0;
      socket.on('data', (data) => {
        pending += data.toString('latin1');
        let end: number;
        while ((end = pending.indexOf('\r\n\r\n')) >= 0) {
          const head = pending.slice(0, end);
          pending = pending.slice(end + 4);
          target?.requests.push(head);
          answer(socket, head, nth++, (target as RawTarget).requests.length - 1);
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    target = new RawTarget(server);
    return target;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const s of this.connections) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const ok = (body: string | Buffer, extra = '') => {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  return Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${bytes.length}\r\n${extra}\r\n`), bytes]);
};

describe('fetchBody over a PlainConnection', () => {
  const open: { close(): unknown }[] = [];
  afterEach(async () => {
    for (const o of open.splice(0)) await o.close();
  });

  async function setup(answer: (socket: net.Socket, head: string, nth: number, all: number) => void, options: { keepAliveTimeoutMs?: number; now?: () => number } = {}) {
    const target = await RawTarget.start(answer);
    const connection = new PlainConnection('127.0.0.1', target.port, { connectTimeoutMs: 2_000, keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? 60_000, now: options.now ?? Date.now });
    open.push(target, connection);
    const get = (timeoutMs = 2_000, headers: Record<string, string> = {}) =>
      fetchBody(`http://127.0.0.1:${target.port}/errors?x=1`, { connection, timeoutMs, maxBytes: 1024 * 1024, headers });
    return { target, connection, get };
  }

  it('sends a GET with the path, host and headers, and reuses the connection', async () => {
    const { target, get } = await setup((s, _h, nth) => s.write(ok(`{"n":${nth}}`)));
    const first = await get(2_000, { authorization: 'Bearer t' });
    const second = await get();
    expect(first.body.toString()).toBe('{"n":0}');
    expect(second.body.toString()).toBe('{"n":1}');
    expect(first.contentType).toBe('application/json');
    expect(first.hash).toBe(createHash('sha1').update('{"n":0}').digest('base64'));
    expect(target.connections).toHaveLength(1);
    expect(target.requests[0]).toMatch(/^GET \/errors\?x=1 HTTP\/1\.1\r\n/);
    expect(target.requests[0]).toContain(`host: 127.0.0.1:${target.port}`);
    expect(target.requests[0]).toContain('authorization: Bearer t');
  });

  it('sends the request again on a new connection when the target closed the idle one', async () => {
    // The target closes each connection after its first answer, without saying so in a header.
    const { target, get } = await setup((s) => s.end(ok('{}')));
    await get();
    // Whether the FIN arrived before the next request or not, the second scrape succeeds.
    expect((await get()).body.toString()).toBe('{}');
    expect((await get()).body.toString()).toBe('{}');
    expect(target.connections.length).toBeGreaterThanOrEqual(2);
  });

  it('retries once when a reused connection is reset before any answer, not when it fails mid-body', async () => {
    let resets = 0;
    const { target, get } = await setup((s, _h, nth) => {
      if (nth === 1 && resets++ === 0) return void s.resetAndDestroy();
      s.write(ok('{"fine":true}'));
    });
    await get();
    expect((await get()).body.toString()).toBe('{"fine":true}');
    expect(target.connections).toHaveLength(2);

    const cut = await setup((s) => {
      s.write(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{"par'));
      s.end();
    });
    await expect(cut.get()).rejects.toMatchObject({ reason: 'connection', message: expect.stringMatching(/closed before the body was complete/) });
    expect(cut.target.requests).toHaveLength(1);
  });

  it('gives up at the deadline with a timeout, and the next scrape starts on a new connection', async () => {
    const { target, get } = await setup((s, _h, _nth, all) => {
      if (all === 0) s.write('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n{"a"'); // and never the rest
      else s.write(ok('{}'));
    });
    await expect(get(200)).rejects.toMatchObject({ reason: 'timeout' });
    expect((await get()).body.toString()).toBe('{}');
    expect(target.connections).toHaveLength(2);
  });

  it('names a refused connection', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    const connection = new PlainConnection('127.0.0.1', port, { connectTimeoutMs: 1_000, keepAliveTimeoutMs: 60_000, now: Date.now });
    const err = await fetchBody(`http://127.0.0.1:${port}/errors`, { connection, timeoutMs: 1_000, maxBytes: 1024 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScrapeError);
    expect(err).toMatchObject({ reason: 'connection', message: expect.stringMatching(/ECONNREFUSED/) });
  });

  it('maps statuses, malformed answers and oversized bodies to the scrape failure reasons', async () => {
    const answers = [
      'HTTP/1.1 302 Found\r\nlocation: http://elsewhere/\r\ncontent-length: 0\r\n\r\n',
      'HTTP/1.1 503 Unavailable\r\ncontent-length: 4\r\n\r\nbusy',
      'HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\n{}',
      `HTTP/1.1 200 OK\r\ncontent-length: ${2 * 1024 * 1024}\r\n\r\n`,
      'SSH-2.0-OpenSSH_9.2\r\n\r\n',
    ];
    const { get } = await setup((s, _h, _nth, all) => s.write(answers[all] ?? ok('{}')));
    await expect(get()).rejects.toMatchObject({ reason: 'redirect', message: expect.stringContaining('http://elsewhere/') });
    await expect(get()).rejects.toMatchObject({ reason: 'http_status', message: 'HTTP 503' });
    await expect(get()).rejects.toMatchObject({ reason: 'connection', message: expect.stringMatching(/malformed response: an invalid Content-Length/) });
    await expect(get()).rejects.toMatchObject({ reason: 'body_too_large' });
    await expect(get()).rejects.toMatchObject({ reason: 'connection', message: expect.stringMatching(/not an HTTP\/1.x response/) });
  });

  it('does not reuse a connection that sent bytes nobody asked for', async () => {
    const { target, get } = await setup((s) => s.write(Buffer.concat([ok('{}'), Buffer.from('HTTP/1.1 200 OK\r\n')])));
    await get();
    await get();
    expect(target.connections).toHaveLength(2);
  });

  it('refuses a configured header that would break the request, before sending anything', async () => {
    const { target, get } = await setup((s) => s.write(ok('{}')));
    await expect(get(2_000, { authorization: 'Bearer x\r\nhost: evil' })).rejects.toMatchObject({ reason: 'client_config' });
    expect(target.requests).toHaveLength(0);
  });

  it('does not reuse a connection idle for longer than the keep-alive timeout', async () => {
    let now = 0;
    const { target, get } = await setup((s) => s.write(ok('{}')), { keepAliveTimeoutMs: 1_000, now: () => now });
    await get();
    now += 1_500;
    await get();
    expect(target.connections).toHaveLength(2);
  });

  it('reads many large bodies at once through the one shared read buffer, each intact', async () => {
    const bodies = Array.from({ length: 8 }, () => randomBytes(300 * 1024).toString('base64'));
    const targets = await Promise.all(bodies.map((b) => setup((s) => s.write(ok(b)))));
    const fetched = await Promise.all(targets.map((t) => t.get()));
    expect(fetched.map((f) => f.body.toString())).toEqual(bodies);
  });

  it('reads into a buffer from the pool it is given, and gives it back on release and on failure', async () => {
    const { target, connection } = await setup((s, _h, _nth, all) => {
      if (all === 1) {
        s.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{"part'); // then cut: not retried (an answer had begun)
        return void s.resetAndDestroy();
      }
      s.write(ok(`{"n":${all}}`));
    });
    const buffers = new BodyBuffers();
    const url = `http://127.0.0.1:${target.port}/errors`;
    const options = { connection, timeoutMs: 2_000, maxBytes: 1024, buffers };
    const first = await fetchBody(url, options);
    expect(first.body.toString()).toBe('{"n":0}');
    expect(buffers.freeBytes).toBe(0);
    first.release();
    const kept = buffers.freeBytes;
    expect(kept).toBeGreaterThan(0);
    await expect(fetchBody(url, options)).rejects.toMatchObject({ reason: 'connection' });
    expect(buffers.freeBytes).toBe(kept);
    const third = await fetchBody(url, options);
    expect(third.body.toString()).toBe('{"n":2}');
    third.release();
    expect(buffers.freeBytes).toBe(kept);
  });
});
