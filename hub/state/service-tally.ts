import type { Severity } from '../../common/severity.js';
import type { HubGroup } from './group.js';

/**
 * A service's figures kept up to date as its groups change, so listing services costs O(services),
 * not O(groups): every change of a group's total, severity or resolution is bracketed by
 * `remove(group)` before and `add(group)` after (HubState does it). `lastSeen` is a running maximum.
 */
export class ServiceTally {
  groups = 0;
  open = 0;
  regressed = 0;
  resolved = 0;
  total = 0;
  lastSeen = 0;
  /** Occurrences and groups of open groups, by severity. */
  readonly counts: Record<Severity, number> = { info: 0, warning: 0, error: 0 };
  readonly groupsBySeverity: Record<Severity, number> = { info: 0, warning: 0, error: 0 };

  add(g: HubGroup): void {
    this.apply(g, 1);
    if (g.lastSeen > this.lastSeen) this.lastSeen = g.lastSeen;
  }

  remove(g: HubGroup): void {
    this.apply(g, -1);
  }

  private apply(g: HubGroup, sign: 1 | -1): void {
    this.groups += sign;
    this.total += sign * g.total;
    if (g.resolution !== null) {
      this.resolved += sign;
      return;
    }
    this.open += sign;
    if (g.regressedAt > 0) this.regressed += sign;
    this.counts[g.severity] += sign * g.total;
    this.groupsBySeverity[g.severity] += sign;
  }
}
