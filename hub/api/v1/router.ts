import type Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { HubState } from '../../state/hub-state.js';
import type { UserActions } from '../../store/user-actions.js';
import { HttpError } from '../../../common/http/http-error.js';
import { type AlertHistory, alertRoutes } from './alerts/routes.js';
import { allErrorRoutes } from './errors/all-routes.js';
import { errorRoutes } from './errors/routes.js';
import type { LiveStream } from './events/live-stream.js';
import { eventRoutes } from './events/routes.js';
import { peerRoutes } from './peers/routes.js';
import { serviceRoutes } from './services/routes.js';
import type { Peering } from '../../peers/peering.js';
import { sourceRoutes } from './sources/routes.js';
import { targetRoutes } from './targets/routes.js';

export interface V1Deps {
  readonly state: HubState;
  readonly actions: UserActions;
  readonly adminToken: string | undefined;
  readonly live: LiveStream;
  /** The notifier's history (hub/notify), for /api/v1/alerts. */
  readonly alerts: AlertHistory;
  readonly hubId: string;
  /** Replication with the hub's peers (hub.peers), for /api/v1/peers. */
  readonly peering?: () => Peering | undefined;
  readonly now?: () => number;
}

/**
 * `/api/v1/`: one router per resource (services, errors of a service and of all, sources, targets, events, alerts, peers). Wrong methods
 * answer 405 and unknown paths under /api/v1 a JSON 404, both in the v1 error shape.
 */
export function v1Middleware(deps: V1Deps): ((ctx: Context, next: Next) => Promise<void>)[] {
  const routers: Router[] = [serviceRoutes(deps), errorRoutes(deps), allErrorRoutes(deps), sourceRoutes(deps), targetRoutes(deps), eventRoutes(deps), alertRoutes(deps), peerRoutes(deps)];
  // First, so it sees what every router below answered (a 405 passes through it).
  const out: ((ctx: Context, next: Next) => Promise<void>)[] = [
    async (ctx, next) => {
      if (ctx.path !== '/api/v1' && !ctx.path.startsWith('/api/v1/')) return next();
      await next();
      if (ctx.respond === false) return;
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new HttpError(404, 'not_found', `no API route ${ctx.method} ${ctx.path.slice(0, 200)}`);
      }
      // Another router's allowedMethods may have answered first, in plain text.
      if ((ctx.status === 405 || ctx.status === 501) && (ctx.body === undefined || ctx.body === null || typeof ctx.body === 'string')) {
        throw new HttpError(405, 'method_not_allowed', `${ctx.method} is not allowed here (allowed: ${ctx.response.get('Allow') || 'none'})`);
      }
    },
  ];
  for (const router of routers) {
    out.push(router.routes() as never);
    out.push(
      router.allowedMethods({
        throw: true,
        methodNotAllowed: () => new HttpError(405, 'method_not_allowed', 'this path does not take that method'),
        notImplemented: () => new HttpError(405, 'method_not_allowed', 'this method is not supported'),
      }) as never,
    );
  }
  return out;
}
