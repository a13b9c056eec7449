import Router from '@koa/router';
import type { ServicesResponse } from '../../../../common/api/v1.js';
import type { HubState } from '../../../state/hub-state.js';
import { HttpError } from '../../../../common/http/http-error.js';
import { decodeSegment, echo, parseQuery } from '../request.js';
import { toServiceDetail, toServiceSummary } from './presenter.js';
import { SERVICE_PATH, ServicesQuerySchema } from './schema.js';

export interface ServiceRoutesDeps {
  readonly state: HubState;
  readonly now?: () => number;
}

/** `GET /api/v1/services` (overview, sorted by name) and `GET /api/v1/services/{name}` (with series). */
export function serviceRoutes(deps: ServiceRoutesDeps): Router {
  const router = new Router();
  const { state } = deps;
  const now = deps.now ?? Date.now;

  router.get('/api/v1/services', (ctx) => {
    parseQuery(ctx, ServicesQuerySchema);
    const t = now();
    const names = [...state.services.keys()].sort();
    const body: ServicesResponse = {
      items: names.map((name) => toServiceSummary(name, state.tally(name), state.serviceSeries.get(name) ?? null, t)),
    };
    ctx.body = body;
  });

  router.get(SERVICE_PATH, (ctx) => {
    parseQuery(ctx, ServicesQuerySchema);
    const name = decodeSegment(ctx.captures?.[0] ?? '', 'service name');
    if (!state.services.has(name)) throw new HttpError(404, 'not_found', `no service ${echo(name)}`);
    ctx.body = toServiceDetail(name, state.tally(name), state.serviceSeries.get(name) ?? null, now());
  });

  return router;
}
