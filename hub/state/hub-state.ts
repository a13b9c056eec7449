import type { SourceGroup } from '../../common/federation/link-source.js';
import type { Delta, Sync, WireOccurrence, WireTarget } from '../../common/federation/messages.js';
import type { Occurrence } from '../../common/occurrence.js';
import { WireStringDecoder } from '../../common/federation/string-table.js';

/** Resolves samples that carry no string references (any reference is an error). */
const INLINE_ONLY = new WireStringDecoder();
import type { HubGroup, Resolution } from './group.js';
import { LineageRegistry } from './lineages.js';
import { mergeGroup } from './merge-group.js';
import { SampleStore } from './sample-store.js';
import { addToSeries, emptySeries, type SeriesData } from './series.js';
import { newSource, type Source, targetId } from './sources.js';

/** Something in the state changed; listeners (live stream, notifications, metrics) get these. */
export type StateEvent =
  | {
    readonly type: 'group';
    readonly group: HubGroup;
    readonly isNew: boolean;
    readonly regressed: boolean;
    readonly grew: number;
    /** Samples this merge added to the group. */
    readonly added: readonly Occurrence[];
  }
  | { readonly type: 'resolution'; readonly group: HubGroup }
  | {
    readonly type: 'source';
    readonly source: Source;
    /** Target health that changed in this message (empty for connection changes). */
    readonly changed: readonly WireTarget[];
    readonly removed: readonly [agent: string, service: string, url: string][];
  };

export interface MergeStats {
  groups: number;
  grew: number;
  newGroups: number;
  ignoredLower: number;
  unknownRefs: number;
}

export interface HubStateOptions {
  readonly samplesPerGroup: number;
  /** hub.sample_budget_bytes (default 256 MiB). */
  readonly sampleBudgetBytes?: number;
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
  /** Growth of every service's groups over time (series.ts). */
  readonly serviceSeries = new Map<string, SeriesData>();
  readonly samples: SampleStore;
  private groupCount = 0;
  private readonly listeners: ((e: StateEvent) => void)[] = [];
  private readonly now: () => number;
  /** Bumped on every change; cheap cache keys for rendered API answers. */
  version = 0;

