import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate } from 'node:zlib';
import { PushError } from './push-error.js';

const decoders: Record<string, (buf: Buffer, opts: { maxOutputLength: number }) => Promise<Buffer>> = {
  gzip: promisify(gunzip),
  'x-gzip': promisify(gunzip),
  deflate: promisify(inflate),
  br: promisify(brotliDecompress),
};

/**
 * Reads a request body with the agent's body limit applied twice (DESIGN section 8): to the bytes
 * received (a declared Content-Length over it is refused before reading) and to the decompressed
 * bytes (gzip, deflate, br; a gzip bomb stops at the limit). Throws PushError 413 or 415.
 */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new PushError(413, 'body_too_large', `the body of ${declared} bytes exceeds the limit of ${maxBytes} bytes`);
  }
  const encoding = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  const decode = decoders[encoding];
  if (encoding !== 'identity' && decode === undefined) {
    throw new PushError(415, 'unsupported_encoding', `content-encoding "${encoding}" is not supported; send gzip, deflate, br or none`);
  }
  const chunks: Buffer[] = [];
  let bytes = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > maxBytes) throw new PushError(413, 'body_too_large', `the body exceeds the limit of ${maxBytes} bytes`);
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof PushError) throw err;
    throw new PushError(400, 'body_incomplete', `the request body was not received completely: ${(err as Error).message}`);
  }
  const raw = Buffer.concat(chunks, bytes);
  if (decode === undefined) return raw;
  try {
    return await decode(raw, { maxOutputLength: maxBytes });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new PushError(413, 'body_too_large', `the decompressed body exceeds the limit of ${maxBytes} bytes`);
    }
    throw new PushError(400, 'invalid_encoding', `the body is not valid ${encoding}: ${e.message}`);
  }
}
