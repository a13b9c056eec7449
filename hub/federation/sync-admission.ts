/** Sources admitted at once into their initial exchange, and how long the others may wait. */
export const SYNC_ADMISSION_DEFAULTS = { slots: 4, maxWaitMs: 30_000 } as const;

/**
 * Admits a few sources at a time into their initial exchange after a hello (DESIGN section 4): after a
 * hub restart every source re-syncs at once; admitting `slots` at a time (the rest wait, released
 * in FIFO order with a little jitter) keeps the event loop responsive. A source that waits longer
 * than `maxWaitMs` is told to come back later (it reconnects with jittered backoff).
 * Owned by the federation server; lives as long as the hub.
 */
export class SyncAdmission {
  private active = 0;
  private readonly waiting: { admit: () => void; timer: NodeJS.Timeout }[] = [];

  constructor(
    private readonly slots: number,
    private readonly maxWaitMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /**
   * Resolves `true` when admitted, `false` when the wait timed out. Every `true` must be followed by
   * exactly one `release()`.
   */
  acquire(): Promise<boolean> {
    if (this.active < this.slots) {
      this.active++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const entry = {
        admit: () => resolve(true),
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(entry), 1);
          resolve(false);
        }, this.maxWaitMs),
      };
      this.waiting.push(entry);
    });
  }

  release(): void {
    const next = this.waiting.shift();
    if (next === undefined) {
      this.active--;
      return;
    }
    clearTimeout(next.timer);
    // The slot passes on after a short jittered pause, so admissions do not arrive in lockstep.
    setTimeout(next.admit, Math.floor(this.random() * 100));
  }

  get queued(): number {
    return this.waiting.length;
  }

  get inUse(): number {
    return this.active;
  }
}
