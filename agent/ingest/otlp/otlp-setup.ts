import { createServer, type Server } from 'node:http';
import Koa from 'koa';
import type Router from '@koa/router';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { OtlpConfig } from '../../../common/config/schema.js';
import { errorMiddleware } from '../../../common/http/http-error.js';
import { boundAddress, listenOn } from '../../../common/http/listen.js';
import type { Limits } from '../../../common/limits.js';
import { OtlpIngest, type OtlpSink } from './otlp-ingest.js';
import type { OtlpFigures } from './otlp-figures.js';
import { OtlpMetrics } from './otlp-metrics.js';
import { otlpRoutes } from './otlp-routes.js';

export interface OtlpSetup {
  readonly ingest: OtlpIngest;
  /** What the intake did, for the agent's report to its hubs. */
  readonly figures: OtlpFigures;
  /** The routes, for the agent's own listener; undefined when OTLP has a listener of its own. */
  readonly router: Router | undefined;
  /** The listener of its own (`agent.otlp.listen`), started. */
  readonly server: Server | undefined;
}

/**
 * OTLP ingestion as the agent wires it: the ingest, its metrics in the agent's registry, and its
 * routes, on the agent's listener or on `agent.otlp.listen`. Loaded only when `agent.otlp` is configured.
 */
export async function setUpOtlp(deps: {
  config: OtlpConfig; limits: Limits; sink: OtlpSink; registry: Registry; logger: Logger; samplesPerGroup: number;
  onUnexpected: (err: unknown) => void;
  /** A figure changed (the shipper reports them to the hubs). */
  onFiguresChanged?: () => void;
}): Promise<OtlpSetup> {
  const metrics = new OtlpMetrics(deps.registry, deps.onFiguresChanged);
  const logger = deps.logger.child({ stage: 'otlp' });
  const ingest = new OtlpIngest({ config: deps.config, limits: deps.limits, metrics, logger, sink: deps.sink, samplesPerGroup: deps.samplesPerGroup });
  const router = otlpRoutes({ ingest, metrics, logger, maxBodyBytes: deps.config.max_body_bytes });
  if (deps.config.listen === undefined) {
    logger.info({ tokens: deps.config.tokens.length }, 'OTLP ingestion at POST /v1/traces and /v1/logs');
    return { ingest, figures: metrics.figures, router, server: undefined };
  }
  const app = new Koa();
  app.silent = true;
  app.use(errorMiddleware({
    internalMessage: 'internal error; see the agent log',
    onUnexpected: (err, ctx) => {
      deps.onUnexpected(err);
      logger.error({ err: (err as Error).message, path: ctx.path }, 'unexpected error in an OTLP handler');
    },
  }));
  app.use(router.routes());
  app.use(router.allowedMethods());
  const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, app.callback());
  await listenOn(server, deps.config.listen);
  const bound = boundAddress(server);
  logger.info({ listen: `${bound.host}:${bound.port}`, tokens: deps.config.tokens.length }, 'OTLP ingestion at POST /v1/traces and /v1/logs on its own listener');
  return { ingest, figures: metrics.figures, router: undefined, server };
}
