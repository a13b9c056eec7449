import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpSender, parseRetryAfter, retryableStatus } from '../../../hub/notify/send.js';

/** A receiver on 127.0.0.1 port 0 whose answer each test sets. */
describe('HttpSender', () => {
  let server: Server;
  let url: string;
  let answer: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
  const received: { headers: IncomingMessage['headers']; body: string }[] = [];
  const sender = new HttpSender();
  const never = new AbortController().signal;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => {
        received.push({ headers: req.headers, body });
        answer(req, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    await sender.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('POSTs the JSON body with its headers and reports a 2xx as delivered', async () => {
    answer = (_req, res) => res.writeHead(204).end();
    expect(await sender.send(url, '{"a":1}', { authorization: 'Bearer t', 'x-crowsnest-alert-id': 'new:a/b' }, 2_000, never)).toEqual({ ok: true });
    const last = received.at(-1);
    expect(last?.body).toBe('{"a":1}');
    expect(last?.headers['content-type']).toBe('application/json');
    expect(last?.headers['authorization']).toBe('Bearer t');
    expect(last?.headers['x-crowsnest-alert-id']).toBe('new:a/b');
  });

  it('asks for a retry on 5xx and 429 (with Retry-After), not on 404 or a redirect', async () => {
    answer = (_req, res) => res.writeHead(503).end('down');
    expect(await sender.send(url, '{}', {}, 2_000, never)).toEqual({ ok: false, retry: true, error: 'HTTP 503' });
    answer = (_req, res) => res.writeHead(429, { 'retry-after': '7' }).end();
    expect(await sender.send(url, '{}', {}, 2_000, never)).toEqual({ ok: false, retry: true, error: 'HTTP 429', retryAfterMs: 7_000 });
    answer = (_req, res) => res.writeHead(404).end();
    expect(await sender.send(url, '{}', {}, 2_000, never)).toEqual({ ok: false, retry: false, error: 'HTTP 404' });
    answer = (_req, res) => res.writeHead(302, { location: 'http://elsewhere.test/' }).end();
    expect(await sender.send(url, '{}', {}, 2_000, never)).toMatchObject({ ok: false, retry: false, error: 'HTTP 302' });
  });

  it('gives up on a receiver that does not answer within the timeout, and on a closed port', async () => {
    answer = () => undefined;
    expect(await sender.send(url, '{}', {}, 200, never)).toMatchObject({ ok: false, retry: true, error: 'no answer within 200 ms' });
    expect(await sender.send('http://127.0.0.1:1/hook', '{}', {}, 2_000, never)).toMatchObject({ ok: false, retry: true, error: expect.stringMatching(/ECONNREFUSED/) });
  });
});

describe('retry rules', () => {
  it('retries statuses a later attempt may change', () => {
    expect([408, 425, 429, 500, 502, 503].every(retryableStatus)).toBe(true);
    expect([301, 400, 401, 403, 404, 410, 413].some(retryableStatus)).toBe(false);
  });

  it('reads Retry-After as seconds or a date', () => {
    const now = Date.UTC(2025, 0, 1);
    expect(parseRetryAfter('12', now)).toBe(12_000);
    expect(parseRetryAfter(new Date(now + 30_000).toUTCString(), now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
