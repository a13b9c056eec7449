import type { Intake } from '../../common/federation/intake.js';
import type { WireSourceStatus, WireTarget } from '../../common/federation/messages.js';

/**
 * A federation source (agent or child hub) as this hub knows it, connected or not. Owned by
 * HubState; `ackedSeqs` and `lastEpoch` are persisted (they answer the next hello).
 */
export interface Source {
  readonly name: string;
  kind: 'agent' | 'hub';
  labels: Record<string, string>;
  /** The epoch of the latest hello under this name. */
  lastEpoch: string;
  /** Last merged seq per epoch. */
  readonly ackedSeqs: Map<string, number>;
  connected: boolean;
  connectedAt: number;
  lastMessageAt: number;
  /** Hub ids the source's data crossed (from its hello). */
  path: string[];
  version: string;
  messagesIn: number;
  bytesIn: number;
  connections: number;
  /** Targets this source reports (its own, or its sources' for a child hub), by agent/service/url. */
  readonly targets: Map<string, WireTarget>;
  /** Protocol anomalies seen (counts going down within a lineage, unknown refs). */
  anomalies: number;
  /** New groups of this source the hub's bounds refused (group-bounds.ts), since start. */
  groupsRefused: number;
  /** For a child hub: its own sources, as it last reported them. */
  children: WireSourceStatus[];
  /** An agent's push intake figures, as it last reported them (in memory only: each connection resends them). */
  intake: Intake | undefined;
}

export function newSource(name: string, kind: 'agent' | 'hub', epoch: string): Source {
  return {
    name, kind, labels: {}, lastEpoch: epoch, ackedSeqs: new Map(), connected: false, connectedAt: 0, lastMessageAt: 0,
    path: [], version: '', messagesIn: 0, bytesIn: 0, connections: 0, targets: new Map(), anomalies: 0, groupsRefused: 0, children: [], intake: undefined,
  };
}

export const targetId = (t: { agent: string; service: string; url: string }): string => `${t.agent}\u0000${t.service}\u0000${t.url}`;
