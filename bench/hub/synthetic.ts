import type { Occurrence } from '../../common/occurrence.js';
import { pseudoUuid, seeded } from '../../demo/random.js';
import type { HubGroup } from '../../hub/state/group.js';
import { HubState } from '../../hub/state/hub-state.js';
import { MINUTE_MS } from '../../hub/state/series.js';
import { adoptSamples } from '../../hub/store/snapshot-v2.js';
import { benchKinds, type BenchKind } from '../fleet/bench-kinds.js';
import { addSyntheticFleet, type SyntheticFleetSpec } from './synthetic-fleet.js';

/** An occurrence of `kind` as an agent parses it (the shape the hub holds and ships). */
export function benchOccurrence(kind: BenchKind, random: () => number, at: number, n: number): Occurrence {
  const chain = [{ class: kind.class, message: kind.vary ? kind.message.replace('{n}', String(100_000 + n)) : kind.message, stacktrace: [...kind.stacktrace] }];
  if (kind.cause !== undefined) chain.push({ ...kind.cause, stacktrace: [...kind.cause.stacktrace] });
  return {
    uuid: pseudoUuid(random),
    timestamp: at,
    severity: kind.severity,
    chain,
    http: n % 5 === 0 ? null : { method: kind.method, url: `http://shop.example${kind.path}?id=${n}`, headers: { accept: 'application/json', 'user-agent': 'shop/2.3' }, body: kind.method === 'POST' ? '{"cart":"c-1"}' : '' },
  };
}

/** The aggregation key of group `i` of a synthetic service: a realistic key, distinct per group. */
export const groupKey = (kinds: readonly BenchKind[], i: number): string => `${(kinds[i % kinds.length] as BenchKind).key}-${i.toString(36)}`;

export interface SyntheticStateSpec {
  /** [service name, groups] pairs. */
  readonly services: readonly (readonly [string, number])[];
  /** Agents (lineages) contributing; each group counts from two of them. */
  readonly lineages: number;
  /** Samples given to each group (the hub's sample budget keeps what fits, least recently updated out first). */
  readonly samplesPerGroup: number;
  /** Share of groups with samples at all (the rest had theirs evicted long ago). */
  readonly withSamples: number;
  /** Share of groups with a time series (active in the last 7 days). */
  readonly withSeries: number;
  /** Share of groups with an environment and a release (as Sentry and OTLP groups have), 0 by default. */
  readonly withTags?: number;
  readonly now: number;
  readonly seed?: number;
  /** Scrape targets, source figures and busy service series (none when absent). */
  readonly fleet?: SyntheticFleetSpec;
}

/**
 * A hub state as a long-running hub holds it: groups spread over services, counts from two lineages
 * each, samples interned by the hub's own sample store under its byte budget, headlines, some
 * resolved groups, some series. Built without merges (restoreGroup), so a million groups take seconds.
 */
export function syntheticState(spec: SyntheticStateSpec): HubState {
  const random = seeded(spec.seed ?? 11);
  const kinds = benchKinds(50);
  const state = new HubState({ samplesPerGroup: 20 });
  const lineageIds: number[] = [];
  for (let l = 0; l < spec.lineages; l++) {
    const name = `agent-${l + 1}`;
    lineageIds.push(state.lineages.intern(name, 'epoch-1', { region: `region-${(l % 4) + 1}` }, []).id);
    const source = state.source(name, 'agent', 'epoch-1');
    source.labels = { region: `region-${(l % 4) + 1}` };
    source.ackedSeqs.set('epoch-1', 1000);
  }
  const withSamples: HubGroup[] = [];
  let n = 0;
  for (const [service, groups] of spec.services) {
    for (let i = 0; i < groups; i++) {
      n++;
      const kind = kinds[i % kinds.length] as BenchKind;
      const a = lineageIds[i % lineageIds.length] as number;
      const b = lineageIds[(i + 1) % lineageIds.length] as number;
      const counts = new Map<number, number>([[a, 1 + (n % 997)], [b, 1 + (n % 89)]]);
      let total = 0;
      for (const c of counts.values()) total += c;
      const updatedAt = spec.now - Math.floor(random() * 86_400_000);
      const lastSeen = updatedAt - 1_000;
      let samples: Occurrence[] = [];
      if (random() < spec.withSamples) {
        for (let s = 0; s < spec.samplesPerGroup; s++) samples.push(state.samples.intern.occurrence(benchOccurrence(kind, random, lastSeen - s * 60_000, n * 31 + s)));
      }
      const top = samples[0]?.chain[0];
      const minute = Math.floor(updatedAt / MINUTE_MS);
      const group: HubGroup = {
        service, key: groupKey(kinds, i), severity: kind.severity, createdAt: spec.now - 30 * 86_400_000 + (n % 1000) * 1000, lastSeen, counts, total, samples,
        resolution: n % 20 === 0 ? { at: updatedAt - 3_600_000, total } : null, regressedAt: 0, updatedAt,
        headline: { class: top?.class ?? kind.class, message: top?.message ?? kind.message },
        samplesEvicted: samples.length === 0, searchText: null, environments: undefined, releases: undefined, tagIndex: undefined,
        series: random() < spec.withSeries ? { minutes: [minute - 2, 3, minute, 5], hours: [Math.floor(updatedAt / 3_600_000), 8] } : null,
      };
      if (spec.withTags !== undefined && random() < spec.withTags) {
        const entry = { count: counts.get(a) ?? 0, first: group.createdAt, last: lastSeen };
        group.environments = new Map([[a, new Map([[n % 4 === 0 ? 'staging' : 'production', entry]])]]);
        group.releases = new Map([[a, new Map([[`2.${n % 40}.0`, { ...entry }]])]]);
      }
      state.restoreGroup(group);
      if (samples.length > 0) withSamples.push(group);
      samples = [];
    }
  }
  adoptSamples(state, withSamples);
  if (spec.fleet !== undefined) addSyntheticFleet(state, spec.fleet, spec.now);
  state.loaded();
  return state;
}
