import type { Context, Next } from 'koa';

/**
 * An error with an HTTP status and a stable code, turned into `{error: {code, message}}` by
 * `errorMiddleware` (Koa's `status`/`expose` convention). Thrown by handlers; lives for one request.
 */
export class ApiError extends Error {
  readonly expose = true;
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * One error handler for the whole API. Known errors keep their status and code; anything else is a
 * 500 with a generic message (the details go to the log and the hub's own /errors).
 */
export function errorMiddleware(onUnexpected: (err: unknown, ctx: Context) => void) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
    } catch (err) {
      const e = err as { status?: number; expose?: boolean; code?: string; message?: string };
      const status = typeof e.status === 'number' && e.status >= 400 && e.status < 600 ? e.status : 500;
      // An ApiError is deliberate at any status (e.g. 503 when full); anything else at 5xx is a bug.
      const deliberate = err instanceof ApiError;
      if (status >= 500 && !deliberate) onUnexpected(err, ctx);
      const exposed = deliberate || (e.expose === true && status < 500);
      ctx.status = status;
      ctx.body = {
        error: {
          code: exposed && typeof e.code === 'string' ? e.code : status >= 500 ? 'internal' : httpCode(status),
          message: exposed && e.message ? e.message : status >= 500 ? 'internal error; see the hub log' : httpCode(status),
        },
      };
    }
  };
}

function httpCode(status: number): string {
  switch (status) {
    case 400: return 'bad_request';
    case 401: return 'unauthorized';
    case 404: return 'not_found';
    case 405: return 'method_not_allowed';
    case 413: return 'payload_too_large';
    default: return `http_${status}`;
  }
}