  constructor(private readonly options: HubStateOptions) {
    this.now = options.now ?? Date.now;
    this.samples = new SampleStore({ budgetBytes: options.sampleBudgetBytes ?? 256 * 1024 * 1024 });
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
  ensureGroup(service: string, key: string): { group: HubGroup; isNew: boolean } {
    let groups = this.services.get(service);
    if (groups === undefined) {
      groups = new Map();
      this.services.set(service, groups);
    }
    let group = groups.get(key);
    if (group !== undefined) return { group, isNew: false };
    group = {
      service, key, severity: 'error', createdAt: 0, lastSeen: 0, counts: new Map(), total: 0, samples: [],
      resolution: null, regressedAt: 0, updatedAt: this.now(), headline: null, samplesEvicted: false, series: null, searchText: null,
    };
    groups.set(key, group);
    this.groupCount++;
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
    if (!groups.has(group.key)) this.groupCount++;
    groups.set(group.key, group);
  }

  /**
   * Merges one sync or delta from a source. `lineageIds` maps the message's lineage refs to hub ids.
   * Returns figures for metrics. Never throws on content: the message was validated by the codec.
   */
  mergeMessage(
    source: Source,
    message: Sync | Delta,
    lineageIds: (ref: number) => number | undefined,
    resolveSample: (o: WireOccurrence) => Occurrence = (o) => INLINE_ONLY.decode(o),
  ): MergeStats {
    const now = this.now();
    const stats: MergeStats = { groups: 0, grew: 0, newGroups: 0, ignoredLower: 0, unknownRefs: 0 };
    const known = (ref: number) => {
      const id = lineageIds(ref);
      if (id === undefined) stats.unknownRefs++;
      return id;
    };
    // Resolve every sample first: a bad reference rejects the whole message before anything merges.
    // Most updates carry no sample: those are used as they came (no copy per group).
    const services = message.services.map((service) => ({
      name: service.name,
      groups: service.groups.map((g): SourceGroup => (g.samples.length === 0 ? (g as SourceGroup) : { ...g, samples: g.samples.map(resolveSample) })),
    }));
    for (const service of services) {
      for (const update of service.groups) {
        const { group, isNew } = this.ensureGroup(service.name, update.key);
        if (isNew) group.severity = update.severity;
        const samplesBefore = group.samples;
        const outcome = mergeGroup(group, update, known, this.options.samplesPerGroup, now);
        // The store interns the new samples: `added` are the copies the group holds.
        const added = group.samples !== samplesBefore ? this.samples.samplesChanged(group, samplesBefore, outcome.added) : outcome.added;
        if (outcome.grew > 0) this.recordGrowth(group, now, outcome.grew);
        stats.groups++;
        stats.grew += outcome.grew;
        stats.ignoredLower += outcome.ignoredLower;
        if (isNew) stats.newGroups++;
        if (outcome.changed || isNew) {
          this.version++;
          this.emit({ type: 'group', group, isNew, regressed: outcome.regressed, grew: outcome.grew, added });
        }
      }
    }
    this.mergeTargets(source, message);
    if (message.sources !== undefined) {
      source.children = message.sources;
      this.emit({ type: 'source', source, changed: [], removed: [] });
    }
    if (stats.ignoredLower > 0 || stats.unknownRefs > 0) source.anomalies += stats.ignoredLower + stats.unknownRefs;
    source.ackedSeqs.set(source.lastEpoch, message.seq);
    return stats;
  }

  /** Adds growth to the group's and its service's series (hub time). */
  private recordGrowth(group: HubGroup, now: number, grew: number): void {
    addToSeries((group.series ??= emptySeries()), now, grew);
    let service = this.serviceSeries.get(group.service);
    if (service === undefined) this.serviceSeries.set(group.service, (service = emptySeries()));
    addToSeries(service, now, grew);
  }

  private mergeTargets(source: Source, message: Sync | Delta): void {
    const removed: [string, string, string][] = [...(message.targets_removed ?? [])];
    if ((message.t === 'sync' && message.part === 0) || message.targets_complete === true) {
      // A sync's target list replaces what the source reported before.
      const kept = new Set(message.targets.map(targetId));
      for (const [id, t] of source.targets) if (!kept.has(id)) removed.push([t.agent, t.service, t.url]);
      source.targets.clear();
    }
    for (const t of message.targets) source.targets.set(targetId(t), t);
    for (const [agent, service, url] of removed) source.targets.delete(targetId({ agent, service, url }));
    if (message.targets.length > 0 || removed.length > 0) {
      this.version++;
      this.emit({ type: 'source', source, changed: message.targets, removed });
    }
  }

  /** Applies a resolve (already journaled by the caller). */
  resolve(service: string, key: string, resolution: Resolution): HubGroup {
    const { group } = this.ensureGroup(service, key);
    group.resolution = resolution;
    group.regressedAt = 0;
    group.updatedAt = this.now();
    this.version++;
    this.emit({ type: 'resolution', group });
    return group;
  }

  /** Applies an unresolve (already journaled by the caller). */
  unresolve(service: string, key: string): HubGroup | undefined {
    const group = this.group(service, key);
    if (group === undefined) return undefined;
    group.resolution = null;
    group.regressedAt = 0;
    group.updatedAt = this.now();
    this.version++;
    this.emit({ type: 'resolution', group });
    return group;
  }

  /** Every target health reported by any source, newest report wins per agent/service/url. */
  targets(): WireTarget[] {
    const out = new Map<string, WireTarget>();
    for (const s of this.sources.values()) {
      for (const [id, t] of s.targets) {
        const held = out.get(id);
        if (held === undefined || t.last_scrape >= held.last_scrape) out.set(id, t);
      }
    }
    return [...out.values()];
  }

  /** Figures for metrics and logs, in constant time. */
  stats(): { services: number; groups: number; samples: number; sampleBytes: number; lineages: number } {
    return { services: this.services.size, groups: this.groupCount, samples: this.samples.samples, sampleBytes: this.samples.bytes, lineages: this.lineages.size };
  }
}
