import Router from '@koa/router';
import type { Context } from 'koa';
import type { HubGroup } from '../../../state/group.js';
import type { HubState } from '../../../state/hub-state.js';
import type { UserActions } from '../../../store/user-actions.js';
import { requireAdmin } from '../../admin-auth.js';
import { HttpError } from '../../../../common/http/http-error.js';
import { decodeSegment, echo, NoQuerySchema, parseQuery } from '../request.js';
import { listErrors } from './list.js';
import { listOptionsOf, toErrorListResponse } from './list-query.js';
import { toErrorGroup, toErrorSummary } from './presenter.js';
import { ERROR_ACTION_PATH, ERROR_LIST_PATH, ERROR_PATH, ErrorListQuerySchema } from './schema.js';

export interface ErrorRoutesDeps {
  readonly state: HubState;
  readonly actions: UserActions;
  readonly adminToken: string | undefined;
  readonly now?: () => number;
}

/**
 * `/api/v1/services/{name}/errors[/{key}[/resolve|/unresolve]]`: list with search, filters, sort and
 * cursor pagination; one group; resolve and unresolve (journaled before the answer, admin token
 * when configured). Handlers only parse, look up and present.
 */
export function errorRoutes(deps: ErrorRoutesDeps): Router {
  const router = new Router();
  const { state } = deps;
  const now = deps.now ?? Date.now;

  const serviceOf = (ctx: Context): { name: string; groups: Map<string, HubGroup> } => {
    const name = decodeSegment(ctx.captures?.[0] ?? '', 'service name');
    const groups = state.services.get(name);
    if (groups === undefined) throw new HttpError(404, 'not_found', `no service ${echo(name)}`);
    return { name, groups };
  };
  const groupOf = (ctx: Context): HubGroup => {
    const { name, groups } = serviceOf(ctx);
    const key = decodeSegment(ctx.captures?.[1] ?? '', 'error key');
    const group = groups.get(key);
    if (group === undefined) throw new HttpError(404, 'not_found', `no error ${echo(key)} in service ${echo(name)}`);
    return group;
  };

  router.get(ERROR_LIST_PATH, (ctx) => {
    const query = parseQuery(ctx, ErrorListQuerySchema);
    const { groups } = serviceOf(ctx);
    ctx.body = toErrorListResponse(listErrors(groups.values(), listOptionsOf(query, 'service')), query, now());
  });

  // Registered before the detail route: a POST ending in /resolve is an action, a GET never is.
  router.post(ERROR_ACTION_PATH, async (ctx) => {
    requireAdmin(ctx, deps.adminToken);
    const group = groupOf(ctx);
    const action = ctx.captures?.[2];
    const changed = action === 'resolve' ? await deps.actions.resolve(group.service, group.key) : await deps.actions.unresolve(group.service, group.key);
    ctx.body = toErrorSummary(changed ?? group, now());
  });

  router.get(ERROR_PATH, (ctx) => {
    parseQuery(ctx, NoQuerySchema);
    ctx.body = toErrorGroup(groupOf(ctx), state.lineages, now());
  });

  return router;
}
