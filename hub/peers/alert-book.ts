import type { AlertRecord } from '../../common/federation/peer-messages.js';
import type { ChangeSeq } from './user-register.js';

export interface HeldAlert {
  readonly record: AlertRecord;
  readonly seq: number;
  readonly changedAt: number;
}

/**
 * The replicated alert log as peer links send it: the latest record of each alert this hub fired,
 * absorbed, or saw a delivery of, numbered on the seq it shares with the user register. Bounded
 * like the notifier's history (the oldest alert goes first). Owned by the peering.
 */
export class AlertBook {
  private readonly records = new Map<string, HeldAlert>();

  constructor(
    private readonly seq: ChangeSeq,
    private readonly limit = 1_000,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.records.size;
  }

  /** Records a changed alert (the notifier's view after the change); false when nothing differs. */
  put(record: AlertRecord): boolean {
    const held = this.records.get(record.id);
    if (held !== undefined && JSON.stringify(held.record) === JSON.stringify(record)) return false;
    this.records.delete(record.id);
    this.records.set(record.id, { record, seq: this.seq.next(), changedAt: this.now() });
    if (this.records.size > this.limit) this.records.delete(this.records.keys().next().value as string);
    return true;
  }

  /** Records changed after `seq`, oldest change first (the map is kept in change order), at most `limit`. */
  since(seq: number, limit: number): HeldAlert[] {
    const out: HeldAlert[] = [];
    if (seq >= this.seq.value) return out;
    for (const held of this.records.values()) {
      if (held.seq > seq) out.push(held);
      if (out.length >= limit) break;
    }
    return out;
  }
}
