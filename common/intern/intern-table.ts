import { LRUCache } from 'lru-cache';
import type { ErrorDetail, HttpContext, Occurrence } from '../occurrence.js';

/**
 * The bounds and the reach of an InternTable: one literal per owner (the agent's samples, the
 * agent's aggregation keys, the hub's samples). Owned by whoever builds the table.
 */
export interface InternTableOptions {
  /** Distinct strings held; past it the least recently used one goes. */
  readonly maxEntries: number;
  /**
   * Approximate bytes the table holds: a string costs its length plus STRING_ENTRY_BYTES, a shared
   * stack trace its characters plus the line references. With `stacks`, half of it is for strings and
   * half for stack traces.
   */
  readonly maxBytes: number;
  /** Shorter strings are returned as given: not worth an entry (1: every non-empty string). */
  readonly minLength: number;
  /**
   * Whether a stack trace is shared whole: one frozen array for every sample holding the same trace.
   * Without, a trace is a new array of shared lines.
   */
  readonly stacks: boolean;
}

/** Approximate bytes a held string costs besides its characters (the table's entry and the string's header). */
export const STRING_ENTRY_BYTES = 48;

/** What an InternTable holds, for metrics and tests. */
export interface InternTableStats {
  /** Strings plus shared stack traces held. */
  readonly entries: number;
  /** Characters of the strings held. */
  readonly chars: number;
  /** Approximate bytes held, at most `maxBytes`. */
  readonly bytes: number;
  /** Look-ups answered with a held copy, since the table was built. */
  readonly hits: number;
}

/**
 * One copy of each repeated string of the samples a process holds (DESIGN section 3: identical stack
 * traces, classes and messages stored once): every target of a service sends the same stack traces,
 * and without this each sample would hold its own copy. The first copy seen is the one kept (strings
 * from JSON.parse and from `truncate` share no memory with a larger text).
 *
 * Bounded: least recently used entries go past `maxEntries` or `maxBytes`. A dropped string or trace
 * still lives in the samples that hold it; later copies are simply not shared with it. Used by the
 * agent's aggregator and scrape pool and by the hub's sample store, each with a table of its own that
 * lives as long as its owner.
 */
export class InternTable {
  readonly #minLength: number;
  readonly #maxEntries: number;
  readonly #strings: LRUCache<string, string>;
  /** By fingerprint (see `stack`); absent without `options.stacks`. */
  readonly #stacks: LRUCache<string, readonly string[]> | undefined;
  #hits = 0;

  constructor(options: InternTableOptions) {
    if (!(options.maxEntries >= 1) || !(options.minLength >= 1) || !Number.isInteger(options.maxBytes) || options.maxBytes < (options.stacks ? 2 : 1)) {
      throw new RangeError(`InternTable: maxEntries and minLength must be at least 1, maxBytes a positive integer (2 with stacks), got ${JSON.stringify(options)}`);
    }
    this.#minLength = options.minLength;
    this.#maxEntries = options.maxEntries;
    const share = options.stacks ? Math.floor(options.maxBytes / 2) : options.maxBytes;
    // `max` is left 0 (entries counted by hand): lru-cache allocates `max` slots up front.
    this.#strings = new LRUCache<string, string>({ max: 0, maxSize: share, sizeCalculation: (s) => STRING_ENTRY_BYTES + s.length });
    this.#stacks = options.stacks ? new LRUCache<string, readonly string[]>({ max: 0, maxSize: share }) : undefined;
  }

  /** The shared copy of `s`. */
  string(s: string): string {
    if (s.length < this.#minLength) return s;
    const held = this.#strings.get(s);
    if (held !== undefined) {
      this.#hits++;
      return held;
    }
    if (this.#strings.size >= this.#maxEntries) this.#strings.pop();
    this.#strings.set(s, s);
    return s;
  }

  /**
   * The shared form of a stack trace. With `stacks`, the one frozen array of that trace: looked up by
   * a cheap fingerprint (line count, total length, first and last line) instead of the joined text,
   * then compared line by line; a different trace with the same fingerprint takes the slot.
   */
  stack(lines: readonly string[] | null): readonly string[] | null {
    if (lines === null) return null;
    if (this.#stacks === undefined) return lines.map((l) => this.string(l));
    if (lines.length === 0) return lines;
    let chars = 0;
    for (const l of lines) chars += l.length;
    const key = `${lines.length}:${chars}:${lines[0] ?? ''}\u0000${lines[lines.length - 1] ?? ''}`;
    const held = this.#stacks.get(key);
    if (held !== undefined && sameLines(held, lines)) {
      this.#hits++;
      return held;
    }
    const shared = Object.freeze(lines.map((l) => this.string(l)));
    this.#stacks.set(key, shared, { size: 64 + key.length + chars + lines.length * 32 });
    return shared;
  }

  /**
   * A copy of `o` whose classes, messages, stack traces and HTTP method and URL are the shared
   * copies; equal to `o`, which is not changed.
   */
  occurrence(o: Occurrence): Occurrence {
    return {
      uuid: o.uuid,
      timestamp: o.timestamp,
      severity: o.severity,
      chain: o.chain.map((d) => this.#detail(d)),
      http: o.http === null ? null : this.#http(o.http),
    };
  }

  #detail(d: ErrorDetail): ErrorDetail {
    // A shared trace is frozen: samples never change their traces.
    return { class: this.string(d.class), message: this.string(d.message), stacktrace: this.stack(d.stacktrace) as string[] | null };
  }

  #http(h: HttpContext): HttpContext {
    return { method: this.string(h.method), url: this.string(h.url), headers: h.headers, body: h.body };
  }

  /** Look-ups answered with a held copy, since the table was built. */
  get hits(): number {
    return this.#hits;
  }

  stats(): InternTableStats {
    const strings = this.#strings.size;
    const stringBytes = this.#strings.calculatedSize;
    return {
      entries: strings + (this.#stacks?.size ?? 0),
      chars: stringBytes - strings * STRING_ENTRY_BYTES,
      bytes: stringBytes + (this.#stacks?.calculatedSize ?? 0),
      hits: this.#hits,
    };
  }
}

/** Fingerprints collide; compare for real. */
function sameLines(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
