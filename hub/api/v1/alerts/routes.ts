import Router from '@koa/router';
import type { AlertsResponse } from '../../../../common/api/v1.js';
import type { Alert, AlertType } from '../../../notify/alert.js';
import { parseQuery } from '../request.js';
import { toAlertView } from './presenter.js';
import { AlertsQuerySchema } from './schema.js';

/** The notifier's history, as the alerts route reads it. */
export interface AlertHistory {
  alerts(filter: { service?: string; type?: AlertType; limit?: number }): Alert[];
}

/** `GET /api/v1/alerts[?service=&type=&limit=]`: fired notifications, newest first, with delivery status. */
export function alertRoutes(deps: { readonly alerts: AlertHistory }): Router {
  const router = new Router();
  router.get('/api/v1/alerts', (ctx) => {
    const q = parseQuery(ctx, AlertsQuerySchema);
    const items = deps.alerts
      .alerts({ limit: q.limit, ...(q.service === undefined ? {} : { service: q.service }), ...(q.type === undefined ? {} : { type: q.type }) })
      .map(toAlertView);
    const body: AlertsResponse = { items };
    ctx.body = body;
  });
  return router;
}
