import { FederationError } from '../../common/federation/errors.js';
import type { Delta, Sync } from '../../common/federation/messages.js';

/**
 * Lineages known to this hub (DESIGN section 4): one per (agent name, agent epoch). Each gets a small
 * integer id used as the key of every group's per-lineage counts. Lineages are never forgotten:
 * their counts stay in the totals. Owned by HubState; persisted in the snapshot.
 */
export interface Lineage {
  readonly id: number;
  readonly name: string;
  readonly epoch: string;
  labels: Record<string, string>;
  /** Sources it came through below this hub, nearest last; empty when the agent is connected directly. */
  via: string[];
}

export class LineageRegistry {
  private readonly byKey = new Map<string, Lineage>();
  private readonly byId = new Map<number, Lineage>();
  private nextId = 1;

  /** The lineage for (name, epoch), created on first use; labels and route follow the latest news. */
  intern(name: string, epoch: string, labels: Record<string, string>, via: string[]): Lineage {
    const key = `${name}\u0000${epoch}`;
    let lineage = this.byKey.get(key);
    if (lineage === undefined) {
      lineage = { id: this.nextId++, name, epoch, labels, via };
      this.byKey.set(key, lineage);
      this.byId.set(lineage.id, lineage);
    } else {
      lineage.labels = labels;
      lineage.via = via;
    }
    return lineage;
  }

  get(id: number): Lineage | undefined {
    return this.byId.get(id);
  }

  all(): IterableIterator<Lineage> {
    return this.byId.values();
  }

  get size(): number {
    return this.byId.size;
  }

  /** Restores a lineage with its saved id (snapshot load). */
  restore(lineage: Lineage): void {
    this.byKey.set(`${lineage.name}\u0000${lineage.epoch}`, lineage);
    this.byId.set(lineage.id, lineage);
    if (lineage.id >= this.nextId) this.nextId = lineage.id + 1;
  }
}

/** Throws before anything merges when a count names a lineage ref the connection never declared. */
export function rejectUndeclaredLineages(message: Sync | Delta, lineageIds: (ref: number) => number | undefined): void {
  for (const service of message.services) {
    for (const group of service.groups) {
      for (const [ref] of group.counts) {
        if (lineageIds(ref) === undefined) {
          throw new FederationError('CN_ERR_BAD_MESSAGE', `group ${JSON.stringify(group.key)} of ${service.name} counts lineage ref ${ref}, which this connection never declared`);
        }
      }
    }
  }
}
