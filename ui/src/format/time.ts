/** Milliseconds of an ISO time, or null when missing or unparseable. */
export function parseTime(iso: string | null | undefined): number | null {
  if (iso === null || iso === undefined || iso === '') return null;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : null;
}

/** How often the page's clock for relative times is refreshed (NowProvider). */
export const NOW_REFRESH_MS = 10_000;

/**
 * How far past the page's clock a time may be and still read "just now": the page's clock lags the
 * real one by up to NOW_REFRESH_MS between refreshes, and a hub's clock may be a few seconds ahead of
 * a browser's (NTP keeps them within that). Further ahead is a real future time: a skewed clock.
 */
export const FUTURE_TOLERANCE_MS = NOW_REFRESH_MS + 20_000;

/** A relative time: its text, and whether it is a real future time (a skewed clock) to mark. */
export interface Relative {
  readonly text: string;
  readonly future: boolean;
}

const span = (abs: number): string =>
  abs < 60_000 ? `${Math.floor(abs / 1000)}s` : abs < 3_600_000 ? `${Math.floor(abs / 60_000)}m` : abs < 86_400_000 ? `${Math.floor(abs / 3_600_000)}h` : `${Math.floor(abs / 86_400_000)}d`;

/**
 * "just now" from 5s ago to FUTURE_TOLERANCE_MS past `now` (a time just past the page's clock is a
 * live update, not the future), then "12s ago", "5m ago", "3h ago", "4d ago"; beyond the tolerance
 * "in 2m", with `future` set so the UI marks it. "never" when unknown.
 * Example: describeRelative(60_000, 180_000) gives { text: '2m ago', future: false }.
 */
export function describeRelative(ms: number | null, now: number, toleranceMs = FUTURE_TOLERANCE_MS): Relative {
  if (ms === null || !Number.isFinite(ms) || !Number.isFinite(now)) return { text: 'never', future: false };
  const diff = now - ms;
  if (diff < -toleranceMs) return { text: `in ${span(-diff)}`, future: true };
  if (diff < 5_000) return { text: 'just now', future: false };
  return { text: `${span(diff)} ago`, future: false };
}

/** The text of describeRelative. Example: relativeTime(60_000, 180_000) === '2m ago'. */
export function relativeTime(ms: number | null, now: number): string {
  return describeRelative(ms, now).text;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** Local wall-clock time, `YYYY-MM-DD HH:MM:SS`; '—' when unknown. */
export function localTime(ms: number | null): string {
  if (ms === null) return '—';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A duration: "850 ms", "3.2 s", "4.0 min", "2.5 h"; '—' when unknown. */
export function duration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}
