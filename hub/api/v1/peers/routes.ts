import Router from '@koa/router';
import type { PeersResponse } from '../../../../common/api/v1.js';
import type { Peering } from '../../../peers/peering.js';
import { iso } from '../present.js';

/** `GET /api/v1/peers`: the hub's peers (hub.peers) and how replication with each stands; empty without peers. */
export function peerRoutes(deps: { readonly hubId: string; readonly peering?: () => Peering | undefined }): Router {
  const router = new Router();
  router.get('/api/v1/peers', (ctx) => {
    const peering = deps.peering?.();
    const status = peering?.status();
    const inbound = new Map((status?.inbound ?? []).map((p) => [p.hubId, p]));
    const body: PeersResponse = {
      hub_id: deps.hubId,
      items: (status?.links ?? []).map((l) => {
        const dialledIn = l.hubId === null ? undefined : inbound.get(l.hubId);
        return {
          url: l.url, hub_id: l.hubId, connected: l.connected, since: iso(l.since), inbound: dialledIn?.connected ?? false, lag_ms: l.lagMs, pending: l.pending,
          last_exchange: iso(Math.max(l.lastExchange, dialledIn?.lastExchange ?? 0)), clock_offset_ms: l.clockOffsetMs, reconnects: l.reconnects, last_error: l.lastError,
        };
      }),
      register_entries: peering?.register.size ?? 0,
      held_back: peering?.heldBackTotal ?? 0,
    };
    ctx.body = body;
  });
  return router;
}
