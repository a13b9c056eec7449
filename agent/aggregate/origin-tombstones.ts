import type { SavedOriginTombstone } from './aggregator-state.js';

/** Why an origin tombstone was dropped before its origin came back. */
export type OriginTombstoneEviction = 'limit' | 'age';

export interface OriginTombstoneOptions {
  /** Tombstones held in all, over every service; past it the oldest is dropped. */
  readonly maxTombstones: number;
  /** Keys held in all the tombstones (each about 16 bytes); past it the oldest are dropped. */
  readonly maxKeys: number;
  /** A tombstone older than this is dropped. */
  readonly ttlMs: number;
}

export const ORIGIN_TOMBSTONE_DEFAULTS = { maxTombstones: 10_000, maxKeys: 500_000, ttlMs: 7 * 24 * 3_600_000 } as const;

/**
 * One forgotten origin's last counts, compact: the keys (the groups' own strings) and their counts in
 * two plain arrays (V8 keeps small integers unboxed): about 300 bytes plus 16 a key, 1 KiB for 50 keys
 * (`node --expose-gc dist/bench/agent/tombstone-memory.js`).
 */
interface Tombstone {
  readonly service: string;
  readonly id: string;
  readonly forgottenAt: number;
  readonly keys: readonly string[];
  readonly counts: readonly number[];
}

export interface OriginTombstoneStats {
  readonly tombstones: number;
  readonly keys: number;
  readonly resumed: number;
  readonly evicted: Readonly<Record<OriginTombstoneEviction, number>>;
}

/**
 * The last counts of origins the agent forgot (gone from discovery, or silent for `origin_ttl`), so
 * that one coming back with the same identity resumes where it was instead of being counted again in
 * full: last 863, forgotten, back with 900: counts 37. Bounded by count and age, oldest dropped first.
 * Owned by the aggregator; saved to state_dir with it.
 */
export class OriginTombstones {
  /** By service and origin id, oldest first (a Map keeps insertion order). */
  private readonly held = new Map<string, Tombstone>();
  private readonly evictions: Record<OriginTombstoneEviction, number> = { limit: 0, age: 0 };
  private heldKeys = 0;
  private resumed = 0;

  constructor(private readonly options: OriginTombstoneOptions = ORIGIN_TOMBSTONE_DEFAULTS) {}

  /** Keeps a forgotten origin's last counts (an empty origin leaves nothing). */
  keep(service: string, id: string, last: ReadonlyMap<string, number>, now: number): void {
    this.remove(tombstoneKey(service, id));
    if (last.size === 0) return;
    // Sized once: arrays grown by push or spread keep up to half as much again in slack.
    const keys = new Array<string>(last.size);
    const counts = new Array<number>(last.size);
    let i = 0;
    for (const [k, c] of last) {
      keys[i] = k;
      counts[i++] = c;
    }
    this.held.set(tombstoneKey(service, id), { service, id, forgottenAt: now, keys, counts });
    this.heldKeys += keys.length;
    this.expire(now);
    while (this.held.size > this.options.maxTombstones || this.heldKeys > this.options.maxKeys) this.dropOldest('limit');
  }

  /** Takes back a returning origin's last counts, or undefined when none is held (or it is too old). */
  take(service: string, id: string, now: number): Map<string, number> | undefined {
    const key = tombstoneKey(service, id);
    const t = this.held.get(key);
    if (t === undefined) return undefined;
    this.remove(key);
    if (now - t.forgottenAt > this.options.ttlMs) {
      this.evictions.age++;
      return undefined;
    }
    this.resumed++;
    const last = new Map<string, number>();
    t.keys.forEach((k, i) => last.set(k, t.counts[i]!));
    return last;
  }

  /** Drops tombstones older than the ttl; returns how many. */
  expire(now: number): number {
    let dropped = 0;
    for (const t of this.held.values()) {
      if (now - t.forgottenAt <= this.options.ttlMs) break;
      this.dropOldest('age');
      dropped++;
    }
    return dropped;
  }

  /** Figures for /metrics: tombstones and keys held; since start, origins resumed and tombstones evicted by reason. */
  stats(): OriginTombstoneStats {
    return { tombstones: this.held.size, keys: this.heldKeys, resumed: this.resumed, evicted: { ...this.evictions } };
  }

  /** Oldest first, for state_dir. */
  export(): SavedOriginTombstone[] {
    return [...this.held.values()].map((t) => ({
      service: t.service, id: t.id, forgottenAt: t.forgottenAt, last: t.keys.map((k, i): [string, number] => [k, t.counts[i]!]),
    }));
  }

  /** Loads saved tombstones, oldest first; `key` maps a saved key onto the group's own string. */
  import(saved: readonly SavedOriginTombstone[], now: number, key: (service: string, k: string) => string = (_s, k) => k): void {
    for (const t of saved) this.keep(t.service, t.id, new Map(t.last.map(([k, c]) => [key(t.service, k), c])), t.forgottenAt);
    this.expire(now);
  }

  private dropOldest(reason: OriginTombstoneEviction): void {
    const first = this.held.keys().next();
    if (first.done === true) return;
    this.remove(first.value);
    this.evictions[reason]++;
  }

  private remove(key: string): void {
    const t = this.held.get(key);
    if (t === undefined) return;
    this.held.delete(key);
    this.heldKeys -= t.keys.length;
  }
}

function tombstoneKey(service: string, id: string): string {
  return `${service}\u0000${id}`;
}
