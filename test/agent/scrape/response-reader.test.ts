import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ResponseHead, ResponseError, ResponseReader } from '../../../agent/scrape/response-reader.js';

interface Read {
  heads: ResponseHead[];
  body: string;
  done: boolean;
  keepAlive: boolean;
  used: number;
}

/** Feeds `bytes` in the pieces given by `cuts` (offsets), then ends the connection when `eof`. */
function read(bytes: Buffer, cuts: number[] = [], options: { eof?: boolean; maxBodyBytes?: number; maxHeaderBytes?: number; stopAt?: number } = {}): Read {
  const heads: ResponseHead[] = [];
  const body: Buffer[] = [];
  const reader = new ResponseReader({
    maxHeaderBytes: options.maxHeaderBytes ?? 16 * 1024,
    maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
    onHead: (head) => {
      heads.push(head);
      return options.stopAt === undefined || head.status !== options.stopAt;
    },
    // A view of the piece: copied, as the scraper copies it into its body buffer.
    onBody: (b) => body.push(Buffer.from(b)),
  });
  const points = [...new Set([0, ...cuts.filter((c) => c > 0 && c < bytes.length), bytes.length])].sort((a, b) => a - b);
  let used = 0;
  for (let i = 0; i + 1 < points.length && !reader.done; i++) used += reader.feed(bytes.subarray(points[i], points[i + 1]));
  if (options.eof) reader.end();
  return { heads, body: Buffer.concat(body).toString('latin1'), done: reader.done, keepAlive: reader.keepAlive, used };
}

const response = (head: string, body = '') => Buffer.from(`${head.replace(/\n/g, '\r\n')}\r\n\r\n${body}`, 'latin1');

function chunked(body: string, sizes: number[], trailers = ''): string {
  const out: string[] = [];
  let at = 0;
  for (const size of sizes) {
    if (at >= body.length) break;
    const part = body.slice(at, at + Math.max(1, size));
    out.push(`${part.length.toString(16)}\r\n${part}\r\n`);
    at += part.length;
  }
  if (at < body.length) out.push(`${(body.length - at).toString(16)};ext=1\r\n${body.slice(at)}\r\n`);
  return `${out.join('')}0\r\n${trailers}\r\n`;
}

