import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate, inflateRaw } from 'node:zlib';
/** Why a request body could not be read; each ingestion route maps it onto its own answer. */
export type BodyFailure = 'body_too_large' | 'decompressed_too_large' | 'unsupported_encoding' | 'invalid_compression' | 'aborted';

/** A body that could not be read (lives for one request; push and Sentry routes turn it into a 4xx). */
export class BodyError extends Error {
  constructor(
    readonly reason: BodyFailure,
    message: string,
  ) {
    super(message);
  }
}

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);
const inflateRawAsync = promisify(inflateRaw);
const brotliAsync = promisify(brotliDecompress);

/**
 * Request bodies of the agent's ingestion routes (push gateway, Sentry), read with a byte cap, then
 * decompressed with the same cap on the output (DESIGN section 8); scraped bodies are decompressed
 * the same way (scrape/fetch-body.ts).
 *
 * Reads a request body whole, refusing more than `maxBytes` (declared or counted while reading, so a
 * chunked upload of any size stops at the limit). Throws BodyError `body_too_large`, or
 * `aborted` when the client goes away. An oversized body is left unread (not destroyed), so the
 * caller can still answer 413 before the connection closes.
 */
export function readRequestBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return Promise.reject(new BodyError('body_too_large', `body of ${declared} bytes exceeds the limit of ${maxBytes}`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const done = (err: BodyError | undefined) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      req.on('error', () => undefined);
      if (err === undefined) resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, bytes));
      else {
        req.pause();
        reject(err);
      }
    };
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > maxBytes) return done(new BodyError('body_too_large', `body exceeds the limit of ${maxBytes} bytes`));
      chunks.push(chunk);
    };
    const onEnd = () => done(undefined);
    const onError = (err: Error) => done(new BodyError('aborted', `the client stopped sending the body: ${err.message}`));
    const onAborted = () => done(new BodyError('aborted', 'the client closed the connection before sending the whole body'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

/**
 * Undoes `Content-Encoding` (gzip, deflate, br, or a list of them, applied last first), each step
 * capped at `maxBytes` of output so a compression bomb stops there. Throws BodyError.
 * Example: decodeContentEncoding(gzipSync('{}'), 'gzip', 1024) resolves to the bytes of '{}'.
 */
export async function decodeContentEncoding(body: Buffer, header: string | undefined, maxBytes: number): Promise<Buffer> {
  if (header === undefined || header.trim() === '') return body;
  const encodings = header.split(',').map((e) => e.trim().toLowerCase()).filter((e) => e !== '' && e !== 'identity');
  if (encodings.length > 3) throw new BodyError('unsupported_encoding', `too many content encodings: "${header}"`);
  let out = body;
  for (const encoding of encodings.reverse()) out = await decodeOne(out, encoding, maxBytes);
  return out;
}

async function decodeOne(body: Buffer, encoding: string, maxBytes: number): Promise<Buffer> {
  const options = { maxOutputLength: maxBytes };
  try {
    switch (encoding) {
      case 'gzip':
      case 'x-gzip':
        return await gunzipAsync(body, options);
      case 'deflate':
        // RFC 9110 deflate is zlib-wrapped; some clients send raw deflate anyway.
        return isZlibWrapped(body) ? await inflateAsync(body, options) : await inflateRawAsync(body, options);
      case 'br':
        return await brotliAsync(body, options);
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new BodyError('decompressed_too_large', `the decompressed body exceeds the limit of ${maxBytes} bytes`);
    }
    throw new BodyError('invalid_compression', `cannot decompress the ${encoding} body: ${e.message}`);
  }
  throw new BodyError('unsupported_encoding', `unsupported content-encoding "${encoding}" (gzip, deflate and br are supported)`);
}

/** A zlib stream starts with CMF (method 8) and FLG such that CMF*256+FLG is a multiple of 31. */
function isZlibWrapped(body: Buffer): boolean {
  if (body.length < 2) return false;
  const cmf = body[0] as number;
  const flg = body[1] as number;
  return (cmf & 0x0f) === 8 && (cmf * 256 + flg) % 31 === 0;
}
