import type { Series } from '../../../common/api/v1.js';
import { MAX_DATE_MS } from '../../../common/time.js';
import type { Window } from '../../state/series.js';

/** ms since the epoch as ISO 8601, null when unknown (0) or outside the range of dates. */
export function iso(ms: number | undefined | null): string | null {
  if (ms === undefined || ms === null || !(ms > 0) || ms > MAX_DATE_MS) return null;
  return new Date(ms).toISOString();
}

/** A series window as v1 shows it. */
export function toSeries(w: Window): Series {
  return { start: iso(w.start) ?? new Date(0).toISOString(), step_ms: w.stepMs, values: w.values };
}
