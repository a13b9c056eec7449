import Router from '@koa/router';
import type { Context } from 'koa';
import type { HubState } from '../../state/hub-state.js';
import type { UserActions } from '../../store/user-actions.js';
import { requireAdmin } from '../admin-auth.js';
import { HttpError } from '../../../common/http/http-error.js';
import { JSON_CHUNK, jsonArrayStream } from '../json-array-stream.js';
import { toPeriskopAggregate, toPeriskopEndpoint } from './presenter.js';
import type { PeriskopTargets } from './schema.js';

export interface PeriskopRoutesDeps {
  readonly state: HubState;
  readonly actions: UserActions;
  readonly adminToken: string | undefined;
}

/** Periskop answers JSON followed by a newline (Go's Fprintln). */
function sendJson(ctx: Context, value: unknown): void {
  ctx.type = 'application/json';
  ctx.body = JSON.stringify(value) + '\n';
}

/** Periskop answers a missing service with a plain-text 404 ("service X not found"). */
function notFoundText(ctx: Context, message: string): void {
  ctx.status = 404;
  ctx.type = 'text/plain; charset=utf-8';
  ctx.body = message + '\n';
}

function decodeSegment(raw: string, what: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, 'bad_request', `the ${what} in the path is not valid percent-encoding`);
  }
}

/**
 * The Periskop server API, byte-for-byte paths (trailing slashes included), so Periskop's UI,
 * Backstage plugin and scripts keep working against a hub. Shapes come from presenter.ts.
 */
export function periskopRoutes(deps: PeriskopRoutesDeps): Router {
  const router = new Router();
  const { state } = deps;

  router.get('/services/', (ctx) => {
    sendJson(ctx, [...state.services.keys()].sort());
  });

  router.get('/services/:name/errors/', (ctx) => {
    const name = ctx.params['name'] as string;
    const groups = state.services.get(name);
    if (groups === undefined) return notFoundText(ctx, `service ${name} not found`);
    const visible = [...groups.values()].filter((g) => g.resolution === null);
    visible.sort((a, b) => b.lastSeen - a.lastSeen || (a.key < b.key ? -1 : 1));
    if (visible.length <= JSON_CHUNK) return sendJson(ctx, visible.map(toPeriskopAggregate));
    ctx.type = 'application/json';
    ctx.body = jsonArrayStream(visible, toPeriskopAggregate);
  });

  // Keys may hold raw slashes (Periskop's route is `{error_key:.*}`), so this one is a regular expression.
  router.delete(/^\/services\/([^/]+)\/errors\/(.+)\/$/, async (ctx) => {
    requireAdmin(ctx, deps.adminToken);
    const service = decodeSegment(ctx.captures?.[0] ?? '', 'service name');
    const key = decodeSegment(ctx.captures?.[1] ?? '', 'error key');
    if (!state.services.has(service)) return notFoundText(ctx, `service ${service} not found`);
    if (state.group(service, key) === undefined) return notFoundText(ctx, `error ${key} not found in service ${service}`);
    await deps.actions.resolve(service, key);
    ctx.status = 204;
  });

  router.get('/targets/', (ctx) => {
    const byService = new Map<string, { endpoint: string }[]>();
    for (const t of state.targets()) {
      let list = byService.get(t.service);
      if (list === undefined) byService.set(t.service, (list = []));
      list.push({ endpoint: toPeriskopEndpoint(t.url) });
    }
    // fromEntries defines own properties, so a service called "__proto__" is just a service.
    const out: PeriskopTargets = Object.fromEntries(byService);
    sendJson(ctx, out);
  });

  return router;
}
