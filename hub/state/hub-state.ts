import type { SourceGroup } from '../../common/federation/link-source.js';
import type { Delta, Sync, WireOccurrence, WireTarget } from '../../common/federation/messages.js';
import type { Occurrence } from '../../common/occurrence.js';
import { WireStringDecoder } from '../../common/federation/string-table.js';

/** Resolves samples that carry no string references (any reference is an error). */
const INLINE_ONLY = new WireStringDecoder();
import type { HubGroup, Resolution } from './group.js';
import { GroupBounds } from './group-bounds.js';
import { LineageRegistry, rejectUndeclaredLineages } from './lineages.js';
import { mergeGroup } from './merge-group.js';
import { SampleStore } from './sample-store.js';
import { ServiceTally } from './service-tally.js';
import { addToSeries, emptySeries, type SeriesData } from './series.js';
import { newSource, type Source } from './sources.js';
import { applyTargets, latestTargets } from './source-targets.js';
import type { ForgetReason, MergeStats, StateEvent } from './state-event.js';

export type { ForgetReason, MergeStats, StateEvent } from './state-event.js';

/** hub.retention's default: 90 days. */
export const DEFAULT_RETENTION_MS = 90 * 24 * 3_600_000;

export interface HubStateOptions {
  readonly samplesPerGroup: number;
  /** hub.sample_budget_bytes (default 256 MiB). */
  readonly sampleBudgetBytes?: number;
  /** hub.retention (ms): groups unchanged for longer are forgotten; default 90 days. */
  readonly retentionMs?: number;
  /** hub.max_groups and hub.limits.max_groups_per_source (group-bounds.ts); default unbounded. */
  readonly maxGroups?: number;
  readonly maxGroupsPerSource?: number;
  readonly now?: () => number;
}

/**
 * Everything a hub knows: services and their groups, lineages, sources. All merges go through here,
 * so the API, persistence and metrics see one consistent state. Owned by the hub; lives as long as
 * the process and is snapshotted to data_dir.
 */
export class HubState {
  readonly services = new Map<string, Map<string, HubGroup>>();
  readonly lineages = new LineageRegistry();
  readonly sources = new Map<string, Source>();
  /** Every service's figures, kept up to date on each change (service-tally.ts). */
  readonly tallies = new Map<string, ServiceTally>();
  /** Growth of every service's groups over time (series.ts). */
  readonly serviceSeries = new Map<string, SeriesData>();
  readonly samples: SampleStore;
  readonly bounds: GroupBounds;
  readonly retentionMs: number;
  private groupCount = 0;
  private readonly listeners: ((e: StateEvent) => void)[] = [];
  private readonly now: () => number;
  /** Bumped on every change; cheap cache keys for rendered API answers. */
  version = 0;

  constructor(private readonly options: HubStateOptions) {
    this.now = options.now ?? Date.now;
    this.samples = new SampleStore({ budgetBytes: options.sampleBudgetBytes ?? 256 * 1024 * 1024 });
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.bounds = new GroupBounds({ maxGroups: options.maxGroups ?? Infinity, maxGroupsPerSource: options.maxGroupsPerSource ?? Infinity });
  }

  onEvent(listener: (e: StateEvent) => void): void {
    this.listeners.push(listener);
  }

  private emit(e: StateEvent): void {
    for (const l of this.listeners) l(e);
  }

  /** A source connected, disconnected or changed its hello (federation calls this). */
  sourceChanged(source: Source): void {
    this.version++;
    this.emit({ type: 'source', source, changed: [], removed: [] });
  }

  source(name: string, kind: 'agent' | 'hub', epoch: string): Source {
    let s = this.sources.get(name);
    if (s === undefined) {
      s = newSource(name, kind, epoch);
      this.sources.set(name, s);
    }
    return s;
  }

  group(service: string, key: string): HubGroup | undefined {
    return this.services.get(service)?.get(key);
  }

