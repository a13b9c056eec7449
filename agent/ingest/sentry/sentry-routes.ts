import Router from '@koa/router';
import type { Context } from 'koa';
import type { Logger } from 'pino';
import { keyFromRequest } from './auth.js';
import { BodyError, decodeContentEncoding, readRequestBody } from '../../http/request-body.js';
import { SentryIngestError } from './sentry-error.js';
import type { IngestAnswer, SentryIngest } from './sentry-ingest.js';
import type { SentryMetrics } from './sentry-metrics.js';

export interface SentryRoutesDeps {
  readonly ingest: SentryIngest;
  readonly metrics: SentryMetrics;
  readonly logger: Logger;
  /** Largest body, compressed and decompressed (limits.bodyBytes). */
  readonly maxBodyBytes: number;
  /** Requests handled at once; more are answered 503 so bodies in memory stay bounded. */
  readonly maxConcurrent?: number;
  readonly now?: () => number;
}

/** Browser SDKs send these (and preflight for them). */
const ALLOWED_HEADERS = [
  'x-sentry-auth', 'x-requested-with', 'x-forwarded-for', 'origin', 'referer', 'accept', 'content-type', 'authentication',
  'authorization', 'content-encoding', 'transfer-encoding', 'baggage', 'sentry-trace',
].join(', ');
const EXPOSED_HEADERS = 'x-sentry-error, x-sentry-rate-limits, retry-after';
/** Data categories a 429 covers: error events and message events. */
const LIMITED_CATEGORIES = 'error;default';

const PATH = /^\/api\/([^/]+)\/(envelope|store)\/?$/;

/**
 * The Sentry ingestion endpoints at the agent: `POST /api/{project_id}/envelope/` and `/store/` (with
 * or without the trailing slash), CORS for browser SDKs, and the OPTIONS preflight. Answers 200
 * `{"id": "<event_id>"}`; refusals as `{error: {code, message}}` with the status of the reason,
 * `X-Sentry-Error`, and for 429 `Retry-After` plus `X-Sentry-Rate-Limits`. Every refusal is counted
 * by reason; nothing a client sends can make a handler throw past this router.
 */
export function sentryRoutes(deps: SentryRoutesDeps): Router {
  const router = new Router();
  const now = deps.now ?? Date.now;
  const maxConcurrent = deps.maxConcurrent ?? 32;
  let inFlight = 0;

  const cors = (ctx: Context) => {
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.set('Access-Control-Expose-Headers', EXPOSED_HEADERS);
  };

  router.options(PATH, (ctx) => {
    cors(ctx);
    ctx.set('Access-Control-Allow-Methods', 'POST, OPTIONS');
    ctx.set('Access-Control-Allow-Headers', ALLOWED_HEADERS);
    ctx.set('Access-Control-Max-Age', '3600');
    ctx.status = 200;
    ctx.body = '';
  });

  router.post(PATH, async (ctx) => {
    cors(ctx);
    const endpoint = ctx.captures?.[1] === 'store' ? 'store' : 'envelope';
    if (inFlight >= maxConcurrent) return refuse(ctx, new SentryIngestError('overloaded', 'too many Sentry requests at once; retry shortly', 1));
    inFlight++;
    try {
      const answer = await handle(ctx, endpoint);
      ctx.status = 200;
      ctx.body = answer;
    } catch (err) {
      if (!(err instanceof SentryIngestError)) throw err;
      refuse(ctx, err);
    } finally {
      inFlight--;
    }
  });

  async function handle(ctx: Context, endpoint: 'envelope' | 'store'): Promise<IngestAnswer> {
    const rawId = ctx.captures?.[0] ?? '';
    if (!/^\d{1,15}$/.test(rawId)) throw new SentryIngestError('invalid_project_id', `"${rawId.slice(0, 64)}" is not a numeric project id`);
    const projectId = Number(rawId);
    const headerKey = keyFromRequest(ctx.headers as Record<string, string>, ctx.query);
    // The body is read (bounded) even when the key is wrong, so the client reads the status rather
    // than a reset connection; it is decompressed and parsed only after the key is checked.
    const raw = await readRequestBody(ctx.req, deps.maxBodyBytes).catch(asSentryError);
    if (headerKey !== undefined || endpoint === 'store') deps.ingest.authenticate(projectId, headerKey);
    const body = await decodeContentEncoding(raw, ctx.get('content-encoding') || undefined, deps.maxBodyBytes).catch(asSentryError);
    if (endpoint === 'store') return deps.ingest.store(deps.ingest.authenticate(projectId, headerKey), body, now());
    return deps.ingest.envelope(projectId, headerKey, body, now());
  }

  function refuse(ctx: Context, err: SentryIngestError): void {
    deps.metrics.reject(err.reason);
    if (err.status >= 413 || err.status === 400) deps.logger.debug({ reason: err.reason, path: ctx.path, err: err.message }, 'Sentry request refused');
    ctx.status = err.status;
    ctx.set('X-Sentry-Error', err.message.replace(/[^\x20-\x7e]/g, '?'));
    if (err.retryAfterSeconds !== undefined) {
      ctx.set('Retry-After', String(err.retryAfterSeconds));
      if (err.reason === 'rate_limited') ctx.set('X-Sentry-Rate-Limits', `${err.retryAfterSeconds}:${LIMITED_CATEGORIES}:key`);
    }
    // The rest of an oversized or refused body is not read: close the connection instead.
    if (!ctx.req.complete) ctx.set('Connection', 'close');
    ctx.body = { error: { code: err.reason, message: err.message } };
  }

  return router;
}

/** A body failure is a Sentry refusal of the same name. */
function asSentryError(err: unknown): never {
  throw err instanceof BodyError ? new SentryIngestError(err.reason, err.message) : err;
}
