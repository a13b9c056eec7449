import type { ServiceConfig } from '../../common/config/service.js';
import { DnsDiscoverer, type DnsResolver } from './dns.js';
import { StaticDiscoverer } from './static.js';
import type { Discoverer, LabelSet, ScrapeTarget, TargetGroup } from './types.js';

export interface DiscoveryManagerOptions {
  /**
   * The service's full target list, sorted by url, each time it changes. Called synchronously from
   * the discoverer's update (so from `start()` for static targets); never after `stop()`.
   */
  readonly onTargets: (service: string, targets: ScrapeTarget[]) => void;
  /** A discoverer's failure ("dns/0": a lookup failed) or a target that cannot be scraped. */
  readonly onError: (service: string, source: string, err: Error) => void;
  /** Handed to every DNS discoverer; defaults to the system's name servers. */
  readonly resolver?: DnsResolver;
}

/**
 * Discovery for one service: runs one discoverer per entry of its `static_configs` and
 * `dns_sd_configs`, merges their groups into scrape targets and reports the list when it changes.
 * Target url: `${__scheme__ ?? 'http'}://${__address__}${__metrics_path__ ?? scraper.endpoint}`;
 * two targets with the same url are one (the first in config order keeps its labels).
 * Owned by the agent's wiring (one per configured service); lives from `start()` to `stop()`.
 */
export class DiscoveryManager {
  readonly #service: ServiceConfig;
  readonly #options: DiscoveryManagerOptions;
  /** Keyed by id ("static/0", "dns/1"), in config order: the order that decides de-duplication. */
  readonly #discoverers: ReadonlyMap<string, Discoverer>;
  /** Each discoverer's latest groups; a discoverer always sends all of its groups. */
  readonly #groups = new Map<string, readonly TargetGroup[]>();
  #targets: ScrapeTarget[] = [];
  #json: string | undefined;
  #stopped = false;

  constructor(service: ServiceConfig, options: DiscoveryManagerOptions) {
    this.#service = service;
    this.#options = options;
    this.#discoverers = buildDiscoverers(service, options.resolver);
  }

  start(): void {
    for (const [id, discoverer] of this.#discoverers) {
      discoverer.run(
        (groups) => this.#update(id, groups),
        (err) => this.#error(id, err),
      );
    }
  }

  /** The current targets (the list last passed to `onTargets`). */
  targets(): readonly ScrapeTarget[] {
    return this.#targets;
  }

  stop(): void {
    this.#stopped = true;
    for (const discoverer of this.#discoverers.values()) discoverer.stop();
  }

  #update(id: string, groups: readonly TargetGroup[]): void {
    if (this.#stopped) return;
    this.#groups.set(id, groups);
    const targets = this.#merge();
    const json = JSON.stringify(targets);
    if (json === this.#json) return;
    this.#targets = targets;
    this.#json = json;
    this.#options.onTargets(this.#service.name, [...targets]);
  }

  #merge(): ScrapeTarget[] {
    const byUrl = new Map<string, ScrapeTarget>();
    for (const id of this.#discoverers.keys()) {
      for (const group of this.#groups.get(id) ?? []) {
        for (const labels of group.targets) {
          const relabeled = applyRelabel(labels);
          if (relabeled === undefined) continue;
          const target = toScrapeTarget(this.#service, relabeled);
          if (target instanceof Error) this.#error(group.source, target);
          else if (!byUrl.has(target.url)) byUrl.set(target.url, target);
        }
      }
    }
    return [...byUrl.values()].sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
  }

  #error(source: string, err: Error): void {
    if (!this.#stopped) this.#options.onError(this.#service.name, source, err);
  }
}

/** One discoverer per config entry, keyed "<mechanism>/<index>". Add a mechanism here. */
function buildDiscoverers(service: ServiceConfig, resolver: DnsResolver | undefined): Map<string, Discoverer> {
  const discoverers = new Map<string, Discoverer>();
  service.static_configs.forEach((config, i) => {
    const id = `static/${i}`;
    discoverers.set(id, new StaticDiscoverer(config, { id }));
  });
  service.dns_sd_configs.forEach((config, i) => {
    const id = `dns/${i}`;
    discoverers.set(id, new DnsDiscoverer(config, resolver === undefined ? { id } : { id, resolver }));
  });
  return discoverers;
}

/**
 * The seam for `relabel_configs` (a later issue): the service's rules run here, on the discovered
 * labels, before the target is built; `undefined` means "dropped by keep/drop". Identity for now.
 */
function applyRelabel(labels: LabelSet): LabelSet | undefined {
  return labels;
}

/** Builds the url and keeps the labels without a `__` prefix; an Error when it cannot be scraped. */
function toScrapeTarget(service: ServiceConfig, labels: LabelSet): ScrapeTarget | Error {
  const address = labels['__address__'];
  const scheme = labels['__scheme__'] ?? 'http';
  const path = labels['__metrics_path__'] ?? service.scraper.endpoint;
  if (address === undefined || address === '' || address.includes('/')) {
    return new Error(`target has no usable __address__ (${JSON.stringify(address ?? '')})`);
  }
  if (scheme !== 'http' && scheme !== 'https') return new Error(`target ${address} has __scheme__ "${scheme}"`);
  if (!path.startsWith('/')) return new Error(`target ${address} has __metrics_path__ "${path}"; expected "/..."`);
  const kept: LabelSet = {};
  for (const [name, value] of Object.entries(labels)) {
    if (!name.startsWith('__')) kept[name] = value;
  }
  return { service: service.name, url: `${scheme}://${address}${path}`, labels: kept };
}
