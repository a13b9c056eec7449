import Router from '@koa/router';
import { HttpError } from '../../../../common/http/http-error.js';
import { NoQuerySchema, parseQuery } from '../request.js';
import type { LiveStream } from './live-stream.js';

/** `GET /api/v1/events`: the live stream (Server-Sent Events; see LiveEvent in common/api/v1.ts). */
export function eventRoutes(deps: { readonly live: LiveStream }): Router {
  const router = new Router();
  router.get('/api/v1/events', (ctx) => {
    parseQuery(ctx, NoQuerySchema);
    if (ctx.method === 'HEAD') {
      ctx.status = 200;
      ctx.type = 'text/event-stream';
      return;
    }
    if (deps.live.full) throw new HttpError(503, 'too_many_clients', 'too many live-stream clients; retry later');
    ctx.status = 200;
    ctx.respond = false;
    deps.live.open(ctx.res);
  });
  return router;
}
