import { LRUCache } from 'lru-cache';
import type { Severity } from '../../common/severity.js';
import type { AgentGroup } from './group.js';

export interface GroupStoreOptions {
  /** Groups held; past it the least recently active one is evicted. */
  readonly maxGroups: number;
  /** Tombstones (key -> count) of evicted groups held; past it the oldest is forgotten. */
  readonly maxTombstones: number;
  /** A group was evicted (its count went into a tombstone); the shipper stops tracking it. */
  readonly onEvict?: (group: AgentGroup) => void;
}

/**
 * The groups of one service, capped (DESIGN section 8: memory bounded whatever the targets send).
 * Groups are kept in least-recently-active order (an observation that mentions a key, an ingested
 * occurrence, a restore); past `maxGroups` the least recently active group is evicted.
 *
 * The agent's lineage count must never go backwards (hubs merge lineages with max()), so an evicted
 * group leaves a tombstone, key -> count, and a group that comes back starts from its tombstone's
 * count, not from 0. Tombstones are small (a key and a number) and capped at `maxTombstones`
 * (oldest forgotten first). Residual risk, when a key comes back after its tombstone was also
 * forgotten: it restarts from 0 in this lineage, and hubs show max(old, new) for it until the new
 * count passes the old one, i.e. they undercount it by up to its old count. Both evictions are
 * counted (`evictedGroups`, `evictedTombstones`) and exposed as metrics.
 *
 * Owned by the aggregator (one per service); lives as long as the aggregator.
 */
export class GroupStore {
  readonly #groups: LRUCache<string, AgentGroup>;
  readonly #tombstones: LRUCache<string, number>;
  #evictedGroups = 0;
  #evictedTombstones = 0;
  #restored = 0;

  constructor(readonly service: string, options: GroupStoreOptions) {
    // maxSize with a size of 1 per entry caps the count without lru-cache preallocating `max` slots,
    // so an idle service costs nothing however high the cap.
    this.#tombstones = new LRUCache<string, number>({
      maxSize: options.maxTombstones,
      sizeCalculation: () => 1,
      dispose: (_count, _key, reason) => {
        if (reason === 'evict') this.#evictedTombstones++;
      },
    });
    this.#groups = new LRUCache<string, AgentGroup>({
      maxSize: options.maxGroups,
      sizeCalculation: () => 1,
      dispose: (group, key, reason) => {
        if (reason !== 'evict') return;
        this.#evictedGroups++;
        if (group.count > 0) this.#tombstones.set(key, group.count);
        options.onEvict?.(group);
      },
    });
  }

  /** The group of `key`, marking it active. */
  get(key: string): AgentGroup | undefined {
    return this.#groups.get(key);
  }

  /** The group of `key`, without marking it active (reads for tests, metrics, the API). */
  peek(key: string): AgentGroup | undefined {
    return this.#groups.peek(key);
  }

  /**
   * A new group for `key`, counting from its tombstone when it was evicted before (the tombstone is
   * then dropped). May evict the least recently active group.
   * Example: "k" evicted at count 12, comes back: the new group starts at 12.
   */
  create(key: string, severity: Severity): AgentGroup {
    const restored = this.#tombstones.get(key);
    if (restored !== undefined) {
      this.#tombstones.delete(key);
      this.#restored++;
    }
    const group: AgentGroup = { service: this.service, key, severity, createdAt: 0, lastSeen: 0, count: restored ?? 0, samples: [] };
    this.#groups.set(key, group);
    return group;
  }

  /** Puts a saved group back (state_dir); call oldest first so the order of activity survives. */
  insert(group: AgentGroup): void {
    this.#groups.set(group.key, group);
  }

  /** Puts saved tombstones back; oldest first. */
  insertTombstone(key: string, count: number): void {
    if (!this.#groups.has(key)) this.#tombstones.set(key, count);
  }

  /** Most recently active first. */
  values(): IterableIterator<AgentGroup> {
    return this.#groups.values();
  }

  /** Least recently active first (the order `insert` expects). */
  *valuesOldestFirst(): IterableIterator<AgentGroup> {
    for (const group of this.#groups.rvalues()) if (group !== undefined) yield group;
  }

  /** Oldest first. */
  *tombstonesOldestFirst(): IterableIterator<[string, number]> {
    for (const [key, count] of this.#tombstones.rentries()) if (typeof key === 'string' && typeof count === 'number') yield [key, count];
  }

  get size(): number {
    return this.#groups.size;
  }

  /** Figures for metrics and tests. */
  stats(): { groups: number; tombstones: number; evictedGroups: number; evictedTombstones: number; restored: number } {
    return {
      groups: this.#groups.size,
      tombstones: this.#tombstones.size,
      evictedGroups: this.#evictedGroups,
      evictedTombstones: this.#evictedTombstones,
      restored: this.#restored,
    };
  }
}
