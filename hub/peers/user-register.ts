import type { RegisterEntry } from '../../common/federation/peer-messages.js';
import { compareStamps, type Stamp } from './hlc.js';

/** An entry with the local seq of its last change and when that change happened here. */
export interface HeldEntry {
  readonly entry: RegisterEntry;
  readonly seq: number;
  readonly changedAt: number;
}

export const stampOf = (e: RegisterEntry): Stamp => ({ wall: e.hlc[0], counter: e.hlc[1], origin: e.origin });

/** The change counter a hub's register and alert book share: one seq orders every change a peer link sends. */
export class ChangeSeq {
  value = 0;
  next(): number {
    return ++this.value;
  }
}

const idOf = (service: string, key: string) => `${service}\u0000${key}`;

/**
 * The replicated user state (docs/protocol.md, "Peers"): one last-writer-wins register per group,
 * ordered by (hybrid logical clock, origin hub). Merging is idempotent, commutative and associative,
 * so peers that saw the same writes in any order hold the same entries. Every change gets the next
 * local seq, which peer links send in order. Bounded by the number of groups ever resolved.
 * Owned by the peering; lives as long as the process.
 */
export class UserRegister {
  private readonly entries = new Map<string, HeldEntry>();
  /** Every change in seq order; superseded ones are skipped on read and dropped by compaction. */
  private changes: (HeldEntry & { readonly id: string })[] = [];

  constructor(
    private readonly now: () => number = Date.now,
    private readonly seq = new ChangeSeq(),
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The seq of the last change (0: none since start). */
  get lastSeq(): number {
    return this.seq.value;
  }

  get(service: string, key: string): RegisterEntry | undefined {
    return this.entries.get(idOf(service, key))?.entry;
  }

  /** Keeps `entry` if it is newer than the held one; true when it changed the register. */
  merge(entry: RegisterEntry): boolean {
    const id = idOf(entry.service, entry.key);
    const held = this.entries.get(id);
    if (held !== undefined && compareStamps(stampOf(entry), stampOf(held.entry)) <= 0) return false;
    const next = { entry, seq: this.seq.next(), changedAt: this.now(), id };
    this.entries.set(id, next);
    this.changes.push(next);
    if (this.changes.length > 2 * this.entries.size + 1024) this.changes = this.changes.filter((c) => this.entries.get(c.id) === c);
    return true;
  }

  /** Entries changed after `seq`, oldest change first, at most `limit`. */
  since(seq: number, limit: number): HeldEntry[] {
    const out: HeldEntry[] = [];
    if (seq >= this.seq.value) return out;
    // Binary search for the first change after `seq` (changes are in seq order).
    let lo = 0;
    let hi = this.changes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.changes[mid] as HeldEntry).seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.changes.length && out.length < limit; i++) {
      const c = this.changes[i] as HeldEntry & { id: string };
      if (this.entries.get(c.id) === c) out.push(c);
    }
    return out;
  }

  values(): IterableIterator<HeldEntry> {
    return this.entries.values();
  }
}
