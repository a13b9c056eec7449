import type { Severity } from '../severity.js';

/**
 * Earliest first-seen over origins, ignoring unknown (0) values.
 * Example: minCreatedAt(0, 50) === 50; minCreatedAt(40, 50) === 40.
 */
export function minCreatedAt(held: number, incoming: number): number {
  if (held <= 0) return incoming > 0 ? incoming : 0;
  if (incoming <= 0) return held;
  return Math.min(held, incoming);
}

/**
 * A group's severity follows its newest activity: the incoming severity wins when the incoming
 * last_seen is at least as new as the held one.
 * Example: held ('error', seen 10), incoming ('warning', seen 12) -> 'warning'.
 */
export function newerSeverity(held: Severity, heldLastSeen: number, incoming: Severity, incomingLastSeen: number): Severity {
  return incomingLastSeen >= heldLastSeen ? incoming : held;
}
