import { randomBytes } from 'node:crypto';
import { Agent as UndiciAgent } from 'undici';
import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import type Router from '@koa/router';
import type { AgentConfig } from '../common/config/schema.js';
import type { ServiceConfig } from '../common/config/service.js';
import { PROTOCOL_VERSION, type WireTarget } from '../common/federation/messages.js';
import { boundAddress, closeServer, listenOn } from '../common/http/listen.js';
import { SelfErrors } from '../common/self-errors.js';
import type { ParsedPayload } from '../common/wire/client-payload.js';
import { Aggregator, type ApplyResult } from './aggregate/aggregator.js';
import type { StartMode } from './aggregate/start-mode.js';
import { createAgentApp } from './api/app.js';
import { SentryIngest } from './ingest/sentry/sentry-ingest.js';
import { SentryMetrics } from './ingest/sentry/sentry-metrics.js';
import { sentryRoutes } from './ingest/sentry/sentry-routes.js';
import { pushRoutes } from './ingest/push/push-routes.js';
import { DiscoveryManager } from './discovery/manager.js';
import { AgentMetrics } from './metrics/agent-metrics.js';
import { EventLoopMonitor } from './metrics/event-loop.js';
import { PeriskopImport } from './import/periskop-import.js';
import { ScrapePool } from './scrape/scrape-pool.js';
import type { TargetHealth } from './scrape/target-health.js';
import { Shipper } from './ship/shipper.js';
import { StateStore } from './state/state-store.js';
import { VERSION } from '../common/version.js';

export interface AgentOptions {
  readonly config: AgentConfig;
  readonly logger: Logger;
  /** Services added by the CLI (the demo targets). */
  readonly extraServices?: readonly ServiceConfig[];
  /** Hub links added by the CLI (the in-process hub of a combined config). */
  readonly extraHubs?: AgentConfig['hubs'];
}

