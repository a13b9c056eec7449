import Koa from 'koa';
import type Router from '@koa/router';
import { opsRoutes } from '../../common/http/ops-routes.js';
import type { Logger } from 'pino';
import type { SelfErrors } from '../../common/self-errors.js';
import type { TargetHealth } from '../scrape/target-health.js';

export interface AgentAppDeps {
  readonly selfErrors: SelfErrors;
  readonly logger: Logger;
  readonly metrics: () => Promise<string>;
  readonly healths: () => TargetHealth[];
  readonly ready: () => boolean;
  /** Extra routers (push, Sentry ingestion). */
  readonly routers?: readonly Router[];
}

/** The agent's HTTP surface: health, readiness, metrics, targets, its own errors, ingestion routes. */
export function createAgentApp(deps: AgentAppDeps): Koa {
  const app = new Koa();
  app.silent = true;
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      const e = err as { status?: number; expose?: boolean; code?: string; message?: string };
      const status = typeof e.status === 'number' && e.status >= 400 && e.status < 600 ? e.status : 500;
      if (status >= 500) {
        deps.selfErrors.report(err);
        deps.logger.error({ err: e.message, path: ctx.path }, 'unexpected error in an agent handler');
      }
      ctx.status = status;
      ctx.body = { error: { code: e.expose && e.code ? e.code : status >= 500 ? 'internal' : 'bad_request', message: e.expose && e.message ? e.message : 'internal error' } };
    }
  });
  const router = opsRoutes(deps);
  router.get('/targets', (ctx) => {
    ctx.body = deps.healths().map((h) => ({
      service: h.service, url: h.url, labels: h.labels, up: h.up, last_error: h.lastError, last_failure: h.lastFailure ?? null,
      last_scrape: h.lastScrape > 0 ? new Date(h.lastScrape).toISOString() : null, duration_ms: h.durationMs, bytes: h.bytes,
      scrapes: h.scrapes, unchanged_bodies: h.unchanged, failures: h.failures, dropped_items: h.dropped, truncated_items: h.truncated,
    }));
  });
  for (const r of [router, ...(deps.routers ?? [])]) {
    app.use(r.routes());
    app.use(r.allowedMethods());
  }
  return app;
}
