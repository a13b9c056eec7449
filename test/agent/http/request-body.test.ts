import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BodyError, decodeContentEncoding } from '../../../agent/http/request-body.js';

const text = '{"event_id":"x"}\n{"type":"event"}\n{}\n';
const reasonOf = async (p: Promise<unknown>) => p.then(() => undefined, (err: unknown) => (err instanceof BodyError ? err.reason : String(err)));

describe('decodeContentEncoding', () => {
  it('undoes gzip, deflate (zlib and raw), br and a list of encodings', async () => {
    const b = Buffer.from(text);
    expect((await decodeContentEncoding(gzipSync(b), 'gzip', 1024)).toString()).toBe(text);
    expect((await decodeContentEncoding(deflateSync(b), 'deflate', 1024)).toString()).toBe(text);
    expect((await decodeContentEncoding(deflateRawSync(b), 'deflate', 1024)).toString()).toBe(text);
    expect((await decodeContentEncoding(brotliCompressSync(b), 'br', 1024)).toString()).toBe(text);
    expect((await decodeContentEncoding(brotliCompressSync(gzipSync(b)), 'gzip, br', 1024)).toString()).toBe(text);
    expect((await decodeContentEncoding(b, undefined, 1024)).toString()).toBe(text);
    expect((await decodeContentEncoding(b, 'identity', 1024)).toString()).toBe(text);
  });

  it('stops a compression bomb at the limit', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(128 * 1024);
    expect(await reasonOf(decodeContentEncoding(bomb, 'gzip', 1024 * 1024))).toBe('decompressed_too_large');
    expect(await reasonOf(decodeContentEncoding(brotliCompressSync(Buffer.alloc(4 * 1024 * 1024)), 'br', 1024 * 1024))).toBe('decompressed_too_large');
  });

  it('refuses corrupt data and unknown encodings', async () => {
    expect(await reasonOf(decodeContentEncoding(Buffer.from('not gzip'), 'gzip', 1024))).toBe('invalid_compression');
    expect(await reasonOf(decodeContentEncoding(gzipSync(Buffer.from(text)).subarray(0, 12), 'gzip', 1024))).toBe('invalid_compression');
    expect(await reasonOf(decodeContentEncoding(Buffer.from(text), 'zstd', 1024))).toBe('unsupported_encoding');
  });
});