describe('ResponseReader', () => {
  it('reads a Content-Length body and keeps an HTTP/1.1 connection', () => {
    const r = read(response('HTTP/1.1 200 OK\ncontent-type: application/json\ncontent-length: 2', '{}'));
    expect(r).toMatchObject({ body: '{}', done: true, keepAlive: true });
    expect(r.heads[0]?.headers.get('content-type')).toBe('application/json');
  });

  it('gives the same body and head however the bytes are split, for each framing', () => {
    const body = fc.string({ unit: 'binary-ascii', maxLength: 300 });
    fc.assert(
      fc.property(body, fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 20 }), fc.array(fc.nat(2000), { maxLength: 30 }), fc.constantFrom('length', 'chunked', 'close'), (text, sizes, cuts, framing) => {
        const head = framing === 'length' ? `HTTP/1.1 200 OK\ncontent-length: ${text.length}` : framing === 'chunked' ? 'HTTP/1.1 200 OK\ntransfer-encoding: chunked' : 'HTTP/1.1 200 OK\nconnection: close';
        const bytes = response(head, framing === 'chunked' ? chunked(text, sizes, 'x-trailer: 1\r\n') : text);
        const r = read(bytes, cuts, { eof: framing === 'close' });
        expect(r.body).toBe(text);
        expect(r.done).toBe(true);
        expect(r.heads).toHaveLength(1);
        expect(r.keepAlive).toBe(framing !== 'close');
        if (framing !== 'close') expect(r.used).toBe(bytes.length);
      }),
    );
  });

  it('skips interim 1xx responses and accepts bare LF line ends', () => {
    const bytes = Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\ncontent-length: 3\n\nabc');
    const r = read(bytes);
    expect(r.heads.map((h) => h.status)).toEqual([200]);
    expect(r.body).toBe('abc');
  });

  it('does not keep an HTTP/1.0 connection, nor one the target asked to close', () => {
    expect(read(response('HTTP/1.0 200 OK\ncontent-length: 1', 'x')).keepAlive).toBe(false);
    expect(read(response('HTTP/1.1 200 OK\nconnection: Close\ncontent-length: 1', 'x')).keepAlive).toBe(false);
  });

  it('reads no body for 204 and 304, and reports bytes after a complete response as unused', () => {
    expect(read(response('HTTP/1.1 204 No Content'))).toMatchObject({ done: true, body: '' });
    const message = response('HTTP/1.1 200 OK\ncontent-length: 1', 'x');
    const r = read(Buffer.concat([message, Buffer.from('junk')]));
    expect(r.body).toBe('x');
    expect(r.used).toBe(message.length);
  });

  it('stops at the head when onHead says so, reading no body', () => {
    const r = read(response('HTTP/1.1 404 Not Found\ncontent-length: 5', 'nope!'), [], { stopAt: 404 });
    expect(r).toMatchObject({ body: '', done: false });
    expect(r.heads[0]?.status).toBe(404);
  });

  it('completes a body delimited by the connection only at its end, and names a cut response', () => {
    const partial = response('HTTP/1.1 200 OK\ncontent-length: 10', 'abc');
    expect(() => read(partial, [], { eof: true })).toThrow(/closed before the body was complete/);
    expect(() => read(Buffer.alloc(0), [], { eof: true })).toThrow(/closed before any response/);
    expect(() => read(Buffer.from('HTTP/1.1 200 OK\r\ncontent-'), [], { eof: true })).toThrow(/closed in the response head/);
    const cutChunk = Buffer.from('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\na\r\nabc');
    expect(() => read(cutChunk, [], { eof: true })).toThrow(/before the body was complete/);
  });

  it('refuses bodies over the cap, declared or not, and chunk sizes that would pass it', () => {
    const opts = { maxBodyBytes: 100 };
    expect(() => read(response('HTTP/1.1 200 OK\ncontent-length: 101', 'x'.repeat(101)), [], opts)).toThrow(ResponseError);
    try {
      read(response('HTTP/1.1 200 OK\nconnection: close', 'x'.repeat(101)), [], opts);
      expect.unreachable();
    } catch (err) {
      expect((err as ResponseError).reason).toBe('body_too_large');
    }
    expect(() => read(response('HTTP/1.1 200 OK\ntransfer-encoding: chunked', 'ffffffffff\r\n'), [], opts)).toThrow(/exceeds the limit/);
    expect(read(response('HTTP/1.1 200 OK\ncontent-length: 100', 'x'.repeat(100)), [], opts).body).toHaveLength(100);
  });

  it('refuses a head or trailer section over its cap, fed byte by byte or at once', () => {
    const big = response(`HTTP/1.1 200 OK\nx-filler: ${'a'.repeat(200)}\ncontent-length: 0`);
    const cuts = Array.from({ length: big.length }, (_, i) => i);
    expect(() => read(big, cuts, { maxHeaderBytes: 100 })).toThrow(/response head exceeds 100 bytes/);
    expect(() => read(big, [], { maxHeaderBytes: 100 })).toThrow(/response head exceeds 100 bytes/);
    const trailers = response('HTTP/1.1 200 OK\ntransfer-encoding: chunked', `0\r\nx: ${'a'.repeat(200)}\r\n\r\n`);
    expect(() => read(trailers, [], { maxHeaderBytes: 150 })).toThrow(/trailer section exceeds/);
  });

  it.each([
    ['a status line that is not HTTP/1.x', 'HTTP/2 200 OK\r\n\r\n', /not an HTTP\/1.x response/],
    ['a status code that is not 3 digits', 'HTTP/1.1 20 OK\r\n\r\n', /not an HTTP\/1.x response/],
    ['a header line without a colon', 'HTTP/1.1 200 OK\r\nbroken\r\n\r\n', /malformed header line/],
    ['obsolete line folding', 'HTTP/1.1 200 OK\r\nx: a\r\n b\r\n\r\n', /malformed header line/],
    ['two different Content-Lengths', 'HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\nx', /invalid Content-Length/],
    ['a negative Content-Length', 'HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n', /invalid Content-Length/],
    ['a transfer coding other than chunked', 'HTTP/1.1 200 OK\r\ntransfer-encoding: gzip\r\n\r\nx', /unsupported Transfer-Encoding/],
    ['a malformed chunk size', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n', /malformed chunk size/],
    ['a chunk without its CRLF', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1\r\nxy', /not followed by CRLF/],
    ['an endless chunk-size line', `HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n${'0'.repeat(2000)}`, /chunk-size line longer/],
    ['a switch of protocols', 'HTTP/1.1 101 Switching Protocols\r\n\r\n', /switched protocols/],
  ])('refuses %s with a protocol error', (_what, text, message) => {
    try {
      read(Buffer.from(text, 'latin1'));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ResponseError);
      expect((err as ResponseError).reason).toBe('protocol');
      expect((err as Error).message).toMatch(message);
    }
  });

  it('joins repeated headers and takes one Content-Length repeated with the same value', () => {
    const r = read(response('HTTP/1.1 200 OK\nx-a: 1\nX-A: 2\ncontent-length: 1\ncontent-length: 1', 'x'));
    expect(r.heads[0]?.headers.get('x-a')).toBe('1, 2');
    expect(r.body).toBe('x');
  });
});
