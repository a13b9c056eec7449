import { RefreshLoop, type WhileRunning } from './refresh-loop.js';
import type { Discoverer, TargetGroup } from './types.js';

/**
 * A discoverer that reads its source on a refresh loop (file, http, dns): `run` starts the loop,
 * `refresh` reads now, `stop` ends it. A subclass reads its source in `refreshOnce`, hands changed
 * groups to `update` and problems to `onError` (a rejection of `refreshOnce` goes there too).
 */
export abstract class PollingDiscoverer implements Discoverer {
  protected update: ((groups: readonly TargetGroup[]) => void) | undefined;
  protected onError: (err: Error) => void = () => {};
  protected stopped = false;
  readonly #loop: RefreshLoop;

  constructor(intervalMs: number, whileRunning: WhileRunning) {
    this.#loop = new RefreshLoop({ work: () => this.refreshOnce(), intervalMs, onError: (err) => this.onError(err), whileRunning });
  }

  /** One read of the source. */
  protected abstract refreshOnce(): Promise<void>;

  run(update: (groups: readonly TargetGroup[]) => void, onError: (err: Error) => void): void {
    this.update = update;
    this.onError = onError;
    this.#loop.start();
  }

  /** Reads the source now; resolves when done (never rejects). */
  refresh(): Promise<void> {
    return this.#loop.refresh();
  }

  stop(): void {
    this.stopped = true;
    this.#loop.stop();
  }
}
