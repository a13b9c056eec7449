import Router from '@koa/router';
import { AllErrorsQuerySchema } from '../../../../common/api/v1.js';
import type { HubGroup } from '../../../state/group.js';
import type { HubState } from '../../../state/hub-state.js';
import { parseQuery } from '../request.js';
import { listErrorsCooperatively } from './list.js';
import { listOptionsOf, toErrorListResponse } from './list-query.js';

export interface AllErrorRoutesDeps {
  readonly state: HubState;
  readonly now?: () => number;
}

/** Path of the list over every service. */
export const ALL_ERRORS_PATH = /^\/api\/v1\/errors\/?$/;

/** Every service's groups, service by service. */
function everyService(services: ReadonlyMap<string, Map<string, HubGroup>>): Iterable<HubGroup>[] {
  return Array.from(services.values(), (groups) => groups.values());
}

/**
 * `GET /api/v1/errors`: the error list over every service, for the UI's header search. Same query,
 * search terms and keyset paging as a service's list (one pass, bounded heap: O(groups log limit),
 * giving the event loop back every LIST_SLICE groups so a search of a million groups never stalls merges);
 * its cursors carry the service of the page's last group.
 */
export function allErrorRoutes(deps: AllErrorRoutesDeps): Router {
  const router = new Router();
  const now = deps.now ?? Date.now;
  router.get(ALL_ERRORS_PATH, async (ctx) => {
    const query = parseQuery(ctx, AllErrorsQuerySchema);
    const page = await listErrorsCooperatively(everyService(deps.state.services), listOptionsOf(query, 'all'));
    ctx.body = toErrorListResponse(page, query, now());
  });
  return router;
}
