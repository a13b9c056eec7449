import type { HubGroup } from '../state/group.js';
import type { HubState } from '../state/hub-state.js';
import type { HubStore } from './hub-store.js';
import type { JournalRecord } from './journal.js';

/**
 * Resolve and unresolve, durable before they are acknowledged (DESIGN section 5): applied to the state,
 * then journaled and fsynced; the caller answers the user only after `await`. On a journal failure the
 * state change is rolled back and the error propagates (the user gets a 5xx, not a false 204).
 */
export class UserActions {
  constructor(
    private readonly state: HubState,
    private readonly store: HubStore,
    private readonly now: () => number = Date.now,
    /** Runs after the journal append and before the answer (the peer register, hub/peers). */
    private readonly recorded?: (r: JournalRecord) => Promise<void>,
  ) {}

  private async record(r: JournalRecord): Promise<void> {
    await this.store.record(r);
    await this.recorded?.(r);
  }

  async resolve(service: string, key: string): Promise<HubGroup> {
    const before = this.state.group(service, key);
    const previous = before ? { resolution: before.resolution, regressedAt: before.regressedAt } : undefined;
    const at = this.now();
    const group = this.state.resolve(service, key, { at, total: before?.total ?? 0 });
    try {
      await this.record({ op: 'resolve', service, key, at, total: group.total });
    } catch (err) {
      this.state.setResolution(group, previous?.resolution ?? null, previous?.regressedAt ?? 0);
      throw err;
    }
    return group;
  }

  async unresolve(service: string, key: string): Promise<HubGroup | undefined> {
    const before = this.state.group(service, key);
    if (before === undefined) return undefined;
    const previous = { resolution: before.resolution, regressedAt: before.regressedAt };
    const group = this.state.unresolve(service, key);
    try {
      await this.record({ op: 'unresolve', service, key, at: this.now() });
    } catch (err) {
      this.state.setResolution(before, previous.resolution, previous.regressedAt);
      throw err;
    }
    return group;
  }
}
