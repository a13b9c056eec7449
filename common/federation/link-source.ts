import type { Occurrence } from '../occurrence.js';
import type { Intake } from './intake.js';
import type { LineageDef, WireGroup, WireSourceStatus, WireTarget } from './messages.js';

/** A group as a source hands it to its link: the wire group with plain samples (the link encodes them). */
export type SourceGroup = Omit<WireGroup, 'samples'> & { samples: readonly Occurrence[] };

/**
 * What a federation link ships from: the agent's aggregator, or a hub's state when it streams to a
 * parent. The link keeps the protocol (seq, acks, dirty set, reconnects); the source only turns its
 * own group objects into wire groups. `G` is the source's group object, used by identity.
 */
export interface LinkSource<G extends object> {
  /** Every group, for a sync. */
  allGroups(): Iterable<G>;
  /** Every target's current health, for a sync. */
  allTargets(): WireTarget[];
  /** A hub's sources, forwarded to its parent (agents have none). */
  sourcesStatus?(): WireSourceStatus[];
  /** An agent's push intake figures, current (undefined: none runs; hubs have none). */
  intake?(): Intake | undefined;
  /** The counter that marks samples as they arrive; samples with a mark above a link's are new. */
  currentSampleMark(): number;
  /** A per-connection encoder (connection-local lineage refs start afresh on each connection). */
  openConnection(): LinkConnection<G>;
}

/** Lives for one WebSocket connection. */
export interface LinkConnection<G extends object> {
  /** The group as it goes on the wire, with samples whose mark is above `sinceMark` (-1: all). */
  toWire(group: G, sinceMark: number): { service: string; group: SourceGroup };
  /** Lineage definitions used by `toWire` and not yet sent on this connection (none: undefined). */
  pendingLineageDefs(): LineageDef[] | undefined;
  /** The pending definitions went out in a message: never send them again on this connection. */
  commitLineageDefs(): void;
  /** The message that would have carried the pending definitions was not sent (it was split). */
  rollbackLineageDefs(): void;
}
