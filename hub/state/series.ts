/**
 * Occurrence counts over time, per group and per service (DESIGN section 3): 1-minute buckets for the
 * last 2 hours and 1-hour buckets for the last 7 days, filled with the growth of a group's total at
 * hub time (a count that arrives late, e.g. after a hub restart, lands in the bucket of its arrival).
 *
 * Stored sparsely as flat `[bucket, count, bucket, count, ...]` arrays (bucket = ms / step, ascending),
 * so only buckets that saw growth cost memory, and a group idle for 7 days holds no series at all
 * (`pruneSeries` returns null; the snapshot pass calls it).
 *
 * Memory per group: nothing when idle (the group's `series` field is null); otherwise about 120 bytes
 * (one object, two arrays) plus 16 bytes per non-empty bucket. Worst case, a group that grew in every
 * minute of the last 2 hours and every hour of the last 7 days: 120 + (120 + 168) x 16 = about 4.7 KB
 * (arrays may hold up to 50% slack after growing). A group that grew in k distinct minutes of the last
 * 2 hours costs about 120 + 32 x k bytes. Owned by its HubGroup (or HubState for services); persisted
 * in the snapshot.
 */
export interface SeriesData {
  /** 1-minute buckets, flat pairs, ascending. */
  minutes: number[];
  /** 1-hour buckets, flat pairs, ascending. */
  hours: number[];
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
/** Minute buckets kept (2 hours). */
export const MINUTE_BUCKETS = 120;
/** Hour buckets kept (7 days). */
export const HOUR_BUCKETS = 168;

/** A window of dense counts: bucket i covers [start + i * stepMs, start + (i + 1) * stepMs). */
export interface Window {
  readonly start: number;
  readonly stepMs: number;
  readonly values: number[];
}

export function emptySeries(): SeriesData {
  return { minutes: [], hours: [] };
}

/**
 * Adds `n` occurrences at hub time `now` to both resolutions and drops buckets that left the window.
 * Example: add at 10:00:30 and 10:00:50 (n 2 and 3) -> minute bucket 10:00 holds 5, hour 10:00 holds 5.
 */
export function addToSeries(series: SeriesData, now: number, n: number): void {
  if (!(n > 0)) return;
  addBucket(series.minutes, Math.floor(now / MINUTE_MS), n, MINUTE_BUCKETS);
  addBucket(series.hours, Math.floor(now / HOUR_MS), n, HOUR_BUCKETS);
}

function addBucket(pairs: number[], bucket: number, n: number, keep: number): void {
  const last = pairs.length - 2;
  if (last >= 0 && pairs[last] === bucket) {
    pairs[last + 1] = (pairs[last + 1] as number) + n;
  } else if (last < 0 || (pairs[last] as number) < bucket) {
    pairs.push(bucket, n);
  } else {
    // The hub clock went backwards: find the bucket (or its place) to keep the order.
    let i = 0;
    while (i < pairs.length && (pairs[i] as number) < bucket) i += 2;
    if (pairs[i] === bucket) pairs[i + 1] = (pairs[i + 1] as number) + n;
    else pairs.splice(i, 0, bucket, n);
  }
  dropBefore(pairs, bucket - keep + 1);
}

/** Removes pairs whose bucket is below `first`. */
function dropBefore(pairs: number[], first: number): void {
  let i = 0;
  while (i < pairs.length && (pairs[i] as number) < first) i += 2;
  if (i > 0) pairs.splice(0, i);
}

/**
 * Drops buckets outside the windows at `now`; returns null when nothing is left (an idle group holds
 * no series), else the same object.
 */
export function pruneSeries(series: SeriesData | null, now: number): SeriesData | null {
  if (series === null) return null;
  dropBefore(series.minutes, Math.floor(now / MINUTE_MS) - MINUTE_BUCKETS + 1);
  dropBefore(series.hours, Math.floor(now / HOUR_MS) - HOUR_BUCKETS + 1);
  return series.minutes.length === 0 && series.hours.length === 0 ? null : series;
}

/**
 * Dense counts of the last `buckets` minutes (or hours) ending with the bucket holding `now`.
 * Example: minuteWindow(s, now, 60) -> 60 values, the last one the current (partial) minute.
 */
export function minuteWindow(series: SeriesData | null, now: number, buckets = MINUTE_BUCKETS): Window {
  return window(series?.minutes, MINUTE_MS, now, buckets);
}

export function hourWindow(series: SeriesData | null, now: number, buckets = HOUR_BUCKETS): Window {
  return window(series?.hours, HOUR_MS, now, buckets);
}

function window(pairs: readonly number[] | undefined, stepMs: number, now: number, buckets: number): Window {
  const last = Math.floor(now / stepMs);
  const first = last - buckets + 1;
  const values = new Array<number>(buckets).fill(0);
  if (pairs !== undefined) {
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const b = pairs[i] as number;
      if (b >= first && b <= last) values[b - first] = pairs[i + 1] as number;
    }
  }
  return { start: first * stepMs, stepMs, values };
}

/** Non-empty buckets held (a memory figure). */
export function bucketsHeld(series: SeriesData | null): number {
  return series === null ? 0 : (series.minutes.length + series.hours.length) / 2;
}
