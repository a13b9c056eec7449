import type { Context } from 'koa';
import { z } from 'zod';
import { HttpError } from '../../../common/http/http-error.js';

/** Routes without parameters refuse any (a typo in a parameter name is an error, not ignored). */
export const NoQuerySchema = z.strictObject({});

/** Longest user input echoed back in an error message. */
const ECHO_CHARS = 200;

/** `value` cut for an error message, JSON-quoted so odd characters stay visible. */
export function echo(value: string): string {
  return JSON.stringify(value.length > ECHO_CHARS ? `${value.slice(0, ECHO_CHARS)}…` : value);
}

/**
 * The request's query parsed by `schema`; a 400 naming each bad parameter otherwise (repeated
 * parameters, unknown ones, values out of range).
 */
export function parseQuery<S extends z.ZodType>(ctx: Context, schema: S): z.infer<S> {
  const result = schema.safeParse(ctx.query);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => {
    const path = i.path.map(String).join('.');
    return path === '' ? i.message : `${path}: ${i.message}`;
  });
  throw new HttpError(400, 'bad_request', `invalid query: ${problems.join('; ')}`);
}

/** A percent-encoded path segment, decoded; a 400 when the encoding is invalid. */
export function decodeSegment(raw: string, what: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, 'bad_request', `the ${what} in the path is not valid percent-encoding`);
  }
}
