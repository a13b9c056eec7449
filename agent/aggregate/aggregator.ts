import { diffCumulative } from './cumulative.js';
import { minCreatedAt } from '../../common/merge/group-fields.js';
import type { Occurrence } from '../../common/occurrence.js';
import type { ParsedAggregate, TruncationNotes } from '../wire/client-payload.js';
import type { AgentGroup } from './group.js';
import { GroupStore } from './group-store.js';
import { InternTable } from '../../common/intern/intern-table.js';
import { newOrigin } from './origin.js';
import type { AggregatorState } from './aggregator-state.js';
import { ORIGIN_TOMBSTONE_DEFAULTS, OriginTombstones } from './origin-tombstones.js';
import { SampleIntake } from './sample-intake.js';
import { countGroupTags, loadTally, saveGroupTags } from './group-tags.js';
import type { StartMode } from './start-mode.js';
import { AGGREGATOR_CAP_DEFAULTS, SAMPLE_INTERN_DEFAULTS, type AggregatorOptions, type ApplyResult, type CountSemantics, type ServiceState, type ServiceStats } from './aggregator-options.js';

export type { AggregatorState } from './aggregator-state.js';
export { AGGREGATOR_CAP_DEFAULTS, type AggregatorOptions, type ApplyResult, type CountSemantics, type ServiceStats } from './aggregator-options.js';

/**
 * Pre-aggregates cumulative counters of many origins into one lineage count per group (DESIGN
 * section 3, merge rule 1). Pure state and arithmetic: no I/O, no clock (callers pass `now`).
 * Owned by the agent; lives as long as the agent process (and is saved to state_dir).
 */
export class Aggregator {
  private readonly services = new Map<string, ServiceState>();
  private mode: StartMode;
  readonly interner: InternTable;
  /** New samples in, with their arrival marks (sample-intake.ts). */
  private readonly intake: SampleIntake;
  /** Last counts of forgotten origins, so a returning one resumes instead of counting again. */
  readonly originTombstones: OriginTombstones;

  constructor(private readonly options: AggregatorOptions) {
    this.mode = options.startMode;
    this.interner = options.interner ?? new InternTable(SAMPLE_INTERN_DEFAULTS);
    this.intake = new SampleIntake(this.interner, options.samplesPerGroup, options.limits);
    this.originTombstones = new OriginTombstones(options.originTombstones ?? ORIGIN_TOMBSTONE_DEFAULTS);
  }

  get startMode(): StartMode {
    return this.mode;
  }

  private service(name: string): ServiceState {
    let s = this.services.get(name);
    if (s === undefined) {
      const groups = new GroupStore(name, {
        maxGroups: this.options.maxGroupsPerService ?? AGGREGATOR_CAP_DEFAULTS.maxGroupsPerService,
        maxTombstones: this.options.maxTombstonesPerService ?? AGGREGATOR_CAP_DEFAULTS.maxTombstonesPerService,
        ...(this.options.onEvict === undefined ? {} : { onEvict: this.options.onEvict }),
      });
      s = { groups, origins: new Map(), heldBack: new Map() };
      this.services.set(name, s);
    }
    return s;
  }

