/** Sources admitted at once into their initial exchange, and how long the queue may go without progress. */
export const SYNC_ADMISSION_DEFAULTS = { slots: 4, stallMs: 30_000 } as const;

/**
 * Admits a few sources at a time into their initial exchange after a hello (DESIGN section 4): after a
 * hub restart every source re-syncs at once; admitting `slots` at a time (the rest wait, released
 * in FIFO order with a little jitter) keeps the event loop responsive. Admission is by work done, not
 * by time waited: a waiting source stays queued however long the queue is, as long as syncs keep
 * finishing. Only when no slot has been released for `stallMs` (a sync that hangs in every slot) are
 * the waiting sources told to come back later (they reconnect with jittered backoff).
 * Owned by the federation server; lives as long as the hub.
 */
export class SyncAdmission {
  private active = 0;
  private readonly waiting: ((admitted: boolean) => void)[] = [];
  private stallTimer: NodeJS.Timeout | undefined;
  /** Waiting sources sent away because the queue stalled (metrics). */
  refused = 0;

  constructor(
    private readonly slots: number,
    private readonly stallMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /**
   * Resolves `true` when admitted, `false` when the queue stalled. Every `true` must be followed by
   * exactly one `release()`.
   */
  acquire(): Promise<boolean> {
    if (this.active < this.slots) {
      this.active++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.stallTimer ??= setTimeout(() => this.stalled(), this.stallMs);
    });
  }

  release(): void {
    const next = this.waiting.shift();
    if (next === undefined) {
      this.active--;
      return;
    }
    this.restartStallTimer();
    // The slot passes on after a short jittered pause, so admissions do not arrive in lockstep.
    setTimeout(() => next(true), Math.floor(this.random() * 100));
  }

  /** Stops the stall timer (hub shutdown). */
  close(): void {
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
  }

  private restartStallTimer(): void {
    clearTimeout(this.stallTimer);
    this.stallTimer = this.waiting.length > 0 ? setTimeout(() => this.stalled(), this.stallMs) : undefined;
  }

  private stalled(): void {
    this.stallTimer = undefined;
    const sent = this.waiting.splice(0);
    this.refused += sent.length;
    for (const resolve of sent) resolve(false);
  }

  get queued(): number {
    return this.waiting.length;
  }

  get inUse(): number {
    return this.active;
  }
}
