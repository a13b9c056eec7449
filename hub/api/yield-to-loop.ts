import { setImmediate } from 'node:timers/promises';

/**
 * Lets the event loop run what is waiting (merges, acks, other requests) before going on: long
 * reads over the whole state (a search over every service, a large Periskop list) take turns with
 * the merge path instead of stalling it.
 */
export function yieldToLoop(): Promise<void> {
  return setImmediate();
}