  /** Creates an empty group (used by merges and by journal replay of a resolve for a group not yet re-synced). */
  ensureGroup(service: string, key: string, source?: string): { group: HubGroup; isNew: boolean } {
    let groups = this.services.get(service);
    if (groups === undefined) {
      groups = new Map();
      this.services.set(service, groups);
    }
    let group = groups.get(key);
    if (group !== undefined) return { group, isNew: false };
    group = {
      service, key, severity: 'error', createdAt: 0, lastSeen: 0, counts: new Map(), total: 0, samples: [],
      resolution: null, regressedAt: 0, updatedAt: this.now(), headline: null, samplesEvicted: false, series: null, searchText: null, environments: undefined, releases: undefined, tagIndex: undefined,
    };
    groups.set(key, group);
    this.groupCount++;
    this.bounds.added(group, source);
    this.tally(service).add(group);
    return { group, isNew: true };
  }

  /**
   * Puts a group loaded from a snapshot in place, without events (start-up). The caller hands its
   * samples to `samples.adopt` once every group is loaded.
   */
  restoreGroup(group: HubGroup): void {
    let groups = this.services.get(group.service);
    if (groups === undefined) {
      groups = new Map();
      this.services.set(group.service, groups);
    }
    const held = groups.get(group.key);
    if (held === undefined) this.groupCount++;
    else this.tally(group.service).remove(held);
    groups.set(group.key, group);
    this.tally(group.service).add(group);
  }

  /** The service's tally (created empty). */
  tally(service: string): ServiceTally {
    let t = this.tallies.get(service);
    if (t === undefined) this.tallies.set(service, (t = new ServiceTally()));
    return t;
  }

  /**
   * After a snapshot load: the bounds learn every group's order and source (group-bounds.ts) and
   * every service's tally is counted afresh from its groups.
   */
  loaded(): void {
    this.bounds.rebuild(this.allGroups(), this.lineages);
    this.tallies.clear();
    for (const g of this.allGroups()) this.tally(g.service).add(g);
  }

  *allGroups(): Generator<HubGroup> {
    for (const groups of this.services.values()) yield* groups.values();
  }

  /** Forgets a group with its samples, series and resolution; emits `forgotten`. */
  forget(group: HubGroup, reason: ForgetReason): void {
    const groups = this.services.get(group.service);
    if (groups?.get(group.key) !== group) return;
    groups.delete(group.key);
    this.tally(group.service).remove(group);
    if (groups.size === 0) {
      this.services.delete(group.service);
      this.tallies.delete(group.service);
    }
    this.groupCount--;
    this.bounds.removed(group);
    this.bounds.forgotten[reason]++;
    this.samples.forget(group);
    this.version++;
    this.emit({ type: 'forgotten', group, reason });
  }

  /** Forgets every group unchanged for longer than the retention; returns how many. */
  forgetIdle(): number {
    const idle = [...this.bounds.idleSince(this.now() - this.retentionMs)];
    for (const group of idle) this.forget(group, 'retention');
    return idle.length;
  }

