import type { StaticConfig } from '../../common/config/service.js';
import type { Discoverer, LabelSet, TargetGroup } from './types.js';

/** Accepts "host:port" and, as Periskop users sometimes write it, "http://host:port". */
const TARGET_RE = /^(?:([a-zA-Z][a-zA-Z0-9+.-]*):\/\/)?([^/?#]+)(.*)$/;

/**
 * One `static_configs` entry: its targets, each as `{__address__, ...labels}`, emitted once (during
 * `run`) as a single group whose source is the `id` ("static/0"). A target that cannot be scraped
 * ("ftp://h:1", "h:1/errors") is reported through `onError` and left out; the rest still go out.
 * Owned by the discovery manager; lives until `stop()`, which has nothing to release.
 */
export class StaticDiscoverer implements Discoverer {
  readonly #config: StaticConfig;
  readonly #id: string;

  constructor(config: StaticConfig, options: { readonly id?: string } = {}) {
    this.#config = config;
    this.#id = options.id ?? 'static';
  }

  run(update: (groups: readonly TargetGroup[]) => void, onError: (err: Error) => void): void {
    const targets: LabelSet[] = [];
    for (const target of this.#config.targets) {
      const parsed = parseTarget(target);
      if (parsed instanceof Error) onError(parsed);
      // The target's own labels win over the entry's `labels`, as in Prometheus.
      else targets.push({ ...this.#config.labels, ...parsed });
    }
    update([{ source: this.#id, targets }]);
  }

  stop(): void {}
}

/**
 * A target as written in `static_configs` or in a file_sd/http_sd group.
 * "https://h:1" -> {__address__: 'h:1', __scheme__: 'https'}; "h:1" -> {__address__: 'h:1'}.
 */
export function parseTarget(target: string): LabelSet | Error {
  const match = TARGET_RE.exec(target);
  const [, scheme, address, rest] = match ?? [];
  if (address === undefined) return new Error(`static target ${JSON.stringify(target)} has no host`);
  if (rest !== undefined && rest !== '' && rest !== '/') {
    return new Error(`static target ${JSON.stringify(target)} has a path; give "host:port" and set scraper.endpoint`);
  }
  if (scheme === undefined) return { __address__: address };
  const lower = scheme.toLowerCase();
  if (lower !== 'http' && lower !== 'https') {
    return new Error(`static target ${JSON.stringify(target)} has scheme "${scheme}"; expected http or https`);
  }
  return { __address__: address, __scheme__: lower };
}
