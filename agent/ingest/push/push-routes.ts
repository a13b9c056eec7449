import Router from '@koa/router';
import type { Context } from 'koa';
import type { Logger } from 'pino';
import type { Limits } from '../../../common/limits.js';
import { type DropReason, parseClientPayload } from '../../wire/client-payload.js';
import type { ObservationSink } from '../../aggregate/ingest-sink.js';
import { HttpError } from '../../../common/http/http-error.js';
import { bearerOrBasicMatches } from '../../../common/http/bearer.js';
import { PushRequestSchema, PushServiceSchema } from './push-schema.js';
import { readBody } from './read-body.js';

/**
 * Where accepted pushes go: the agent's ingest sink. A push carries the client's whole cumulative
 * state, so a push read whole is complete (a missing key was reset by a restart of the client).
 */
export type PushSink = Pick<ObservationSink, 'observe'>;

export interface PushRoutesDeps {
  readonly sink: PushSink;
  readonly limits: Limits;
  /** Where a bare `POST /errors` goes (`agent.push.default_service`). */
  readonly defaultService: string;
  /** Distinct services pushes may use, besides the configured ones (`agent.push.max_services`). */
  readonly maxServices: number;
  /** Services from the config; pushing to them never counts against `maxServices`. */
  readonly configuredServices: ReadonlySet<string>;
  /** `agent.push.tokens`: when not empty, a push needs one of them (Bearer, or Basic password), else 401. */
  readonly tokens?: readonly string[];
  readonly logger: Logger;
  /** Every push, by result ("ok" or the error code), with the bytes received. */
  readonly onPush?: (service: string, result: string, bytes: number) => void;
  readonly now?: () => number;
}

/** The origin of a pushing client: one per service and target_uuid. */
export function pushOrigin(service: string, targetUuid: string): string {
  return `push:${service}:${targetUuid}`;
}

/**
 * Periskop push gateway compatibility (DESIGN section 6): `POST /push/{service}/errors` and a bare
 * `POST /errors` (to the default service) take a Periskop client's `/errors` payload, as its
 * `push_to_gateway` sends it. Unlike the original gateway (which re-counted every pushed sample on
 * every push), a push is counted like a scrape: per origin `push:<service>:<target_uuid>`, with
 * cumulative semantics, so pushing the same state twice adds nothing and a client that restarts
 * (smaller totals) counts from zero again. Hence `target_uuid` is required (400 without it).
 * Bodies are bounded (`limits.bodyBytes`, compressed and decompressed), validated with zod, and
 * refused with `{error: {code, message}}`. With `tokens`, a push without one of them is answered 401
 * before its body is read. Owned by the agent's HTTP app.
 */
export function pushRoutes(deps: PushRoutesDeps): Router {
  const router = new Router();
  const pushedServices = new Set<string>();
  const now = deps.now ?? Date.now;
  const tokens = deps.tokens ?? [];

  const accept = async (ctx: Context, rawService: string) => {
    let bytes = 0;
    // The metrics label: a refused name must not become a series of its own (cardinality).
    let label = '(refused)';
    try {
      if (tokens.length > 0 && !bearerOrBasicMatches(ctx.get('authorization') || undefined, tokens)) {
        ctx.set('WWW-Authenticate', 'Bearer realm="crowsnest push"');
        throw new HttpError(401, 'unauthorized', ctx.get('authorization') === ''
          ? 'this agent requires a push token (Authorization: Bearer <token>, or the token as the password of the push URL)'
          : 'the push token is not one of agent.push.tokens');
      }
      const name = PushServiceSchema.safeParse(rawService);
      if (!name.success) throw new HttpError(400, 'invalid_service', name.error.issues[0]?.message ?? 'invalid service name');
      const service = name.data;
      if (!deps.configuredServices.has(service) && !pushedServices.has(service) && pushedServices.size >= deps.maxServices) {
        throw new HttpError(400, 'too_many_services', `pushes already use ${deps.maxServices} services (agent.push.max_services); push to one of them or raise the limit`);
      }
      label = service;
      const body = await readBody(ctx.req, deps.limits.bodyBytes);
      bytes = body.length;
      let json: unknown;
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch (err) {
        throw new HttpError(400, 'invalid_json', `the body is not JSON: ${(err as Error).message.slice(0, 200)}`);
      }
      if (typeof json !== 'object' || json === null || Array.isArray(json)) {
        throw new HttpError(400, 'invalid_payload', 'expected a Periskop error payload: an object with "target_uuid" and "aggregated_errors"');
      }
      const request = PushRequestSchema.safeParse(json);
      if (!request.success) {
        const issue = request.error.issues[0];
        const code = issue?.path[0] === 'target_uuid' && (json as { target_uuid?: unknown }).target_uuid == null ? 'missing_target_uuid' : 'invalid_payload';
        throw new HttpError(400, code, issue?.message ?? 'invalid payload');
      }
      const payload = parseClientPayload(json, deps.limits);
      if (!deps.configuredServices.has(service)) pushedServices.add(service);
      const result = deps.sink.observe({ service, origin: pushOrigin(service, request.data.target_uuid), aggregates: payload.aggregates, dropped: payload.dropped, truncated: payload.truncated, now: now() });
      deps.onPush?.(label, 'ok', bytes);
      ctx.status = 200;
      ctx.body = {
        service,
        target_uuid: request.data.target_uuid,
        aggregates: payload.aggregates.length,
        increments: result.increments,
        dropped: payload.dropped as Partial<Record<DropReason, number>>,
        truncated: { ...payload.truncated, ...result.truncated },
      };
    } catch (err) {
      if (err instanceof HttpError) {
        deps.onPush?.(label, err.code, bytes);
        // Do not read the rest of a body that is too large: close the connection after answering.
        if (err.status === 413 || err.status === 401) ctx.set('Connection', 'close');
        deps.logger.debug({ service: rawService.slice(0, 256), code: err.code, err: err.message }, 'push refused');
      }
      throw err;
    }
  };

  router.post('/push/:service/errors', async (ctx) => accept(ctx, ctx.params['service'] ?? ''));
  router.post('/errors', async (ctx) => accept(ctx, deps.defaultService));
  return router;
}
