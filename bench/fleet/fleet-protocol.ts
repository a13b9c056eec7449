/**
 * What the benchmark harness and its fleet child process say to each other over the IPC channel.
 * The harness starts the fleet with a FleetSpec, receives `ready` with the targets' addresses, then
 * switches modes; the fleet exits when the channel closes (so it never outlives the harness).
 */

/**
 * How a target's body evolves between scrapes. `changing`: each scrape first records new
 * occurrences (a live instance); `static`: identical bytes every time; `churn`: each scrape sees a
 * new instance (new target_uuid, every sample new), as under constant redeploys.
 */
export type FleetMode = 'changing' | 'static' | 'churn';

export interface FleetSpec {
  /** Service names; targets are spread over them round-robin. */
  readonly services: readonly string[];
  readonly targets: number;
  readonly keys: number;
  readonly samplesPerKey: number;
  /** Occurrences recorded per scrape in `changing` mode. */
  readonly changesPerScrape: number;
  readonly seed: number;
}

export type ToFleet = { readonly type: 'mode'; readonly mode: FleetMode };

export type FromFleet =
  | { readonly type: 'ready'; readonly targets: readonly { readonly service: string; readonly address: string }[]; readonly bodyBytes: number }
  | { readonly type: 'mode'; readonly mode: FleetMode; readonly served: number };
