import { LRUCache } from 'lru-cache';
import type { ErrorDetail, HttpContext, Occurrence } from '../../common/occurrence.js';

export interface InternerOptions {
  /** Distinct strings kept. */
  readonly maxEntries: number;
  /** Total characters kept. */
  readonly maxChars: number;
}

export const INTERNER_DEFAULTS: InternerOptions = { maxEntries: 200_000, maxChars: 64 * 1024 * 1024 };

/**
 * One copy of each repeated string of the samples an agent holds (DESIGN section 3: identical stack
 * traces and messages stored once): classes, messages, stack lines, HTTP methods and URLs. Every
 * target of a service sends the same stack traces; without this each sample would hold its own copy.
 *
 * The first copy seen is the one kept (strings from JSON.parse and from `truncate` share no memory
 * with a larger text). Bounded: least recently used strings are dropped past `maxEntries` or `maxChars`; a dropped string
 * still lives in the samples that use it, later copies are simply not shared with it.
 * Owned by the aggregator; lives as long as it.
 */
export class Interner {
  readonly #table: LRUCache<string, string>;
  readonly #maxEntries: number;
  #hits = 0;

  constructor(options: InternerOptions = INTERNER_DEFAULTS) {
    this.#table = new LRUCache<string, string>({
      max: 0,
      maxSize: options.maxChars,
      sizeCalculation: (s) => Math.max(1, s.length),
      maxEntrySize: options.maxChars,
    });
    this.#maxEntries = options.maxEntries;
  }

  /** The shared copy of `s`. */
  string(s: string): string {
    if (s.length === 0) return '';
    const held = this.#table.get(s);
    if (held !== undefined) {
      this.#hits++;
      return held;
    }
    if (this.#table.size >= this.#maxEntries) this.#table.pop();
    this.#table.set(s, s);
    return s;
  }

  /** `o` with every string replaced by its shared copy (a new object; `o` is not changed). */
  occurrence(o: Occurrence): Occurrence {
    return { ...o, chain: o.chain.map((d) => this.#detail(d)), http: o.http === null ? null : this.#http(o.http) };
  }

  #detail(d: ErrorDetail): ErrorDetail {
    return {
      class: this.string(d.class),
      message: this.string(d.message),
      stacktrace: d.stacktrace === null ? null : d.stacktrace.map((line) => this.string(line)),
    };
  }

  #http(h: HttpContext): HttpContext {
    return { ...h, method: this.string(h.method), url: this.string(h.url) };
  }

  /** Figures for metrics and tests. */
  stats(): { entries: number; chars: number; hits: number } {
    return { entries: this.#table.size, chars: this.#table.calculatedSize, hits: this.#hits };
  }
}
