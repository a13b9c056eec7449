import type { Alert } from '../alert.js';
import type { HubGroup } from '../../state/group.js';

/**
 * Where one of an Alertmanager channel's alerts stands:
 * - `active`: its group is open in the same episode (not resolved since the alert fired) and occurred
 *   within the window: sent with an end a few intervals ahead;
 * - `quiet`: open, but nothing within the window: sent once with an end of now; active again when the
 *   group occurs again while still open;
 * - `over`: the group was resolved (or regressed again, a new alert) or is gone: sent once with an end
 *   of now, then forgotten.
 */
export type Phase = 'active' | 'quiet' | 'over';

/**
 * The phase of an alert, given its group now. `lastGrowth` is when the hub last saw the group grow (hub
 * clock), which counts as an occurrence along with the group's `lastSeen` (the client's clock).
 * Example: a new alert's group, unresolved, last seen 5 min ago, window 1 h: 'active'.
 */
export function phaseOf(
  alert: Pick<Alert, 'type' | 'regressedAt'>,
  group: Pick<HubGroup, 'resolution' | 'regressedAt' | 'lastSeen'> | undefined,
  lastGrowth: number,
  now: number,
  windowMs: number,
): Phase {
  if (group === undefined || group.resolution !== null) return 'over';
  if (group.regressedAt !== (alert.type === 'regressed' ? alert.regressedAt : 0)) return 'over';
  return Math.max(group.lastSeen, lastGrowth) >= now - windowMs ? 'active' : 'quiet';
}

/** How far ahead an active alert's `endsAt` is set, in re-send intervals (Prometheus uses 4). */
export const ENDS_AHEAD_INTERVALS = 4;
