import Router from '@koa/router';
import type { SelfErrors } from '../self-errors.js';

export interface OpsRoutesDeps {
  readonly metrics: () => Promise<string>;
  readonly selfErrors: SelfErrors;
  readonly ready: () => boolean;
}

/**
 * Operational endpoints every Crowsnest process serves: `/-/health`, `/-/ready`, `/metrics`,
 * `/errors` (the process's own errors in the Periskop client format).
 */
export function opsRoutes(deps: OpsRoutesDeps): Router {
  const router = new Router();
  router.get('/-/health', (ctx) => {
    ctx.type = 'text/plain';
    ctx.body = 'OK';
  });
  router.get('/-/ready', (ctx) => {
    const ready = deps.ready();
    ctx.status = ready ? 200 : 503;
    ctx.type = 'text/plain';
    ctx.body = ready ? 'OK' : 'starting';
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = 'text/plain; version=0.0.4; charset=utf-8';
    ctx.body = await deps.metrics();
  });
  router.get('/errors', (ctx) => {
    ctx.body = deps.selfErrors.payload();
  });
  return router;
}
