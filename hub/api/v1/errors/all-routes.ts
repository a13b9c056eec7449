import Router from '@koa/router';
import { AllErrorsQuerySchema, type ErrorListResponse } from '../../../../common/api/v1.js';
import type { HubGroup } from '../../../state/group.js';
import type { HubState } from '../../../state/hub-state.js';
import { parseSearch } from '../../../state/search-text.js';
import { parseQuery } from '../request.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { listErrorsCooperatively } from './list.js';
import { toErrorSummary } from './presenter.js';

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
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, query.sort, query.order, 'all');
    const page = await listErrorsCooperatively(everyService(deps.state.services), {
      terms: parseSearch(query.q), severity: query.severity, status: query.status, environment: query.environment, release: query.release, sort: query.sort, order: query.order, limit: query.limit, after, acrossServices: true,
    });
    const t = now();
    const body: ErrorListResponse = {
      items: page.items.map((g) => toErrorSummary(g, t)),
      next_cursor: page.next === null ? null : encodeCursor(query.sort, query.order, page.next),
      total: page.total,
    };
    ctx.body = body;
  });
  return router;
}
