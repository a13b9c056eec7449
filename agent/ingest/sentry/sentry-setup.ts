import type Router from '@koa/router';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { SentryConfig } from '../../../common/config/schema.js';
import type { Limits } from '../../../common/limits.js';
import { SentryIngest, type SentrySink } from './sentry-ingest.js';
import { SentryMetrics } from './sentry-metrics.js';
import { sentryRoutes } from './sentry-routes.js';

/**
 * Sentry ingestion as the agent wires it: the ingest, its metrics in the agent's registry, and its
 * routes. Loaded only when `agent.sentry` is configured.
 */
export function setUpSentry(deps: { config: SentryConfig; limits: Limits; sink: SentrySink; registry: Registry; logger: Logger }): { ingest: SentryIngest; router: Router } {
  const metrics = new SentryMetrics(deps.registry);
  const logger = deps.logger.child({ stage: 'sentry' });
  const ingest = new SentryIngest({ config: deps.config, limits: deps.limits, metrics, logger, sink: deps.sink });
  const router = sentryRoutes({ ingest, metrics, logger, maxBodyBytes: deps.limits.bodyBytes });
  logger.info({ projects: deps.config.projects.length, services: ingest.services }, 'Sentry ingestion at POST /api/{project_id}/envelope/ and /store/');
  return { ingest, router };
}
