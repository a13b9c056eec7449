import Koa from 'koa';
import type Router from '@koa/router';
import { errorMiddleware } from '../../common/http/http-error.js';
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
  app.use(errorMiddleware({
    internalMessage: 'internal error; see the agent log',
    onUnexpected: (err, ctx) => {
      deps.selfErrors.report(err);
      deps.logger.error({ err: (err as Error).message, path: ctx.path }, 'unexpected error in an agent handler');
    },
  }));
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
