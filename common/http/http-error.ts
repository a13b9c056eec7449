import type { Context, Next } from 'koa';

/**
 * A refused request: `status` and `code` go to the client as `{error: {code, message}}` through
 * `errorMiddleware`, message included. Thrown by the hub's API and the agent's ingestion routes.
 */
export class HttpError extends Error {
  readonly expose = true;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ErrorMiddlewareOptions {
  /** A 5xx that is not an HttpError: a bug, to log and report. */
  readonly onUnexpected: (err: unknown, ctx: Context) => void;
  /** What the client reads in place of an unexpected error's message. */
  readonly internalMessage: string;
}

/**
 * One error handler for a Koa app. An HttpError keeps its status, code and message at any status
 * (a deliberate 503 or 507); an exposed Koa error (ctx.throw, a body parser's 413) below 500 keeps
 * its message; anything else is a 500 `internal` whose details go only to `onUnexpected`.
 */
export function errorMiddleware(options: ErrorMiddlewareOptions) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
    } catch (err) {
      const e = err as { status?: number; expose?: boolean; code?: string; message?: string };
      const status = typeof e.status === 'number' && e.status >= 400 && e.status < 600 ? e.status : 500;
      const deliberate = err instanceof HttpError;
      if (status >= 500 && !deliberate) options.onUnexpected(err, ctx);
      const exposed = deliberate || (e.expose === true && status < 500);
      ctx.status = status;
      ctx.body = {
        error: {
          code: exposed && typeof e.code === 'string' ? e.code : status >= 500 ? 'internal' : httpCode(status),
          message: exposed && e.message ? e.message : status >= 500 ? options.internalMessage : httpCode(status),
        },
      };
    }
  };
}

/** The code of a status without one of its own: 404 -> 'not_found'. */
export function httpCode(status: number): string {
  switch (status) {
    case 400: return 'bad_request';
    case 401: return 'unauthorized';
    case 404: return 'not_found';
    case 405: return 'method_not_allowed';
    case 413: return 'payload_too_large';
    case 415: return 'unsupported_media_type';
    case 429: return 'too_many_requests';
    default: return `http_${status}`;
  }
}
