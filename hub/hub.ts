import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { HubConfig } from '../common/config/schema.js';
import { FEDERATION_ERRORS } from '../common/federation/errors.js';
import { boundAddress, closeServer, listenOn } from '../common/http/listen.js';
import { SelfErrors } from '../common/self-errors.js';
import { createHubApp } from './api/app.js';
import { LiveStream } from './api/v1/events/live-stream.js';
import { warmSearchTexts } from './state/search-text.js';
import { readSavedNotify } from './notify/alert.js';
import { Notifier } from './notify/notifier.js';
import { FederationServer } from './federation/federation-server.js';
import { Upstream } from './federation/upstream.js';
import { loadHubEpoch } from './store/hub-epoch.js';
import { HubMetrics } from './metrics/hub-metrics.js';
import { HubState } from './state/hub-state.js';
import { HubStore } from './store/hub-store.js';
import { UserActions } from './store/user-actions.js';
import { Peering } from './peers/peering.js';
import { registerPeerMetrics } from './peers/peer-metrics.js';

/** How often groups past hub.retention are looked for (only the oldest are visited). */
const RETENTION_SWEEP_MS = 60_000;

export interface HubOptions {
  readonly config: HubConfig;
  readonly logger: Logger;
  /** Where the built UI lives (served at /). */
  readonly uiDir: string;
  /** Extra tokens accepted on /federate (the CLI's in-process agent). */
  readonly extraTokens?: readonly string[];
}

/**
 * A hub: federation in, merged state, persistence, API and metrics out. `Hub.start` wires the stages;
 * `stop` is the graceful shutdown (stop accepting, final snapshot). Owned by the CLI.
 */
export class Hub {
  private snapshotTimer: NodeJS.Timeout | undefined;
  private retentionTimer: NodeJS.Timeout | undefined;
  /** One link per parent hub listed in `hub.upstream` (none without it), each with its own backoff and acks. */
  upstreams: Upstream[] = [];
  /** The live stream (/api/v1/events), ended on stop. */
  private live: LiveStream | undefined;
  /** New and regressed groups -> notification channels (hub/notify). */
  notifier: Notifier | undefined;
  /** Replicated user state with the other hubs of the tier (`hub.peers`). */
  peering: Peering | undefined;
  private stopping = false;

  private constructor(
    readonly hubId: string,
    readonly state: HubState,
    private readonly store: HubStore,
    private readonly server: Server,
    private readonly federation: FederationServer,
    readonly metrics: HubMetrics,
    private readonly logger: Logger,
  ) {}

