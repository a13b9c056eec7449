import Router from '@koa/router';
import type { SourcesResponseSchema } from '../../../../common/api/v1.js';
import type { z } from 'zod';
import type { HubState } from '../../../state/hub-state.js';
import { NoQuerySchema, parseQuery } from '../request.js';
import { toSourceView } from './presenter.js';

export interface SourceRoutesDeps {
  readonly state: HubState;
  readonly now?: () => number;
}

/** `GET /api/v1/sources`: agents and child hubs this hub knows, connected first, then by name. */
export function sourceRoutes(deps: SourceRoutesDeps): Router {
  const router = new Router();
  const now = deps.now ?? Date.now;
  router.get('/api/v1/sources', (ctx) => {
    parseQuery(ctx, NoQuerySchema);
    const t = now();
    const items = [...deps.state.sources.values()]
      .sort((a, b) => Number(b.connected) - Number(a.connected) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((s) => toSourceView(s, t));
    const body: z.infer<typeof SourcesResponseSchema> = { items };
    ctx.body = body;
  });
  return router;
}
