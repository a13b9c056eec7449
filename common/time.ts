/**
 * Time helpers shared by agent and hub. Everything internal is milliseconds since the Unix epoch;
 * 0 means "unknown". Pure functions: the caller passes `now` in.
 */

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

const DURATION_RE = /^(?:(\d+)(ms|s|m|h|d|w|y))+$/;
const DURATION_PART_RE = /(\d+)(ms|s|m|h|d|w|y)/g;

/**
 * Parses a Go/Prometheus style duration into milliseconds, or returns undefined when invalid.
 * Example: parseDuration('1m30s') === 90_000; parseDuration('10') === undefined.
 */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  if (!DURATION_RE.test(text)) return undefined;
  let total = 0;
  for (const match of text.matchAll(DURATION_PART_RE)) {
    total += Number(match[1]) * (DURATION_UNITS[match[2] as string] as number);
  }
  return Number.isSafeInteger(total) ? total : undefined;
}

/** Formats milliseconds back into the shortest Go-style duration: 90_000 -> '1m30s'. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.join('');
}

/** The largest time a JavaScript Date can hold (ms), year 275760. */
export const MAX_DATE_MS = 8.64e15;

/**
 * RFC 3339 date-time with any fraction precision. The offset may lack its colon (`+0100`) or be missing
 * altogether, as naive Python `isoformat()` prints it; a missing offset means UTC, never local time.
 */
const RFC3339_RE = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?([Zz]|[+-]\d{2}:?\d{2})?$/;

/** Year 1 in Go's zero time, which Periskop prints for a missing `created_at`. */
export const GO_ZERO_TIME_SECONDS = -62135596800;

/**
 * Reads a timestamp from untrusted input: RFC 3339 with any fraction precision and offset, or a number
 * of seconds (ms when it is too large to be seconds). Returns ms since the epoch, 0 when missing,
 * unparseable, outside the range of dates or Go's zero time.
 * Example: parseTimestamp('2021-09-03T13:58:15.932289427Z') === 1630677495932.
 */
export function parseTimestamp(value: unknown): number {
  let ms: number;
  if (typeof value === 'string') {
    const m = value.length <= 64 ? RFC3339_RE.exec(value) : null;
    if (m === null) return 0;
    ms = Date.parse(m[1] === undefined ? `${value}Z` : value);
  } else if (typeof value === 'number') {
    ms = Math.abs(value) < 1e11 ? value * 1000 : value;
  } else {
    return 0;
  }
  if (!Number.isFinite(ms) || ms <= 0 || ms > MAX_DATE_MS) return 0;
  return Math.floor(ms);
}

/** Milliseconds to whole Unix seconds (floored), as Periskop's API prints them; 0 stays 0. */
export function toUnixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