  static async start(options: HubOptions): Promise<Hub> {
    const { config, logger } = options;
    const log = logger.child({ component: 'hub' });
    const state = new HubState({
      samplesPerGroup: config.samples_per_group, sampleBudgetBytes: config.sample_budget_bytes,
      retentionMs: config.retention, maxGroups: config.max_groups, maxGroupsPerSource: config.limits.groupsPerSource,
    });
    const store = new HubStore(config.data_dir, state, log);
    const hubId = await store.open(config.hub_id);
    const selfErrors = new SelfErrors();
    let federation: FederationServer | undefined;
    const metrics = new HubMetrics(state, { maxSeries: config.metrics.max_series, sourceLabel: config.metrics.source_label }, () => federation?.connected ?? 0);
    metrics.storageFull = () => store.storageFull;
    const peerMetrics = config.peers.length > 0 ? registerPeerMetrics(metrics.registry, () => peering) : undefined;
    const peering: Peering | undefined = config.peers.length > 0
      ? await Peering.open(state, {
          hubId, dataDir: config.data_dir, peers: config.peers, frameBytes: config.limits.frameBytes, logger: log.child({ stage: 'peers' }),
          graceMs: config.peer_grace, onLag: (ms) => peerMetrics?.lag.observe(ms / 1000), onHeldBack: (n) => peerMetrics?.heldBack.inc(n),
          onProtocolError: (code) => metrics.protocolErrors.inc({ code }),
        })
      : undefined;
    const actions = new UserActions(state, store, Date.now, peering === undefined ? undefined : (r) => peering.local(r));
    const tokens = [...config.agent_tokens, ...(options.extraTokens ?? [])];
    if (tokens.length === 0) log.warn('hub.agent_tokens is empty: every federation connection will be refused');
    federation = new FederationServer(state, {
      hubId,
      aliases: (config.upstream ?? []).flatMap((u) => (u.name === undefined ? [] : [u.name])),
      tokens,
      frameBytes: config.limits.frameBytes,
      syncAdmission: { slots: config.sync_admission.slots, stallMs: config.sync_admission.stall_timeout },
      logger: log.child({ stage: 'federation' }),
      onRejected: (reason) => metrics.rejected.inc({ reason }),
      ...(peering === undefined ? {} : { peer: (ws: WebSocket) => peering.accept(ws) }),
      onProtocolError: (code) => metrics.protocolErrors.inc({ code }),
      onMerged: (_source, message, stats, micros, bytes) => {
        metrics.messagesIn.inc({ type: message.t });
        metrics.bytesIn.inc(bytes);
        metrics.groupUpdates.inc(stats.groups);
        metrics.mergeSeconds.observe(micros / 1e6);
      },
    });
    const saved = readSavedNotify(store.loadedNotify);
    if (store.loadedNotify !== undefined && saved === undefined) log.warn('the snapshot\'s notification history is unreadable; starting a new one (groups first seen from now on are announced)');
    const notifier = new Notifier({
      channels: config.notifications, hubId, logger: log.child({ stage: 'notify' }),
      ...(config.public_url === undefined ? {} : { publicUrl: config.public_url }),
      sampleOf: (service, key) => state.group(service, key)?.samples[0],
      groupOf: (service, key) => state.group(service, key),
      onResult: (result) => metrics.notificationsSent.inc({ result }),
      onAlertmanagerPost: (channel, ok, active) => {
        metrics.alertmanagerPosts.inc({ channel, result: ok ? 'ok' : 'error' });
        metrics.alertmanagerActive.set({ channel }, active);
      },
      ...(saved === undefined ? {} : { saved }),
      ...(peering === undefined ? {} : { peers: peering }),
    });
    if (peering !== undefined) peering.sink = notifier;
    state.onEvent((e) => notifier.handle(e));
    store.notifyState = () => notifier.exportState();
    let ready = false;
    const live = new LiveStream(state, log.child({ stage: 'live' }));
    notifier.onAlert(() => live.alert());
    if (peering !== undefined) peering.onStatus = () => live.peers();
    metrics.live = { get clients() { return live.clientCount; }, get dropped() { return live.dropped; }, get events() { return live.events; } };
    const app = createHubApp({
      state, actions, adminToken: config.admin_token, selfErrors, logger: log.child({ stage: 'api' }),
      metrics: () => metrics.render(), ready: () => ready, uiDir: options.uiDir, hubId, live, alerts: notifier, peering: () => peering,
    });
    const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, app.callback());
    federation.attach(server);
    await listenOn(server, config.listen);
    const hub = new Hub(hubId, state, store, server, federation, metrics, log);
    hub.live = live;
    // Search texts of groups loaded from the snapshot are built in the background (search-text.ts).
    void warmSearchTexts([...state.services.values()], () => hub.stopping);
    hub.notifier = notifier;
    hub.peering = peering;
    peering?.start();
    hub.snapshotTimer = setInterval(() => void hub.snapshot(), config.snapshot_interval);
    hub.retentionTimer = setInterval(() => hub.forgetIdle(), RETENTION_SWEEP_MS);
    if (config.upstream !== undefined) {
      // One epoch for every parent: each parent keeps its own acks of this hub's seqs.
      const epoch = await loadHubEpoch(config.data_dir);
      hub.upstreams = config.upstream.map((parent) => new Upstream(state, {
        config: parent, hubId, epoch, frameBytes: config.limits.frameBytes, logger: log.child({ stage: 'upstream', parent: parent.url }),
      }));
      const upstreams = hub.upstreams;
      metrics.upstreams = () => upstreams.map((u) => u.status());
      for (const u of upstreams) u.start();
    }
    ready = true;
    const address = hub.address();
    log.info({ hub_id: hubId, listen: `${address.host}:${address.port}`, data_dir: config.data_dir, federation_close_codes: Object.keys(FEDERATION_ERRORS).length }, 'hub listening');
    return hub;
  }

  address(): { host: string; port: number } {
    return boundAddress(this.server);
  }

  /**
   * Writes a snapshot now (`final`: after any running one, so it holds everything merged before the
   * call); failures are logged and counted, never thrown (the next one retries).
   */
  async snapshot(final = false): Promise<void> {
    try {
      const figures = await (final ? this.store.finalSnapshot(this.hubId) : this.store.snapshot(this.hubId));
      this.metrics.snapshotSeconds.observe(figures.millis / 1000);
      this.metrics.snapshotBytes.set(figures.bytes);
      this.metrics.snapshotLastSuccess.set(Date.now() / 1000);
      this.metrics.seriesBuckets.set(figures.seriesBuckets);
    } catch (err) {
      this.metrics.snapshotFailures.inc();
      this.logger.error({ err: (err as Error).message }, 'snapshot failed; the previous snapshot is kept and the journal still holds user actions');
    }
  }

  /** Forgets the groups past hub.retention (every RETENTION_SWEEP_MS). */
  forgetIdle(): void {
    const n = this.state.forgetIdle();
    if (n > 0) this.logger.info({ groups: n }, 'forgot groups unchanged for longer than hub.retention');
  }

  /** Graceful shutdown: stop accepting, close sources with a coded reason, final snapshot. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.snapshotTimer);
    clearInterval(this.retentionTimer);
    this.federation.close();
    // Every parent drains at once: the bounded wait is the same with one parent or several.
    await Promise.all(this.upstreams.map((u) => u.drain(3_000)));
    for (const u of this.upstreams) u.close();
    this.live?.close();
    await this.peering?.close();
    await closeServer(this.server);
    // Deliveries still pending are saved in the final snapshot and sent after the next start.
    await this.notifier?.close();
    await this.snapshot(true);
    await this.store.close();
    this.logger.info('hub stopped');
  }
}
