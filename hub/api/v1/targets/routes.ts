import Router from '@koa/router';
import type { z } from 'zod';
import { FAILING_SHOWN, type TargetServicesResponseSchema, type TargetsResponseSchema } from '../../../../common/api/v1.js';
import type { HubState } from '../../../state/hub-state.js';
import { parseQuery } from '../request.js';
import { toTargetView } from './presenter.js';
import { TargetServicesQuerySchema, TargetsQuerySchema } from './schema.js';
import { byHealth, healthMatcher, perService, targetMatcher } from './select.js';

/**
 * `GET /api/v1/targets`: scrape targets reported by any source, down and failing ones first, filtered
 * and paged. `GET /api/v1/targets/services`: per service, the counts and its failing targets, so a
 * fleet of thousands of targets shows its problems without listing every healthy one.
 */
export function targetRoutes(deps: { readonly state: HubState }): Router {
  const router = new Router();
  router.get('/api/v1/targets', (ctx) => {
    const query = parseQuery(ctx, TargetsQuerySchema);
    const text = targetMatcher(query.q);
    const health = healthMatcher(query.health);
    const matching = deps.state
      .targets()
      .filter((t) => (query.service === undefined || t.service === query.service) && health(t) && text(t))
      .sort(byHealth);
    const body: z.infer<typeof TargetsResponseSchema> = { items: matching.slice(query.offset, query.offset + query.limit).map(toTargetView), total: matching.length };
    ctx.body = body;
  });
  router.get('/api/v1/targets/services', (ctx) => {
    const query = parseQuery(ctx, TargetServicesQuerySchema);
    const services = perService(deps.state.targets().filter(targetMatcher(query.q)), FAILING_SHOWN);
    const total = { up: 0, down: 0, failing: 0 };
    for (const s of services) {
      total.up += s.up;
      total.down += s.down;
      total.failing += s.failing;
    }
    const body: z.infer<typeof TargetServicesResponseSchema> = {
      items: services.map((s) => ({ service: s.service, up: s.up, down: s.down, failing: s.failing, failing_targets: s.failingTargets.map(toTargetView) })),
      total,
    };
    ctx.body = body;
  });
  return router;
}
