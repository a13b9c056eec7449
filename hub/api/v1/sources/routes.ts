import Router from '@koa/router';
import type { SourcesResponseSchema } from '../../../../common/api/v1.js';
import type { z } from 'zod';
import type { HubState } from '../../../state/hub-state.js';
import { NoQuerySchema, parseQuery } from '../request.js';
import { groupBoundsView, indirectSourceViews, toSourceView } from './presenter.js';

export interface SourceRoutesDeps {
  readonly state: HubState;
  readonly now?: () => number;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * `GET /api/v1/sources`: agents and child hubs connected to this hub (connected first, then by name),
 * then the sources child hubs report below them (by route, then name).
 */
export function sourceRoutes(deps: SourceRoutesDeps): Router {
  const router = new Router();
  const now = deps.now ?? Date.now;
  router.get('/api/v1/sources', (ctx) => {
    parseQuery(ctx, NoQuerySchema);
    const t = now();
    const direct = [...deps.state.sources.values()].sort((a, b) => Number(b.connected) - Number(a.connected) || cmp(a.name, b.name));
    const indirect = direct
      .flatMap((s) => indirectSourceViews(s, t))
      .sort((a, b) => cmp(a.via.join('\u0000'), b.via.join('\u0000')) || cmp(a.name, b.name));
    const items = [...direct.map((s) => toSourceView(s, t, deps.state.bounds.groupsOf(s.name))), ...indirect];
    const body: z.infer<typeof SourcesResponseSchema> = { items, groups: groupBoundsView(deps.state) };
    ctx.body = body;
  });
  return router;
}
