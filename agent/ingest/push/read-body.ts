import type { IncomingMessage } from 'node:http';
import { BodyError, type BodyFailure, decodeContentEncoding, readRequestBody } from '../../http/request-body.js';
import { HttpError } from '../../../common/http/http-error.js';

const ANSWERS: Record<BodyFailure, [status: number, code: string]> = {
  body_too_large: [413, 'body_too_large'],
  decompressed_too_large: [413, 'body_too_large'],
  unsupported_encoding: [415, 'unsupported_encoding'],
  invalid_compression: [400, 'invalid_encoding'],
  aborted: [400, 'body_incomplete'],
};

/**
 * Reads a push body with the agent's body limit applied to the bytes received and to the decompressed
 * bytes (gzip, deflate, br). Throws HttpError 413, 415 or 400.
 */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  try {
    return await decodeContentEncoding(await readRequestBody(req, maxBytes), req.headers['content-encoding'], maxBytes);
  } catch (err) {
    if (!(err instanceof BodyError)) throw err;
    const [status, code] = ANSWERS[err.reason];
    throw new HttpError(status, code, err.message);
  }
}