const newEpoch = () => `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;

/**
 * An agent: discovery -> scrape -> aggregate -> ship, plus its own HTTP endpoints. `Agent.start`
 * wires the stages; `stop` is the graceful shutdown (finish scrapes, flush to hubs, save state).
 * Owned by the CLI.
 */
export class Agent {
  private readonly timers: NodeJS.Timeout[] = [];
  /** Run by stop(), after the timers are cleared. */
  private readonly cleanups: (() => void)[] = [];
  private stopping = false;

  private constructor(
    readonly epoch: string,
    readonly aggregator: Aggregator,
    private readonly pool: ScrapePool,
    private readonly discovery: DiscoveryManager[],
    private readonly imports: PeriskopImport[],
    readonly shipper: Shipper,
    private readonly server: Server,
    private readonly stateStore: StateStore | undefined,
    private readonly config: AgentConfig,
    private readonly logger: Logger,
  ) {}

  static async start(options: AgentOptions): Promise<Agent> {
    const { config } = options;
    const log = options.logger.child({ component: 'agent', agent: config.name });
    const services = [...config.services, ...(options.extraServices ?? [])];
    const hubs = [...config.hubs, ...(options.extraHubs ?? [])];
    const stateStore = config.state_dir !== undefined ? new StateStore(config.state_dir) : undefined;
    const saved = await stateStore?.load();
    const resumed = saved !== undefined && saved.name === config.name;
    if (saved !== undefined && !resumed) log.warn({ saved_name: saved.name }, 'state_dir holds another agent\'s state; starting a new epoch');
    const epoch = resumed ? saved.epoch : newEpoch();
    // A state saved before any hub answered is still undecided: keep its held-back baselines pending.
    const startMode: StartMode = resumed
      ? (saved.aggregator.startMode === 'pending' && hubs.length > 0 ? 'pending' : 'exact')
      : hubs.length === 0 ? 'first-start' : 'pending';
    const maxInterval = Math.max(10_000, ...services.map((s) => s.scraper.refresh_interval));

    let shipper: Shipper | undefined;
    const aggregator = new Aggregator({
      samplesPerGroup: config.samples_per_group,
      limits: config.limits,
      startMode,
      startedAt: Date.now(),
      startupWindowMs: Math.max(60_000, 2 * maxInterval),
      onChange: (group) => shipper?.groupChanged(group),
      maxGroupsPerService: config.max_groups_per_service,
      maxTombstonesPerService: config.max_tombstones_per_service,
      onEvict: (group) => shipper?.groupEvicted(group),
      originTombstones: { maxTombstones: config.origin_tombstones, maxKeys: config.origin_tombstone_keys, ttlMs: config.origin_tombstone_ttl },
    });
    if (resumed) aggregator.importState(saved.aggregator, Date.now());

    const toWire = (h: TargetHealth): WireTarget => ({
      service: h.service, url: h.url, agent: config.name, up: h.up, last_error: h.lastError, last_scrape: h.lastScrape, duration_ms: h.durationMs, bytes: h.bytes,
    });
    let metrics: AgentMetrics | undefined;
    /** Metrics of one accepted payload (a scrape or a push). */
    const countIngest = (service: string, payload: ParsedPayload, r: ApplyResult) => {
      metrics?.increments.inc({ service }, r.increments);
      for (const [reason, n] of Object.entries(payload.dropped)) metrics?.dropped.inc({ reason }, n);
      if (r.invalidSamples > 0) metrics?.dropped.inc({ reason: 'sample_invalid' }, r.invalidSamples);
      for (const notes of [payload.truncated, r.truncated]) {
        for (const [reason, n] of Object.entries(notes ?? {})) if (n !== undefined && n > 0) metrics?.truncated.inc({ reason }, n);
      }
    };
    const pool = new ScrapePool({
      concurrency: config.scrape.concurrency,
      limits: config.limits,
      sink: {
        ingest: (service, originId, payload, now) => {
          // Only a payload read whole tells that a missing key was reset by a restart of the target.
          const complete = Object.keys(payload.dropped).length === 0;
          const r = aggregator.observe(service, originId, payload.aggregates, now, complete);
          countIngest(service, payload, r);
          return r.truncated;
        },
        touch: (service, originId, now) => {
          aggregator.touch(service, originId, now);
          metrics?.unchanged.inc({ service });
        },
        forget: (service, originId, now) => aggregator.forgetOrigin(service, originId, now),
        health: (h, changed) => {
          metrics?.scrapes.inc({ service: h.service, result: h.up ? 'ok' : (h.lastFailure ?? 'error') });
          metrics?.scrapeSeconds.observe({ service: h.service }, h.durationMs / 1000);
          metrics?.bytes.inc({ service: h.service }, h.bytes);
          if (changed) {
            shipper?.targetChanged(toWire(h));
            if (!h.up) log.warn({ service: h.service, target: h.url, reason: h.lastFailure, err: h.lastError }, 'target down');
          }
        },
      },
    });

    // Imported Periskop servers (issue: import an existing Periskop); their endpoints are targets too.
    const imports = config.imports.map(
      (c) =>
        new PeriskopImport(c, {
          dispatcher: new UndiciAgent({ connect: { timeout: 5_000 } }),
          limits: config.limits,
          logger: log,
          now: Date.now,
          sink: {
            ingest: (service, origin, payload, now) => aggregator.observe(service, origin, payload.aggregates, now, false, 'max'),
            health: (h, changed) => {
              if (changed) shipper?.targetChanged(toWire(h));
            },
          },
        }),
    );
    const healths = () => [...pool.healths(), ...imports.flatMap((i) => i.targets())];
    shipper = new Shipper(aggregator, () => healths().map(toWire), {
      hubs,
      hello: { protocol: PROTOCOL_VERSION, name: config.name, epoch, kind: 'agent', labels: config.labels, version: VERSION, path: [] },
      frameBytes: config.limits.frameBytes,
      flushIntervalMs: config.flush_interval,
      logger: log,
      onWelcome: (welcome) => {
        if (aggregator.startMode !== 'pending') return;
        aggregator.resolveStart(welcome.previous_epoch !== null);
        log.info({ mode: aggregator.startMode, previous_epoch: welcome.previous_epoch }, 'start mode settled by the hub');
      },
    });

    const selfErrors = new SelfErrors();
    const eventLoop = new EventLoopMonitor();
    eventLoop.start();
    metrics = new AgentMetrics({
      healths, links: () => shipper.status(), stats: () => aggregator.stats(), services: () => aggregator.serviceStats(),
      interner: () => aggregator.interner.stats(), originTombstones: () => aggregator.originTombstones.stats(), eventLoop,
    });
    const m = metrics;
    let sentry: SentryIngest | undefined;
    const routers: Router[] = [];
    if (config.sentry !== undefined) {
      const sentryMetrics = new SentryMetrics(m.registry);
      const sentryLog = log.child({ stage: 'sentry' });
      sentry = new SentryIngest({
        config: config.sentry, limits: config.limits, metrics: sentryMetrics, logger: sentryLog,
        sink: {
          observe: (service, originId, aggregates, now) => {
            const r = aggregator.observe(service, originId, aggregates, now, false);
            m.increments.inc({ service }, r.increments);
          },
          touch: (service, originId, now) => aggregator.touch(service, originId, now),
        },
      });
      routers.push(sentryRoutes({ ingest: sentry, metrics: sentryMetrics, logger: sentryLog, maxBodyBytes: config.limits.bodyBytes }));
      sentryLog.info({ projects: config.sentry.projects.length, services: sentry.services }, 'Sentry ingestion at POST /api/{project_id}/envelope/ and /store/');
    }
    routers.push(pushRoutes({
      limits: config.limits,
      defaultService: config.push.default_service,
      maxServices: config.push.max_services,
      configuredServices: new Set(services.map((s) => s.name)),
      logger: log.child({ stage: 'push' }),
      sink: {
        observe: (service, originId, payload, now) => {
          // A push carries the client's whole cumulative state: a missing key was reset by a restart.
          const r = aggregator.observe(service, originId, payload.aggregates, now, Object.keys(payload.dropped).length === 0);
          countIngest(service, payload, r);
          return r;
        },
      },
      onPush: (service, result, bytes) => {
        m.pushes.inc({ service, result });
        m.pushedBytes.inc({ service }, bytes);
      },
    }));
    let ready = false;
    const app = createAgentApp({ selfErrors, logger: log, metrics: () => m.render(), healths, ready: () => ready, routers });
    const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, app.callback());
    await listenOn(server, config.listen);

    const discovery = services.map(
      (service) =>
        new DiscoveryManager(service, {
          onTargets: (name, targets) => {
            log.info({ service: name, targets: targets.length }, 'targets discovered');
            pool.setTargets(service, targets, (gone) => shipper.targetRemoved(config.name, gone.service, gone.url));
          },
          onError: (name, source, err) => {
            selfErrors.report(err, 'warning');
            log.warn({ service: name, source, err: err.message }, 'discovery failed; keeping the last good targets');
          },
        }),
    );
    const agent = new Agent(epoch, aggregator, pool, discovery, imports, shipper, server, stateStore, config, log);
    shipper.start();
    for (const d of discovery) d.start();
    for (const i of imports) i.start();
    agent.cleanups.push(() => eventLoop.stop());
    if (stateStore !== undefined) agent.timers.push(setInterval(() => void agent.saveState(), config.state_interval));
    agent.timers.push(setInterval(() => {
      // Targets still in discovery keep their counter state however long they are down (their count is
      // bounded by discovery), so one coming back is not counted twice; only pushers and gone targets expire.
      const now = Date.now();
      for (const [service, origin] of pool.liveOrigins()) aggregator.touch(service, origin, now);
      sentry?.keepAlive(now);
      aggregator.expireOrigins(now, config.origin_ttl);
    }, Math.min(60_000, config.origin_ttl)));
    ready = true;
    const a = agent.address();
    log.info({ listen: `${a.host}:${a.port}`, epoch, start_mode: startMode, services: services.length, hubs: hubs.length }, 'agent started');
    return agent;
  }

  address(): { host: string; port: number } {
    return boundAddress(this.server);
  }

  /** Saves counters and origins to state_dir; a failure is logged (the next save retries). */
  async saveState(): Promise<void> {
    if (this.stateStore === undefined) return;
    try {
      await this.stateStore.save({ name: this.config.name, epoch: this.epoch, savedAt: Date.now(), aggregator: this.aggregator.exportState() });
    } catch (err) {
      this.logger.error({ err: (err as Error).message, file: this.stateStore.file }, 'saving agent state failed');
    }
  }

  /** Graceful shutdown: stop discovery and scrapes, flush to hubs (bounded), save state, close. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    for (const cleanup of this.cleanups) cleanup();
    for (const d of this.discovery) d.stop();
    for (const i of this.imports) i.stop();
    await this.pool.close();
    await this.shipper.drain(5_000);
    await this.saveState();
    this.shipper.close();
    await closeServer(this.server);
    this.logger.info('agent stopped');
  }
}
