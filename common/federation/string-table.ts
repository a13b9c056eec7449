import type { ErrorDetail, Occurrence } from '../occurrence.js';
import { FederationError } from './errors.js';
import type { WireOccurrence, WireStringDef } from './messages.js';

/**
 * Wire economy (DESIGN section 4): identical stack traces, messages and classes are sent once per
 * connection and referred to by number afterwards. Both ends hold one table per connection, started
 * afresh on every connection, at most `MAX_WIRE_STRINGS` entries (the sender inlines once full).
 * Short strings are always inline: a reference would not be smaller.
 */
export const MAX_WIRE_STRINGS = 65_536;
const MIN_INTERNED_CHARS = 24;

/** The sender's table: owned by one connection of a SourceLink; definitions go out with the message that first uses them. */
export class WireStringEncoder {
  private readonly ids = new Map<string, number>();
  private pending: WireStringDef[] = [];
  private pendingIds = new Map<string, number>();

  private ref(key: string, value: string | string[]): number | undefined {
    const known = this.ids.get(key) ?? this.pendingIds.get(key);
    if (known !== undefined) return known;
    const next = this.ids.size + this.pendingIds.size + 1;
    if (next > MAX_WIRE_STRINGS) return undefined;
    this.pendingIds.set(key, next);
    this.pending.push([next, value]);
    return next;
  }

  private text(value: string): string | number {
    if (value.length < MIN_INTERNED_CHARS) return value;
    return this.ref(`s${value}`, value) ?? value;
  }

  private stack(lines: string[] | null): string[] | number | null {
    if (lines === null || lines.length === 0) return lines;
    return this.ref(`a${lines.join('\n')}`, lines) ?? lines;
  }

  encode(o: Occurrence): WireOccurrence {
    return {
      uuid: o.uuid,
      timestamp: o.timestamp,
      severity: o.severity,
      chain: o.chain.map((e) => ({ class: this.text(e.class), message: this.text(e.message), stacktrace: this.stack(e.stacktrace) })),
      http: o.http,
    };
  }

  /** Definitions used since the last commit (undefined: none). */
  pendingDefinitions(): WireStringDef[] | undefined {
    return this.pending.length > 0 ? this.pending : undefined;
  }

  /** The pending definitions were sent: later messages may refer to them. */
  commit(): void {
    for (const [k, v] of this.pendingIds) this.ids.set(k, v);
    this.pendingIds = new Map();
    this.pending = [];
  }

  /** The message that would have carried the pending definitions was not sent. */
  rollback(): void {
    this.pendingIds = new Map();
    this.pending = [];
  }
}

/** The receiver's table: owned by one hub session; resolves references back into plain occurrences. */
export class WireStringDecoder {
  private readonly values = new Map<number, string | string[]>();

  define(defs: readonly WireStringDef[] | undefined): void {
    if (defs === undefined) return;
    for (const [id, value] of defs) {
      if (id > MAX_WIRE_STRINGS) throw new FederationError('CN_ERR_BAD_MESSAGE', `string reference ${id} exceeds the table size ${MAX_WIRE_STRINGS}`);
      this.values.set(id, value);
    }
  }

  private text(value: string | number): string {
    if (typeof value === 'string') return value;
    const v = this.values.get(value);
    if (typeof v !== 'string') throw new FederationError('CN_ERR_BAD_MESSAGE', `unknown string reference ${value}`);
    return v;
  }

  private stack(value: string[] | number | null): string[] | null {
    if (value === null || Array.isArray(value)) return value;
    const v = this.values.get(value);
    if (!Array.isArray(v)) throw new FederationError('CN_ERR_BAD_MESSAGE', `unknown stack trace reference ${value}`);
    return v;
  }

  decode(o: WireOccurrence): Occurrence {
    const chain: ErrorDetail[] = o.chain.map((e) => ({ class: this.text(e.class), message: this.text(e.message), stacktrace: this.stack(e.stacktrace) }));
    return { uuid: o.uuid, timestamp: o.timestamp, severity: o.severity, chain, http: o.http };
  }
}
