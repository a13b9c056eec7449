import { randomBytes } from 'node:crypto';
import { loadUndici } from '../common/http/undici.js';
import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import type Router from '@koa/router';
import type { AgentConfig } from '../common/config/schema.js';
import type { ServiceConfig } from '../common/config/service.js';
import type { OtlpIntake } from '../common/federation/intake.js';
import { PROTOCOL_VERSION } from '../common/federation/messages.js';
import { boundAddress, closeServer, listenOn } from '../common/http/listen.js';
import { SelfErrors } from '../common/self-errors.js';
import { Aggregator } from './aggregate/aggregator.js';
import { IngestSink } from './aggregate/ingest-sink.js';
import { startModeFor } from './aggregate/start-mode.js';
import { createAgentApp } from './api/app.js';
import { pushRoutes } from './ingest/push/push-routes.js';
import { DiscoveryManager } from './discovery/manager.js';
import { AgentMetrics } from './metrics/agent-metrics.js';
import { EventLoopMonitor } from './metrics/event-loop.js';
import type { PeriskopImport } from './import/periskop-import.js';
import { ScrapePool } from './scrape/scrape-pool.js';
import type { TargetHealth } from './scrape/target-health.js';
import { Shipper } from './ship/shipper.js';
import { targetToWire } from './ship/target-wire.js';
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
  /** OTLP's listener of its own (`agent.otlp.listen`), if configured. */
  private otlpServer: Server | undefined;

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
    const resumed = saved !== undefined && saved.name === config.name ? saved : undefined;
    if (saved !== undefined && resumed === undefined) log.warn({ saved_name: saved.name }, 'state_dir holds another agent\'s state; starting a new epoch');
    const epoch = resumed?.epoch ?? newEpoch();
    const startMode = startModeFor(resumed?.aggregator, hubs.length);
    const maxInterval = Math.max(10_000, ...services.map((s) => s.scraper.refresh_interval));

    // Stages refer to each other through these; each is set before anything can call it.
    let shipper: Shipper | undefined;
    let otlpFigures: (() => OtlpIntake) | undefined;
    const healths = (): TargetHealth[] => [...pool.healths(), ...imports.flatMap((i) => i.targets())];
    const toWire = (h: TargetHealth) => targetToWire(config.name, h);
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
    if (resumed !== undefined) aggregator.importState(resumed.aggregator, Date.now());
    const eventLoop = new EventLoopMonitor();
    const metrics = new AgentMetrics({
      healths, links: () => shipper?.status() ?? [], stats: () => aggregator.stats(), services: () => aggregator.serviceStats(),
      interner: () => aggregator.interner.stats(), originTombstones: () => aggregator.originTombstones.stats(), eventLoop,
    });
    const sink = new IngestSink(aggregator, metrics.accounting);
    /** A target's health after a scrape or an import: the hubs hear of it when it changed. */
    const health = (h: TargetHealth, changed: boolean) => {
      if (changed) shipper?.targetChanged(toWire(h));
    };

    const pool = new ScrapePool({
      concurrency: config.scrape.concurrency,
      limits: config.limits,
      sink: {
        observe: (o, opts) => sink.observe(o, opts),
        touch: (service, origin, now) => {
          sink.touch(service, origin, now);
          metrics.unchanged.inc({ service });
        },
        forget: (service, origin, now) => sink.forget(service, origin, now),
        health: (h, changed) => {
          metrics.recordScrape(h);
          health(h, changed);
          if (changed && !h.up) log.warn({ service: h.service, target: h.url, reason: h.lastFailure, err: h.lastError }, 'target down');
        },
      },
    });
    // Imported Periskop servers: their endpoints are targets too.
    // Loaded only when configured, like undici which it uses.
    const importer = config.imports.length > 0 ? { ...(await import('./import/periskop-import.js')), undici: await loadUndici() } : undefined;
    const imports = importer === undefined ? [] : config.imports.map((c) => new importer.PeriskopImport(c, {
      dispatcher: new importer.undici.Agent({ connect: { timeout: 5_000 } }), limits: config.limits, logger: log, now: Date.now,
      sink: { observe: (o, opts) => sink.observe(o, opts), health },
    }));
    shipper = new Shipper(aggregator, () => healths().map(toWire), {
      hubs,
      hello: { protocol: PROTOCOL_VERSION, name: config.name, epoch, kind: 'agent', labels: config.labels, version: VERSION, path: [] },
      frameBytes: config.limits.frameBytes,
      flushIntervalMs: config.flush_interval,
      logger: log,
      intake: () => (otlpFigures === undefined ? undefined : { otlp: otlpFigures() }),
      onWelcome: (welcome) => {
        if (aggregator.startMode !== 'pending') return;
        aggregator.resolveStart(welcome.previous_epoch !== null);
        log.info({ mode: aggregator.startMode, previous_epoch: welcome.previous_epoch }, 'start mode settled by the hub');
      },
    });

    const routers: Router[] = [];
    const sentry = config.sentry === undefined ? undefined
      : (await import('./ingest/sentry/sentry-setup.js')).setUpSentry({ config: config.sentry, limits: config.limits, sink, registry: metrics.registry, logger: log });
    if (sentry !== undefined) routers.push(sentry.router);
    const selfErrors = new SelfErrors();
    const otlpDeps = {
      limits: config.limits, sink, registry: metrics.registry, logger: log, samplesPerGroup: config.samples_per_group,
      onUnexpected: (err: unknown) => selfErrors.report(err), onFiguresChanged: () => shipper?.intakeChanged(),
    };
    const otlp = config.otlp === undefined ? undefined : await (await import('./ingest/otlp/otlp-setup.js')).setUpOtlp({ ...otlpDeps, config: config.otlp });
    if (otlp !== undefined) otlpFigures = () => otlp.figures.current();
    if (otlp?.router !== undefined) routers.push(otlp.router);
    routers.push(pushRoutes({
      limits: config.limits,
      defaultService: config.push.default_service,
      maxServices: config.push.max_services,
      tokens: config.push.tokens,
      configuredServices: new Set(services.map((s) => s.name)),
      logger: log.child({ stage: 'push' }),
      sink,
      onPush: (service, result, bytes) => metrics.recordPush(service, result, bytes),
    }));
    let ready = false;
    const app = createAgentApp({ selfErrors, logger: log, metrics: () => metrics.render(), healths, ready: () => ready, routers });
    const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, app.callback());
    await listenOn(server, config.listen);

    const discovery = services.map((service) => new DiscoveryManager(service, {
      onTargets: (name, targets) => {
        log.info({ service: name, targets: targets.length }, 'targets discovered');
        pool.setTargets(service, targets, (gone) => shipper.targetRemoved(config.name, gone.service, gone.url));
      },
      onError: (name, source, err) => {
        selfErrors.report(err, 'warning');
        log.warn({ service: name, source, err: err.message }, 'discovery failed; keeping the last good targets');
      },
    }));
    const agent = new Agent(epoch, aggregator, pool, discovery, imports, shipper, server, stateStore, config, log);
    agent.otlpServer = otlp?.server;
    eventLoop.start();
    agent.cleanups.push(() => eventLoop.stop());
    shipper.start();
    for (const d of discovery) d.start();
    for (const i of imports) i.start();
    if (stateStore !== undefined) agent.timers.push(setInterval(() => void agent.saveState(), config.state_interval));
    agent.timers.push(setInterval(() => {
      // Targets still in discovery keep their counter state however long they are down (their count is
      // bounded by discovery), so one coming back is not counted twice; only pushers and gone targets expire.
      const now = Date.now();
      for (const [service, origin] of pool.liveOrigins()) sink.touch(service, origin, now);
      sentry?.ingest.keepAlive(now);
      otlp?.ingest.keepAlive(now);
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

  /** Where OTLP listens when it has a listener of its own (`agent.otlp.listen`). */
  otlpAddress(): { host: string; port: number } | undefined {
    return this.otlpServer === undefined ? undefined : boundAddress(this.otlpServer);
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
    if (this.otlpServer !== undefined) await closeServer(this.otlpServer);
    await this.pool.close();
    await this.shipper.drain(5_000);
    await this.saveState();
    this.shipper.close();
    await closeServer(this.server);
    this.logger.info('agent stopped');
  }
}
