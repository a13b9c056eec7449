import type { SyntheticStateSpec } from '../hub/synthetic.js';

/** The fleet the UI is tried against (issue 22: 1,000,000 groups, 200 services, 100 sources, 10,000 targets). */
export interface UiScale {
  readonly groups: number;
  readonly services: number;
  readonly sources: number;
  readonly targets: number;
  /** Groups of the first service (`svc-1`), the one whose page is timed; the rest share the others. */
  readonly bigServiceGroups: number;
}

/** The largest service's name in a UI-scale snapshot. */
export const BIG_SERVICE = 'svc-1';

/**
 * The synthetic state of a UI-scale snapshot: `svc-1` with `bigServiceGroups` groups, the remaining
 * groups spread over the other services, `sources` agents scraping `targets` targets, service series
 * peaking at 5.5 million a minute (the axis that read "0,000").
 */
export function uiScaleSpec(s: UiScale, now: number): SyntheticStateSpec {
  const rest = Math.max(0, s.groups - s.bigServiceGroups);
  const others = Math.max(1, s.services - 1);
  const per = Math.floor(rest / others);
  const services: [string, number][] = [[BIG_SERVICE, s.bigServiceGroups]];
  for (let i = 0; i < others; i++) services.push([`svc-${i + 2}`, per + (i < rest - per * others ? 1 : 0)]);
  return {
    services: services.filter(([, n]) => n > 0),
    lineages: s.sources,
    samplesPerGroup: 2,
    withSamples: 0.05,
    withSeries: 0.05,
    now,
    fleet: { targets: s.targets, peakPerMinute: 5_500_000 },
  };
}
