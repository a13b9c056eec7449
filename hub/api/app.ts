import Koa from 'koa';
import type { Logger } from 'pino';
import type { SelfErrors } from '../../common/self-errors.js';
import type { HubState } from '../state/hub-state.js';
import type { UserActions } from '../store/user-actions.js';
import { errorMiddleware } from '../../common/http/http-error.js';
import { opsRoutes } from '../../common/http/ops-routes.js';
import { exportRoutes } from './export/routes.js';
import { periskopRoutes } from './periskop/routes.js';
import { staticUi } from './static-ui.js';
import type { AlertHistory } from './v1/alerts/routes.js';
import type { Peering } from '../peers/peering.js';
import type { LiveStream } from './v1/events/live-stream.js';
import { v1Middleware } from './v1/router.js';

export interface HubAppDeps {
  readonly state: HubState;
  readonly actions: UserActions;
  readonly adminToken: string | undefined;
  readonly selfErrors: SelfErrors;
  readonly logger: Logger;
  readonly metrics: () => Promise<string>;
  readonly ready: () => boolean;
  readonly uiDir: string;
  /** This hub's id (the export's stable target_uuid derives from it). */
  readonly hubId: string;
  /** The live stream behind /api/v1/events. */
  readonly live: LiveStream;
  /** The notifier's history behind /api/v1/alerts. */
  readonly alerts: AlertHistory;
  /** Replication with the hub's peers (hub.peers), behind /api/v1/peers. */
  readonly peering?: () => Peering | undefined;
}

/** The hub's HTTP surface: API v1, Periskop-compatible API, operational endpoints, the UI. */
export function createHubApp(deps: HubAppDeps): Koa {
  const app = new Koa();
  app.proxy = false;
  app.silent = true;
  app.use(
    errorMiddleware({
      internalMessage: 'internal error; see the hub log',
      onUnexpected: (err, ctx) => {
        deps.selfErrors.report(err, 'error', { method: ctx.method, url: ctx.url, headers: null, body: '' });
        deps.logger.error({ err: (err as Error).message, stack: (err as Error).stack, path: ctx.path }, 'unexpected error in an API handler');
      },
    }),
  );
  app.use(staticUi(deps.uiDir));
  for (const middleware of v1Middleware(deps)) app.use(middleware);
  for (const router of [periskopRoutes(deps), opsRoutes(deps), exportRoutes(deps.state, () => deps.hubId)]) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  return app;
}
