import type { WireTarget } from './messages.js';

/** Removals remembered while waiting for the hub; beyond this the whole target list is resent. */
export const MAX_PENDING_REMOVALS = 10_000;

/** A target removal as it goes on the wire: [agent, service, url]. */
export type TargetRemoval = [agent: string, service: string, url: string];

/** What one message took from the pending changes, to give back if it is never acknowledged. */
export interface TakenChanges<G> {
  readonly groups: readonly G[];
  readonly targets: readonly WireTarget[];
  readonly removed: readonly TargetRemoval[];
  /** It carried the source list. */
  readonly sources: boolean;
  /** It carried the intake figures. */
  readonly intake?: boolean;
  /** It carried the whole target list (`targets_complete`). */
  readonly complete: boolean;
}

const targetKey = (t: { service: string; url: string }) => `${t.service}\u0000${t.url}`;

/**
 * What a federation link has yet to send: dirty groups (by identity), changed targets, removed
 * targets and whether the source list changed. A state-based set, never a queue: a group changed
 * ten times while the hub is away is one entry, so memory is bounded by the groups and targets the
 * source holds. Pure bookkeeping, no I/O. Owned by one SourceLink; lives as long as it.
 */
export class PendingChanges<G extends object> {
  private readonly dirty = new Set<G>();
  private readonly dirtyTargets = new Map<string, WireTarget>();
  private readonly removedTargets = new Map<string, TargetRemoval>();
  /** The next message sends every target and the hub replaces what it held (after too many removals). */
  private complete = false;
  private sourcesDirty = false;
  private intakeDirty = false;

  markGroup(group: G): void {
    this.dirty.add(group);
  }

  /** The source dropped a group: its pending change is not sent (a message in flight is unaffected). */
  forgetGroup(group: G): void {
    this.dirty.delete(group);
  }

  markTarget(target: WireTarget): void {
    const key = targetKey(target);
    this.removedTargets.delete(key);
    this.dirtyTargets.set(key, target);
  }

  /**
   * A target left discovery. Past MAX_PENDING_REMOVALS the list of removals is dropped and the next
   * message sends the whole target list instead, so memory stays bounded by the live targets.
   * Example: 10,001 removals pending: none kept, `targetsComplete` set.
   */
  removeTarget(agent: string, service: string, url: string): void {
    const key = targetKey({ service, url });
    this.dirtyTargets.delete(key);
    if (this.complete) return;
    this.removedTargets.set(key, [agent, service, url]);
    if (this.removedTargets.size > MAX_PENDING_REMOVALS) {
      this.removedTargets.clear();
      this.dirtyTargets.clear();
      this.complete = true;
    }
  }

  markSources(): void {
    this.sourcesDirty = true;
  }

  /** The intake figures changed (or a connection starts): the next message carries them. */
  markIntake(): void {
    this.intakeDirty = true;
  }

  /** A sync starts: every group is pending, target changes are superseded by the sync's whole list. */
  startSync(allGroups: Iterable<G>): void {
    for (const g of allGroups) this.dirty.add(g);
    this.dirtyTargets.clear();
    this.removedTargets.clear();
    this.complete = false;
  }

  get groupCount(): number {
    return this.dirty.size;
  }

  get targetCount(): number {
    return this.dirtyTargets.size + this.removedTargets.size;
  }

  get sourcesChanged(): boolean {
    return this.sourcesDirty;
  }

  get intakeChanged(): boolean {
    return this.intakeDirty;
  }

  get targetsComplete(): boolean {
    return this.complete;
  }

  get empty(): boolean {
    return this.dirty.size === 0 && this.dirtyTargets.size === 0 && this.removedTargets.size === 0 && !this.sourcesDirty && !this.intakeDirty && !this.complete;
  }

  /** Up to `max` dirty groups, oldest change first (not removed: see `taken`). */
  groups(max: number): G[] {
    const batch: G[] = [];
    for (const g of this.dirty) {
      if (batch.length >= max) break;
      batch.push(g);
    }
    return batch;
  }

  changedTargets(): WireTarget[] {
    return [...this.dirtyTargets.values()];
  }

  removals(): TargetRemoval[] {
    return [...this.removedTargets.values()];
  }

  /** A message carrying these changes was sent: they are no longer pending. */
  taken(changes: TakenChanges<G>): void {
    for (const g of changes.groups) this.dirty.delete(g);
    for (const t of changes.targets) this.dirtyTargets.delete(targetKey(t));
    for (const r of changes.removed) this.removedTargets.delete(targetKey({ service: r[1], url: r[2] }));
    if (changes.sources) this.sourcesDirty = false;
    if (changes.intake === true) this.intakeDirty = false;
    if (changes.complete) this.complete = false;
  }

  /**
   * A sent message will never be acknowledged (the connection dropped): its changes are pending
   * again, unless something newer about the same target arrived meanwhile. Nothing lost, nothing twice.
   */
  restore(changes: TakenChanges<G>): void {
    if (changes.sources) this.sourcesDirty = true;
    if (changes.intake === true) this.intakeDirty = true;
    if (changes.complete) this.complete = true;
    for (const g of changes.groups) this.dirty.add(g);
    for (const t of changes.targets) {
      const key = targetKey(t);
      if (!this.dirtyTargets.has(key) && !this.removedTargets.has(key)) this.dirtyTargets.set(key, t);
    }
    for (const r of changes.removed) {
      const key = targetKey({ service: r[1], url: r[2] });
      if (!this.dirtyTargets.has(key)) this.removedTargets.set(key, r);
    }
  }
}
