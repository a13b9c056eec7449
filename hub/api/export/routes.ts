import { createHash } from 'node:crypto';
import Router from '@koa/router';
import { type ClientPayloadOut, toClientOccurrence, toRfc3339 } from '../../../common/wire/client-format.js';
import type { HubState } from '../../state/hub-state.js';
import { HttpError } from '../../../common/http/http-error.js';

/** A uuid-shaped id that stays the same for one hub and service, so Periskop sees one stable target. */
export function exportTargetUuid(hubId: string, service: string): string {
  const h = createHash('sha1').update(`${hubId}\u0000${service}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Periskop clients keep at most this many samples per aggregate; the export does the same. */
const EXPORT_SAMPLES = 10;

/**
 * `GET /federate/{service}/errors`: one service of this hub in the Periskop client wire format, so an
 * existing Periskop server can scrape a hub like any target: cumulative fleet-wide totals, a stable
 * `target_uuid` per hub and service, the newest samples.
 */
export function exportRoutes(state: HubState, hubId: () => string): Router {
  const router = new Router();
  router.get('/federate/:service/errors', (ctx) => {
    const service = ctx.params['service'] as string;
    const groups = state.services.get(service);
    if (groups === undefined) throw new HttpError(404, 'not_found', `service ${service} not found`);
    const body: ClientPayloadOut = {
      target_uuid: exportTargetUuid(hubId(), service),
      aggregated_errors: [...groups.values()].map((g) => ({
        aggregation_key: g.key,
        total_count: g.total,
        severity: g.severity,
        created_at: toRfc3339(g.createdAt),
        latest_errors: g.samples.slice(0, EXPORT_SAMPLES).map(toClientOccurrence),
      })),
    };
    ctx.body = body;
  });
  return router;
}