  /**
   * Applies one observation of an origin's cumulative state (a scrape or a push).
   * Example: origin last saw k=5, now k=3: a reset, the group count grows by 3.
   * An origin forgotten earlier resumes from its tombstone: last 5, forgotten, back with 7 counts 2.
   * `complete`: the aggregates are everything the origin reported (nothing was dropped), so a key
   * missing from them was reset by a restart of the target.
   */
  observe(
    serviceName: string,
    originId: string,
    aggregates: readonly ParsedAggregate[],
    now: number,
    complete = true,
    semantics: CountSemantics = 'counter',
  ): ApplyResult {
    const service = this.service(serviceName);
    let origin = service.origins.get(originId);
    let firstObservation = origin === undefined;
    if (origin === undefined) {
      const resumed = this.originTombstones.take(serviceName, originId, now);
      // A returning origin is no first observation: its last counts are known exactly.
      if (resumed !== undefined) firstObservation = false;
      origin = newOrigin(originId, now, resumed);
      service.origins.set(originId, origin);
    }
    origin.lastObservedAt = now;
    const baselining =
      firstObservation &&
      (this.mode === 'pending' || this.mode === 'restart') &&
      now <= this.options.startedAt + this.options.startupWindowMs;
    if (baselining && this.mode === 'pending') origin.baseline = new Map();

    let increments = 0;
    let newSamples = 0;
    let invalidSamples = 0;
    let resets = 0;
    const truncated: TruncationNotes = {};
    for (const agg of aggregates) {
      let group = service.groups.get(agg.key);
      const isNew = group === undefined;
      // One copy of each key: the group's (so every origin's map shares it, not one per payload).
      if (group === undefined) group = service.groups.create(agg.key, agg.severity);
      const key = group.key;
      const last = origin.last.get(key);
      origin.last.set(key, semantics === 'max' && last !== undefined ? Math.max(last, agg.totalCount) : agg.totalCount);
      let delta: number;
      if (last === undefined && baselining && !(agg.createdAt > 0 && agg.createdAt >= this.options.startedAt)) {
        // Counted by an earlier lineage (or settled later when still pending).
        delta = 0;
        if (origin.baseline !== undefined && agg.totalCount > 0) origin.baseline.set(key, agg.totalCount);
      } else {
        delta = semantics === 'max' && last !== undefined ? Math.max(0, agg.totalCount - last) : diffCumulative(last, agg.totalCount);
        if (semantics === 'counter' && last !== undefined && agg.totalCount < last) resets++;
      }
      let changed = isNew;
      if (delta > 0) {
        group.count += delta;
        increments += delta;
        if (agg.tagged !== undefined) countGroupTags(group, agg.tagged, delta);
        changed = true;
      }
      const createdAt = minCreatedAt(group.createdAt, agg.createdAt);
      if (createdAt !== group.createdAt) {
        group.createdAt = createdAt;
        changed = true;
      }
      // Samples only change when the count did; an unchanged aggregate costs a map lookup.
      if (last === undefined || last !== agg.totalCount) {
        const r = this.intake.take(group, agg.rawSamples, truncated);
        newSamples += r.added;
        invalidSamples += r.invalid;
        let seen = r.newest;
        if (last !== undefined && delta > 0) seen = Math.max(seen, now);
        if (last === undefined && seen === 0) seen = agg.createdAt;
        if (seen > group.lastSeen) {
          if (!isNew) group.severity = agg.severity;
          group.lastSeen = seen;
          changed = true;
        }
        if (r.added > 0) changed = true;
      }
      if (changed) this.options.onChange(group);
    }
    // A Periskop client never forgets a key while it runs: a key missing from a complete payload is a
    // reset observed at zero, so when it comes back all of it is new (last 5, missing, next 5: 10).
    if (complete && semantics === 'counter' && origin.last.size > aggregates.length) {
      const present = new Set(aggregates.map((a) => a.key));
      for (const key of origin.last.keys()) {
        if (present.has(key)) continue;
        origin.last.delete(key);
        resets++;
      }
    }
    return { increments, newSamples, invalidSamples, resets, truncated };
  }

  /** The arrival mark of a held sample (0 for samples loaded from state_dir). */
  sampleMark(sample: Occurrence): number {
    return this.intake.markOf(sample);
  }

  /** The mark of the newest sample so far. */
  currentSampleMark(): number {
    return this.intake.current;
  }

  /** Refreshes an origin's TTL when its body did not change. */
  touch(serviceName: string, originId: string, now: number): void {
    const origin = this.services.get(serviceName)?.origins.get(originId);
    if (origin !== undefined) origin.lastObservedAt = now;
  }

  /**
   * Settles a pending start once a hub tells whether this name was seen before: on a first start the
   * held-back baselines are counted; on a restart they stay uncounted.
   */
  resolveStart(restart: boolean): void {
    if (this.mode !== 'pending') return;
    this.mode = restart ? 'restart' : 'first-start';
    for (const service of this.services.values()) {
      if (!restart) this.addBaselines(service, service.heldBack);
      service.heldBack.clear();
      for (const origin of service.origins.values()) {
        if (origin.baseline === undefined) continue;
        if (!restart) this.addBaselines(service, origin.baseline);
        origin.baseline = undefined;
      }
    }
  }

  private addBaselines(service: ServiceState, baselines: ReadonlyMap<string, number>): void {
    for (const [key, value] of baselines) {
      // A group evicted meanwhile comes back (from its tombstone) to take its baseline.
      const group = service.groups.get(key) ?? service.groups.create(key, 'error');
      group.count += value;
      this.options.onChange(group);
    }
  }

  /**
   * Drops an origin's counter state into a tombstone of its last counts, keeping a pending baseline
   * for resolveStart.
   */
  private dropOrigin(serviceName: string, service: ServiceState, id: string, now: number): void {
    const origin = service.origins.get(id);
    if (origin === undefined) return;
    for (const [key, value] of origin.baseline ?? []) service.heldBack.set(key, (service.heldBack.get(key) ?? 0) + value);
    service.origins.delete(id);
    this.originTombstones.keep(serviceName, id, origin.last, now);
  }

