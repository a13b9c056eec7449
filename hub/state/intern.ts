import { LRUCache } from 'lru-cache';
import type { ErrorDetail, Occurrence } from '../../common/occurrence.js';

/**
 * Identical stack traces, classes and messages stored once (DESIGN section 3): a bounded table of
 * canonical copies, least recently used first out. A string evicted from the table stays alive as long
 * as a sample holds it; it just stops being shared with later samples. The table's own bytes are
 * bounded by `maxBytes`. Owned by the hub's SampleStore; lives as long as the process.
 */
export class InternTable {
  private readonly strings: LRUCache<string, string>;
  private readonly stacks: LRUCache<string, readonly string[]>;
  hits = 0;

  constructor(maxBytes: number) {
    const half = Math.max(1024, Math.floor(maxBytes / 2));
    this.strings = new LRUCache<string, string>({ maxSize: half, sizeCalculation: (v) => 48 + v.length });
    this.stacks = new LRUCache<string, readonly string[]>({ maxSize: half });
  }

  /** The canonical copy of `s` (short strings are not worth a table entry). */
  string(s: string): string {
    if (s.length < 16) return s;
    const held = this.strings.get(s);
    if (held !== undefined) {
      this.hits++;
      return held;
    }
    this.strings.set(s, s);
    return s;
  }

  /**
   * The canonical copy of a stack trace. Looked up by a cheap fingerprint (line count, first and last
   * line, total length) instead of the joined text, then compared line by line; a different trace
   * with the same fingerprint takes the slot.
   */
  stack(lines: readonly string[] | null): readonly string[] | null {
    if (lines === null || lines.length === 0) return lines;
    let chars = 0;
    for (const l of lines) chars += l.length;
    const key = `${lines.length}:${chars}:${lines[0] ?? ''}\u0000${lines[lines.length - 1] ?? ''}`;
    const held = this.stacks.get(key);
    if (held !== undefined && sameLines(held, lines)) {
      this.hits++;
      return held;
    }
    const canonical = Object.freeze(lines.map((l) => this.string(l)));
    this.stacks.set(key, canonical, { size: 64 + key.length + chars + lines.length * 32 });
    return canonical;
  }

  /** A copy of `o` whose class, message and stack trace are canonical copies. */
  occurrence(o: Occurrence): Occurrence {
    const chain: ErrorDetail[] = o.chain.map((d) => ({
      class: this.string(d.class),
      message: this.string(d.message),
      stacktrace: this.stack(d.stacktrace) as string[] | null,
    }));
    return { uuid: o.uuid, timestamp: o.timestamp, severity: o.severity, chain, http: o.http };
  }

  get entries(): number {
    return this.strings.size + this.stacks.size;
  }

  get bytes(): number {
    return this.strings.calculatedSize + this.stacks.calculatedSize;
  }
}

/** Fingerprints collide; compare for real. */
function sameLines(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
