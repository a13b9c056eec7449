/**
 * A hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", 2014): a reading is the largest
 * wall time seen, physical or remote, and a counter that orders events within one such millisecond.
 * Every reading is larger than every reading it was derived from, so an action taken after seeing a
 * peer's action always orders after it, whatever the two wall clocks say. A remote reading more than
 * `maxDriftMs` ahead of the physical clock is refused (a peer with a wrong clock), so the clock never
 * runs further than that ahead of physical time. Pure functions; the class holds one clock.
 */
export interface Hlc {
  readonly wall: number;
  readonly counter: number;
}

/** A clock reading with the hub that made it: the total order of register writes. */
export interface Stamp extends Hlc {
  readonly origin: string;
}

/** Remote readings further ahead of physical time than this are refused (default). */
export const DEFAULT_MAX_DRIFT_MS = 60_000;

export function compareHlc(a: Hlc, b: Hlc): number {
  if (a.wall !== b.wall) return a.wall < b.wall ? -1 : 1;
  if (a.counter !== b.counter) return a.counter < b.counter ? -1 : 1;
  return 0;
}

/** Clock first, then the origin hub id (byte order), so two hubs never tie. */
export function compareStamps(a: Stamp, b: Stamp): number {
  const c = compareHlc(a, b);
  if (c !== 0) return c;
  return a.origin === b.origin ? 0 : a.origin < b.origin ? -1 : 1;
}

/** A local event (send or user action). */
export function tick(clock: Hlc, physical: number): Hlc {
  const wall = Math.max(clock.wall, physical);
  return { wall, counter: wall === clock.wall ? clock.counter + 1 : 0 };
}

/** A remote reading arrives: the new clock, or undefined when it is more than `maxDriftMs` ahead. */
export function receive(clock: Hlc, remote: Hlc, physical: number, maxDriftMs: number): Hlc | undefined {
  if (remote.wall > physical + maxDriftMs) return undefined;
  const wall = Math.max(clock.wall, remote.wall, physical);
  let counter = 0;
  if (wall === clock.wall && wall === remote.wall) counter = Math.max(clock.counter, remote.counter) + 1;
  else if (wall === clock.wall) counter = clock.counter + 1;
  else if (wall === remote.wall) counter = remote.counter + 1;
  return { wall, counter };
}

/** One hub's clock. Owned by the peering; lives as long as the process. */
export class HybridClock {
  private clock: Hlc = { wall: 0, counter: 0 };

  constructor(
    private readonly physical: () => number = Date.now,
    readonly maxDriftMs = DEFAULT_MAX_DRIFT_MS,
  ) {}

  get current(): Hlc {
    return this.clock;
  }

  /** A reading for a local event. */
  now(): Hlc {
    this.clock = tick(this.clock, this.physical());
    return this.clock;
  }

  /** Takes a remote reading into account; false (clock unchanged) when it is too far ahead. */
  receive(remote: Hlc): boolean {
    const next = receive(this.clock, remote, this.physical(), this.maxDriftMs);
    if (next === undefined) return false;
    this.clock = next;
    return true;
  }

  /** Whether a remote reading would be refused (checked for a whole message before applying any of it). */
  tooFarAhead(remote: Hlc): boolean {
    return remote.wall > this.physical() + this.maxDriftMs;
  }

  /** Restores from persisted readings at start-up (never moves the clock back). */
  restore(seen: Hlc): void {
    if (compareHlc(seen, this.clock) > 0) this.clock = seen;
  }
}
