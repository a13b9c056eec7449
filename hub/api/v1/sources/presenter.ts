import type { SourceView } from '../../../../common/api/v1.js';
import type { Source } from '../../../state/sources.js';
import { iso } from '../present.js';

/** A federation source as v1 shows it; `lag_ms` is the time since its last message. */
export function toSourceView(s: Source, now: number): SourceView {
  let up = 0;
  let down = 0;
  for (const t of s.targets.values()) {
    if (t.up) up++;
    else down++;
  }
  return {
    name: s.name,
    kind: s.kind,
    connected: s.connected,
    labels: s.labels,
    epoch: s.lastEpoch,
    last_seq: s.ackedSeqs.get(s.lastEpoch) ?? null,
    connected_at: iso(s.connectedAt),
    last_message_at: iso(s.lastMessageAt),
    lag_ms: s.lastMessageAt > 0 ? Math.max(0, now - s.lastMessageAt) : null,
    targets_up: up,
    targets_down: down,
    messages: s.messagesIn,
    bytes: s.bytesIn,
    connections: s.connections,
    anomalies: s.anomalies,
    path: s.path,
    version: s.version,
  };
}