  /**
   * Merges one sync or delta from a source. `lineageIds` maps the message's lineage refs to hub ids.
   * Returns figures for metrics. A lineage ref the connection never declared, or a bad string
   * reference in a sample, rejects the whole message (FederationError CN_ERR_BAD_MESSAGE) before
   * anything is merged or created.
   */
  mergeMessage(
    source: Source,
    message: Sync | Delta,
    lineageIds: (ref: number) => number | undefined,
    resolveSample: (o: WireOccurrence) => Occurrence = (o) => INLINE_ONLY.decode(o),
  ): MergeStats {
    const now = this.now();
    const stats: MergeStats = { groups: 0, grew: 0, newGroups: 0, ignoredLower: 0, refused: 0 };
    rejectUndeclaredLineages(message, lineageIds);
    // Resolve every sample first: a bad reference rejects the whole message before anything merges.
    // Most updates carry no sample: those are used as they came (no copy per group).
    const services = message.services.map((service) => ({
      name: service.name,
      groups: service.groups.map((g): SourceGroup => (g.samples.length === 0 ? (g as SourceGroup) : { ...g, samples: g.samples.map(resolveSample) })),
    }));
    for (const service of services) {
      for (const update of service.groups) {
        let group = this.group(service.name, update.key);
        const isNew = group === undefined;
        if (group === undefined) {
          group = this.admitGroup(source, service.name, update, now);
          if (group === undefined) {
            stats.refused++;
            continue;
          }
        }
        const samplesBefore = group.samples;
        const tally = this.tally(service.name);
        tally.remove(group);
        if (isNew) group.severity = update.severity;
        const outcome = mergeGroup(group, update, lineageIds, this.options.samplesPerGroup, now);
        tally.add(group);
        // The store interns the new samples: `added` are the copies the group holds.
        const added = group.samples !== samplesBefore ? this.samples.samplesChanged(group, samplesBefore, outcome.added) : outcome.added;
        if (outcome.grew > 0) this.recordGrowth(group, now, outcome.grew);
        stats.groups++;
        stats.grew += outcome.grew;
        stats.ignoredLower += outcome.ignoredLower;
        if (isNew) stats.newGroups++;
        if (outcome.changed || isNew) {
          this.bounds.touched(group);
          this.version++;
          this.emit({ type: 'group', group, isNew, regressed: outcome.regressed, grew: outcome.grew, added });
        }
      }
    }
    const targets = applyTargets(source, message);
    if (targets !== undefined) {
      this.version++;
      this.emit({ type: 'source', source, ...targets });
    }
    if (message.sources !== undefined) source.children = message.sources;
    if (message.intake !== undefined) source.intake = message.intake;
    if (message.sources !== undefined || message.intake !== undefined) this.emit({ type: 'source', source, changed: [], removed: [], intakeOnly: message.sources === undefined });
    if (stats.ignoredLower > 0) source.anomalies += stats.ignoredLower;
    source.groupsRefused += stats.refused;
    source.ackedSeqs.set(source.lastEpoch, message.seq);
    return stats;
  }

  /**
   * A group `source` wants to create, if the bounds allow it (group-bounds.ts): within the source's
   * share, and over max_groups the least recently seen one makes room unless it is still occurring.
   */
  private admitGroup(source: Source, service: string, update: SourceGroup, now: number): HubGroup | undefined {
    const admission = this.bounds.admit(source.name, now);
    if (!admission.admitted) return undefined;
    if (admission.evict !== undefined) this.forget(admission.evict, 'max_groups');
    return this.ensureGroup(service, update.key, source.name).group;
  }

  /** Adds growth to the group's and its service's series (hub time). */
  private recordGrowth(group: HubGroup, now: number, grew: number): void {
    addToSeries((group.series ??= emptySeries()), now, grew);
    let service = this.serviceSeries.get(group.service);
    if (service === undefined) this.serviceSeries.set(group.service, (service = emptySeries()));
    addToSeries(service, now, grew);
  }

  /** Applies a resolve (already journaled by the caller). */
  resolve(service: string, key: string, resolution: Resolution): HubGroup {
    const { group } = this.ensureGroup(service, key);
    this.setResolution(group, resolution, 0);
    return group;
  }

  /** Applies an unresolve (already journaled by the caller). */
  unresolve(service: string, key: string): HubGroup | undefined {
    const group = this.group(service, key);
    if (group !== undefined) this.setResolution(group, null, 0);
    return group;
  }

  /**
   * Sets a group's resolution (resolve, unresolve, or putting back what a user action whose journal
   * write failed changed: user-actions.ts), keeping its service's tally and the bounds current.
   */
  setResolution(group: HubGroup, resolution: Resolution | null, regressedAt: number): void {
    const tally = this.tally(group.service);
    tally.remove(group);
    group.resolution = resolution;
    group.regressedAt = regressedAt;
    tally.add(group);
    group.updatedAt = this.now();
    this.bounds.touched(group);
    this.version++;
    this.emit({ type: 'resolution', group });
  }

  /** Every target health reported by any source, newest report wins per agent/service/url. */
  targets(): WireTarget[] {
    return latestTargets(this.sources.values());
  }

  /** Figures for metrics and logs, in constant time. */
  stats(): { services: number; groups: number; samples: number; sampleBytes: number; lineages: number } {
    return { services: this.services.size, groups: this.groupCount, samples: this.samples.samples, sampleBytes: this.samples.bytes, lineages: this.lineages.size };
  }
}
