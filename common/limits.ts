/**
 * Size limits applied to everything that arrives from the network (DESIGN section 8).
 * One literal defaults block; every component takes a `Limits` and never invents its own numbers.
 * Owned by whoever parses input; lives for the whole process.
 */
export interface Limits {
  /** Largest HTTP body accepted, compressed and decompressed (bytes). */
  readonly bodyBytes: number;
  /** Largest federation frame (bytes). */
  readonly frameBytes: number;
  readonly keyChars: number;
  readonly classChars: number;
  readonly messageChars: number;
  readonly stackLines: number;
  readonly stackLineChars: number;
  /** Causes kept below the top-level error. */
  readonly causeDepth: number;
  readonly headers: number;
  readonly headerChars: number;
  readonly requestBodyChars: number;
  readonly urlChars: number;
  /** Aggregates read from one payload; the rest are dropped and counted. */
  readonly aggregatesPerPayload: number;
  /** Raw samples looked at per aggregate (newest are kept anyway, the cap below is tighter). */
  readonly samplesPerAggregate: number;
  readonly uuidChars: number;
  /** Groups one federation source may bring into a hub (the excess is refused and counted). */
  readonly groupsPerSource: number;
}

export const DEFAULT_LIMITS: Limits = Object.freeze({
  bodyBytes: 16 * 1024 * 1024,
  frameBytes: 16 * 1024 * 1024,
  keyChars: 512,
  classChars: 512,
  messageChars: 8 * 1024,
  stackLines: 200,
  stackLineChars: 1024,
  causeDepth: 10,
  headers: 50,
  headerChars: 8 * 1024,
  requestBodyChars: 8 * 1024,
  urlChars: 8 * 1024,
  aggregatesPerPayload: 100_000,
  samplesPerAggregate: 100,
  uuidChars: 128,
  groupsPerSource: 250_000,
});

/** Suffix appended to any field cut at a limit, so a reader sees it is not the whole value. */
export const TRUNCATION_MARK = '…[truncated]';

/**
 * Cuts `value` to at most `max` characters, marking the cut.
 * Example: truncate('abcdef', 3) === 'abc…[truncated]'.
 * The result is a fresh copy: a plain slice would keep the whole original alive (V8 sliced strings
 * point into their parent), so an 8 KiB cut of a 16 MiB message would hold 16 MiB for as long as the
 * sample lives.
 */
export function truncate(value: string, max: number): string {
  return value.length <= max ? value : (JSON.parse(JSON.stringify(value.slice(0, max) + TRUNCATION_MARK)) as string);
}