  /** Forgets an origin's counter state (its contribution stays in the counts; its last counts in a tombstone). */
  forgetOrigin(serviceName: string, originId: string, now: number): void {
    const service = this.services.get(serviceName);
    if (service !== undefined) this.dropOrigin(serviceName, service, originId, now);
  }

  /** Forgets origins silent for longer than `ttlMs`, and tombstones past their own age; returns how many origins were dropped. */
  expireOrigins(now: number, ttlMs: number): number {
    let dropped = 0;
    for (const [name, service] of this.services) {
      for (const [id, origin] of service.origins) {
        if (now - origin.lastObservedAt > ttlMs) {
          this.dropOrigin(name, service, id, now);
          dropped++;
        }
      }
    }
    this.originTombstones.expire(now);
    return dropped;
  }

  /** Every group held, per service least recently active first (insertion order when none was seen again). */
  *groups(): IterableIterator<AgentGroup> {
    for (const service of this.services.values()) yield* service.groups.valuesOldestFirst();
  }

  /** A held group (without marking it active). */
  group(service: string, key: string): AgentGroup | undefined {
    return this.services.get(service)?.groups.peek(key);
  }

  /** Figures for /metrics. */
  stats(): { services: number; groups: number; origins: number } {
    let groups = 0;
    let origins = 0;
    for (const s of this.services.values()) {
      groups += s.groups.size;
      origins += s.origins.size;
    }
    return { services: this.services.size, groups, origins };
  }

  /** Per service: groups, origins, tombstones, evictions (for /metrics and tests of the caps). */
  serviceStats(): ServiceStats[] {
    return [...this.services].map(([service, s]) => ({ service, origins: s.origins.size, heldBack: s.heldBack.size, ...s.groups.stats() }));
  }

  /** Everything needed to resume exactly (state_dir). */
  exportState(): AggregatorState {
    const originTombstones = this.originTombstones.export();
    const services: AggregatorState['services'] = [];
    for (const [name, s] of this.services) {
      services.push({
        name,
        // Least recently active first, so importState restores the order of activity.
        groups: [...s.groups.valuesOldestFirst()].map((g) => ({
          key: g.key, severity: g.severity, createdAt: g.createdAt, lastSeen: g.lastSeen, count: g.count, samples: [...g.samples], ...saveGroupTags(g),
        })),
        tombstones: [...s.groups.tombstonesOldestFirst()],
        origins: [...s.origins.values()].map((o) => ({
          id: o.id, lastObservedAt: o.lastObservedAt, last: [...o.last], ...(o.baseline === undefined ? {} : { baseline: [...o.baseline] }),
        })),
        ...(s.heldBack.size === 0 ? {} : { heldBack: [...s.heldBack] }),
      });
    }
    return { startMode: this.mode, services, ...(originTombstones.length === 0 ? {} : { originTombstones }) };
  }

  /** Loads a saved state into an empty aggregator (start mode `exact`); `now` ages the origin tombstones. */
  importState(state: AggregatorState, now: number): void {
    for (const saved of state.services) {
      const s = this.service(saved.name);
      for (const [key, count] of saved.tombstones ?? []) s.groups.insertTombstone(key, count);
      // Past the cap (a smaller max_groups_per_service than when saved), the oldest go to tombstones.
      for (const { environments, releases, ...g } of saved.groups) {
        s.groups.insert({
          service: saved.name, ...g, samples: g.samples.map((o) => this.interner.occurrence(o)),
          ...(environments === undefined ? {} : { environments: loadTally(environments) }), ...(releases === undefined ? {} : { releases: loadTally(releases) }),
        });
      }
      for (const o of saved.origins) {
        // Baselines only matter while the start is still pending.
        const baseline = this.mode === 'pending' && o.baseline !== undefined ? new Map(o.baseline) : undefined;
        s.origins.set(o.id, { id: o.id, lastObservedAt: o.lastObservedAt, last: new Map(o.last), baseline });
      }
      if (this.mode === 'pending') for (const [key, value] of saved.heldBack ?? []) s.heldBack.set(key, (s.heldBack.get(key) ?? 0) + value);
    }
    // Keys shared with the groups' own strings, as origins' keys are.
    this.originTombstones.import(state.originTombstones ?? [], now, (service, key) => this.services.get(service)?.groups.peek(key)?.key ?? key);
  }
}
