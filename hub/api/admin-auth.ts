import type { Context } from 'koa';
import { bearerMatches } from '../../common/http/bearer.js';
import { HttpError } from '../../common/http/http-error.js';

/**
 * Writes (resolve, unresolve) need `Authorization: Bearer <admin_token>` when one is configured.
 * Without an admin_token every write is allowed (a single-user or trusted-network setup).
 */
export function requireAdmin(ctx: Context, adminToken: string | undefined): void {
  if (adminToken === undefined) return;
  if (!bearerMatches(ctx.get('authorization') || undefined, [adminToken])) {
    ctx.set('WWW-Authenticate', 'Bearer realm="crowsnest"');
    throw new HttpError(401, 'unauthorized', 'this hub requires the admin token for writes (Authorization: Bearer <admin_token>)');
  }
}
