import Router from '@koa/router';
import type { z } from 'zod';
import type { TargetsResponseSchema } from '../../../../common/api/v1.js';
import type { HubState } from '../../../state/hub-state.js';
import { parseQuery } from '../request.js';
import { toTargetView } from './presenter.js';
import { TargetsQuerySchema } from './schema.js';

/** `GET /api/v1/targets[?service=]`: every scrape target reported by any source, down ones first. */
export function targetRoutes(deps: { readonly state: HubState }): Router {
  const router = new Router();
  router.get('/api/v1/targets', (ctx) => {
    const query = parseQuery(ctx, TargetsQuerySchema);
    const items = deps.state
      .targets()
      .filter((t) => query.service === undefined || t.service === query.service)
      .sort((a, b) => Number(a.up) - Number(b.up) || cmp(a.service, b.service) || cmp(a.agent, b.agent) || cmp(a.url, b.url))
      .map(toTargetView);
    const body: z.infer<typeof TargetsResponseSchema> = { items };
    ctx.body = body;
  });
  return router;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
