/** What a refresh asked for while another one runs does. */
export type WhileRunning =
  /** Resolves with the running one (a lookup: asking twice at once would ask the same). */
  | 'share'
  /** Runs once more after it (a file watch: the change may have come after the running read). */
  | 'run-again';

export interface RefreshLoopOptions {
  /** One refresh: reads the source and hands on what changed; a rejection goes to `onError`. */
  readonly work: () => Promise<void>;
  readonly intervalMs: number;
  readonly onError: (err: Error) => void;
  readonly whileRunning: WhileRunning;
}

/**
 * The refresh cycle of a polling discoverer (file, http, dns): a refresh now, then one every
 * `intervalMs` after the end of the last (so a slow source is never asked twice at once). `refresh()`
 * also runs one at once (a watch, a test); it never rejects. The timer is unref'd and `stop()` ends
 * the cycle; a failure after `stop()` is not reported. Owned by its discoverer.
 */
export class RefreshLoop {
  readonly #options: RefreshLoopOptions;
  #running: Promise<void> | undefined;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  #cycling = false;
  #stopped = false;

  constructor(options: RefreshLoopOptions) {
    this.#options = options;
  }

  /** Refreshes now and from then on every intervalMs. */
  start(): void {
    this.#cycling = true;
    void this.refresh();
  }

  refresh(): Promise<void> {
    if (this.#running !== undefined) {
      if (this.#options.whileRunning === 'run-again') this.#again = true;
      return this.#running;
    }
    this.#running = this.#cycle();
    return this.#running;
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /** Refreshes (again while asked to), then schedules the next; clears `#running` as soon as it ends. */
  async #cycle(): Promise<void> {
    do {
      this.#again = false;
      try {
        await this.#options.work();
      } catch (err) {
        if (!this.#stopped) this.#options.onError(err instanceof Error ? err : new Error(String(err)));
      }
    } while (this.#again && !this.#stopped);
    // Always after the first await above, so `#running` was already set to this cycle.
    this.#running = undefined;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped || !this.#cycling) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.refresh(), this.#options.intervalMs);
    this.#timer.unref();
  }
}
