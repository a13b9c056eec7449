import { type Limits, truncate } from '../../common/limits.js';
import { diffCumulative } from './cumulative.js';
import { minCreatedAt } from '../../common/merge/group-fields.js';
import { mergeSamples } from '../../common/merge/samples.js';
import type { Occurrence } from '../../common/occurrence.js';
import { type ParsedAggregate, parseRawOccurrence, rawSampleUuid, type TruncationNotes } from '../wire/client-payload.js';
import { parseTimestamp } from '../../common/time.js';
import type { AgentGroup } from './group.js';
import { GroupStore } from './group-store.js';
import { Interner } from './interner.js';
import { newOrigin, type OriginState } from './origin.js';
import type { AggregatorState } from './aggregator-state.js';
import { ORIGIN_TOMBSTONE_DEFAULTS, OriginTombstones, type OriginTombstoneOptions } from './origin-tombstones.js';
import type { StartMode } from './start-mode.js';

export type { AggregatorState } from './aggregator-state.js';

export interface AggregatorOptions {
  readonly samplesPerGroup: number;
  readonly limits: Limits;
  readonly startMode: StartMode;
  /** When the agent process started (ms); keys created after it always count fully. */
  readonly startedAt: number;
  /** First observations after this moment are never baselines (targets seen late are new). */
  readonly startupWindowMs: number;
  /** Called whenever a group's shipped state changed (count, samples, severity, dates). */
  readonly onChange: (group: AgentGroup) => void;
  /** Groups held per service (least recently active evicted past it); default 10,000. */
  readonly maxGroupsPerService?: number;
  /** Tombstones of evicted groups held per service; default 100,000. */
  readonly maxTombstonesPerService?: number;
  /** Called when a group is evicted by the cap (its count is kept in a tombstone). */
  readonly onEvict?: (group: AgentGroup) => void;
  /** Shared copies of repeated sample strings; default a bounded interner of its own. */
  readonly interner?: Interner;
  /** Bounds of the last counts kept for forgotten origins (see OriginTombstones). */
  readonly originTombstones?: OriginTombstoneOptions;
}

export const AGGREGATOR_CAP_DEFAULTS = { maxGroupsPerService: 10_000, maxTombstonesPerService: 100_000 } as const;

/**
 * How an origin's totals behave. `counter`: a Periskop client's cumulative counter (a smaller value is
 * a restart: last 5, next 3 counts 3). `max`: a total that may drop without a restart, as a legacy
 * Periskop server's sum over its current targets does when a target goes away: only growth above the
 * highest value seen counts (last 5, next 3, next 7 counts 2).
 */
export type CountSemantics = 'counter' | 'max';

/** What one observation changed, for metrics and tests. */
export interface ApplyResult {
  readonly increments: number;
  readonly newSamples: number;
  readonly invalidSamples: number;
  readonly resets: number;
  /** Sample fields cut at a limit while taking new samples, by reason. */
  readonly truncated: TruncationNotes;
}

interface ServiceState {
  /** Capped, least recently active evicted into tombstones (see GroupStore). */
  readonly groups: GroupStore;
  readonly origins: Map<string, OriginState>;
  /** Baselines of origins forgotten while the start was pending, per key; settled by resolveStart. */
  readonly heldBack: Map<string, number>;
}

/**
 * Pre-aggregates cumulative counters of many origins into one lineage count per group (DESIGN
 * section 3, merge rule 1). Pure state and arithmetic: no I/O, no clock (callers pass `now`).
 * Owned by the agent; lives as long as the agent process (and is saved to state_dir).
 */
export class Aggregator {
  private readonly services = new Map<string, ServiceState>();
  private mode: StartMode;
  /** Order in which samples arrived; links ship samples whose mark is above what their hub acked. */
  private readonly marks = new WeakMap<Occurrence, number>();
  private mark = 0;
  readonly interner: Interner;
  /** Last counts of forgotten origins, so a returning one resumes instead of counting again. */
  readonly originTombstones: OriginTombstones;

  constructor(private readonly options: AggregatorOptions) {
    this.mode = options.startMode;
    this.interner = options.interner ?? new Interner();
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
        changed = true;
      }
      const createdAt = minCreatedAt(group.createdAt, agg.createdAt);
      if (createdAt !== group.createdAt) {
        group.createdAt = createdAt;
        changed = true;
      }
      // Samples only change when the count did; an unchanged aggregate costs a map lookup.
      if (last === undefined || last !== agg.totalCount) {
        const r = this.takeSamples(group, agg.rawSamples, truncated);
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

  /** Parses only samples the group does not hold and could keep. */
  private takeSamples(group: AgentGroup, raws: readonly unknown[], notes: TruncationNotes): { added: number; invalid: number; newest: number } {
    const cap = this.options.samplesPerGroup;
    let fresh: Occurrence[] | undefined;
    let invalid = 0;
    let newest = 0;
    const oldestHeld = group.samples.length >= cap ? group.samples[group.samples.length - 1] : undefined;
    for (const raw of raws) {
      const rawUuid = rawSampleUuid(raw);
      if (rawUuid === undefined) {
        invalid++;
        continue;
      }
      const uuid = truncate(rawUuid, this.options.limits.uuidChars);
      if (group.samples.some((s) => s.uuid === uuid)) continue;
      if (oldestHeld !== undefined) {
        const ts = parseTimestamp((raw as { timestamp?: unknown }).timestamp);
        if (ts < oldestHeld.timestamp) {
          newest = Math.max(newest, ts);
          continue;
        }
      }
      const parsed = parseRawOccurrence(raw, this.options.limits, notes);
      if (parsed === undefined) {
        invalid++;
        continue;
      }
      const occurrence = this.interner.occurrence(parsed);
      newest = Math.max(newest, occurrence.timestamp);
      (fresh ??= []).push(occurrence);
    }
    if (fresh === undefined) return { added: 0, invalid, newest };
    const before = group.samples;
    group.samples = mergeSamples(before, fresh, cap);
    let added = 0;
    if (group.samples !== before) {
      for (const s of group.samples) {
        if (before.includes(s)) continue;
        added++;
        this.marks.set(s, ++this.mark);
      }
    }
    return { added, invalid, newest };
  }

  /** The arrival mark of a held sample (0 for samples loaded from state_dir). */
  sampleMark(sample: Occurrence): number {
    return this.marks.get(sample) ?? 0;
  }

  /** The mark of the newest sample so far. */
  currentSampleMark(): number {
    return this.mark;
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
          key: g.key, severity: g.severity, createdAt: g.createdAt, lastSeen: g.lastSeen, count: g.count, samples: [...g.samples],
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
      for (const g of saved.groups) {
        s.groups.insert({ service: saved.name, ...g, samples: g.samples.map((o) => this.interner.occurrence(o)) });
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

/** One service's state sizes and cap figures. */
export interface ServiceStats {
  readonly service: string;
  readonly groups: number;
  readonly origins: number;
  readonly heldBack: number;
  readonly tombstones: number;
  readonly evictedGroups: number;
  readonly evictedTombstones: number;
  readonly restored: number;
}
