import type { ServiceConfig } from '../../common/config/service.js';
import { type DiscovererDeps, discovererIds, loadDiscoverers } from './discoverer-kinds.js';
import { compileRelabel, type Relabeler } from './relabel.js';
import { StaticDiscoverer } from './static.js';
import type { Discoverer, LabelSet, ScrapeTarget, TargetGroup } from './types.js';

export interface DiscoveryManagerOptions extends DiscovererDeps {
  /**
   * The service's full target list, sorted by url, each time it changes. Called synchronously from
   * the discoverer's update (so from `start()` for static targets); never after `stop()`.
   */
  readonly onTargets: (service: string, targets: ScrapeTarget[]) => void;
  /** A discoverer's failure ("dns/0": a lookup failed) or a target that cannot be scraped. */
  readonly onError: (service: string, source: string, err: Error) => void;
}

/**
 * Discovery for one service: runs one discoverer per entry of its `static_configs`, `dns_sd_configs`,
 * `file_sd_configs`, `http_sd_configs` and `kubernetes_sd_configs`, relabels each discovered target
 * with the service's `relabel_configs`, and reports the list of scrape targets when it changes.
 * Before relabeling, a target gets `__scheme__` (the service's `scheme`), `__metrics_path__`
 * (`scraper.endpoint`) and `__param_<name>` (first value of `params`) unless discovery set them.
 * Target url: `${__scheme__}://${__address__}${__metrics_path__}?${params, __param_* override}`;
 * two targets with the same url are one (the first in config order keeps its labels).
 * Owned by the agent's wiring (one per configured service); lives from `start()` to `stop()`.
 */
export class DiscoveryManager {
  readonly #service: ServiceConfig;
  readonly #options: DiscoveryManagerOptions;
  /** Every discoverer's id ("static/0", "dns/1"), in config order: the order that decides de-duplication. */
  readonly #ids: readonly string[];
  /** Keyed by id: the static ones from the constructor, the others once their module is loaded. */
  readonly #discoverers = new Map<string, Discoverer>();
  /** Each discoverer's latest groups; a discoverer always sends all of its groups. */
  readonly #groups = new Map<string, readonly TargetGroup[]>();
  readonly #relabel: Relabeler;
  #targets: ScrapeTarget[] = [];
  #json: string | undefined;
  #stopped = false;

  constructor(service: ServiceConfig, options: DiscoveryManagerOptions) {
    this.#service = service;
    this.#options = options;
    this.#relabel = compileRelabel(service.relabel_configs);
    this.#ids = discovererIds(service);
    service.static_configs.forEach((config, i) => this.#discoverers.set(`static/${i}`, new StaticDiscoverer(config, { id: `static/${i}` })));
  }

  /**
   * Starts every discoverer: static targets are reported before this returns; the other mechanisms
   * start once their module is loaded (a failure to load is reported through `onError`).
   */
  start(): void {
    for (const [id, discoverer] of this.#discoverers) this.#run(id, discoverer);
    if (this.#ids.length === this.#discoverers.size) return;
    loadDiscoverers(this.#service, this.#options).then(
      (loaded) => {
        for (const [id, discoverer] of loaded) {
          if (this.#stopped) return;
          this.#discoverers.set(id, discoverer);
          this.#run(id, discoverer);
        }
      },
      (err: Error) => this.#error('discovery', err),
    );
  }

  #run(id: string, discoverer: Discoverer): void {
    discoverer.run(
      (groups) => this.#update(id, groups),
      (err) => this.#error(id, err),
    );
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
    for (const id of this.#ids) {
      for (const group of this.#groups.get(id) ?? []) {
        for (const labels of group.targets) {
          const relabeled = this.#relabel(withDefaults(this.#service, labels));
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

/**
 * Prometheus' scrape defaults, set before relabeling where discovery left them unset or empty, so
 * relabel rules can read and change them: `__scheme__`, `__metrics_path__`, `__param_<name>`.
 */
function withDefaults(service: ServiceConfig, labels: LabelSet): LabelSet {
  const out: LabelSet = { ...labels };
  const setDefault = (name: string, value: string) => {
    if ((out[name] ?? '') === '') out[name] = value;
  };
  setDefault('__scheme__', service.scheme);
  setDefault('__metrics_path__', service.scraper.endpoint);
  for (const [name, values] of Object.entries(service.params)) {
    if (values[0] !== undefined) setDefault(`__param_${name}`, values[0]);
  }
  return out;
}

/**
 * Builds the url and keeps the labels without a `__` prefix; an Error when it cannot be scraped.
 * Query parameters: the service's `params`, the first value of each replaced by its `__param_<name>`.
 */
function toScrapeTarget(service: ServiceConfig, labels: LabelSet): ScrapeTarget | Error {
  const address = labels['__address__'];
  const scheme = labels['__scheme__'] ?? 'http';
  const path = labels['__metrics_path__'] || service.scraper.endpoint;
  if (address === undefined || address === '' || /[/?#@\s]/.test(address)) {
    return new Error(`target has no usable __address__ (${JSON.stringify(address ?? '')})`);
  }
  if (scheme !== 'http' && scheme !== 'https') return new Error(`target ${address} has __scheme__ "${scheme}"`);
  if (!path.startsWith('/')) return new Error(`target ${address} has __metrics_path__ "${path}"; expected "/..."`);
  const params = new Map<string, string[]>(Object.entries(service.params).map(([k, v]) => [k, [...v]]));
  const kept: LabelSet = {};
  for (const [name, value] of Object.entries(labels)) {
    if (name.startsWith('__param_')) {
      const key = name.slice('__param_'.length);
      const values = params.get(key);
      if (values !== undefined && values.length > 0) values[0] = value;
      else params.set(key, [value]);
    } else if (!name.startsWith('__')) {
      kept[name] = value;
    }
  }
  const query = new URLSearchParams();
  for (const key of [...params.keys()].sort()) for (const v of params.get(key) ?? []) query.append(key, v);
  const search = query.size > 0 ? `?${query.toString()}` : '';
  return { service: service.name, url: `${scheme}://${address}${path}${search}`, labels: kept };
}
