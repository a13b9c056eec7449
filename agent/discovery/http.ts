import type { HttpSdConfig } from '../../common/config/service.js';
import { HttpClient } from '../http/client.js';
import { getJson } from '../http/get-json.js';
import { TargetGroupListSchema, toTargetGroups } from './target-groups.js';
import { PollingDiscoverer } from './polling-discoverer.js';

export interface HttpDiscovererOptions {
  /** Prefix of the group sources, "<id>/<url>:<index>"; the manager passes "http/<index in the service>". */
  readonly id?: string;
  /** The answer is refused past this size (the last good targets stay). */
  readonly maxBytes?: number;
  /** One request gives up after this long (at most the refresh interval). */
  readonly timeoutMs?: number;
  readonly maxTargets?: number;
}

export const HTTP_DISCOVERY_DEFAULTS = { id: 'http', maxBytes: 16 * 1024 * 1024, timeoutMs: 30_000, maxTargets: 100_000 } as const;

/** Prometheus accepts exactly this content type from an HTTP SD endpoint. */
const JSON_CONTENT_TYPE = /^application\/json(;.*)?$/i;

/**
 * One `http_sd_configs` entry, with Prometheus' semantics: every `refresh_interval` the URL is fetched
 * (with `X-Prometheus-Refresh-Interval-Seconds`, the entry's TLS and auth); the answer, a JSON list of
 * target groups, replaces all the entry's groups ("<id>/<url>:<index>", label `__meta_url`). An empty
 * list removes the targets. Any failure (connection, status, content type, size, JSON, shape) keeps
 * the last good targets and is reported through `onError`.
 * Owned by the discovery manager; lives until `stop()`.
 */
export class HttpDiscoverer extends PollingDiscoverer {
  readonly #config: HttpSdConfig;
  readonly #options: Required<HttpDiscovererOptions>;
  readonly #client: HttpClient;
  #lastJson: string | undefined;

  constructor(config: HttpSdConfig, options: HttpDiscovererOptions = {}) {
    super(config.refresh_interval, 'share');
    this.#config = config;
    this.#options = { ...HTTP_DISCOVERY_DEFAULTS, ...options };
    this.#client = new HttpClient(config, { connections: 1 });
  }

  override stop(): void {
    super.stop();
    void this.#client.close();
  }

  protected async refreshOnce(): Promise<void> {
    const url = this.#config.url;
    const value = await getJson(url, await this.#client.prepare(), {
      timeoutMs: Math.min(this.#options.timeoutMs, this.#config.refresh_interval),
      maxBytes: this.#options.maxBytes,
      headers: { 'x-prometheus-refresh-interval-seconds': String(Math.round(this.#config.refresh_interval / 1000)) },
      contentType: JSON_CONTENT_TYPE,
    });
    const list = TargetGroupListSchema.safeParse(value);
    if (!list.success) {
      const issue = list.error.issues[0];
      throw new Error(`http_sd_configs: ${url} did not answer a list of target groups${issue?.path.length ? ` at ${issue.path.join('.')}` : ''}: ${issue?.message ?? 'invalid'}; keeping the last good targets`);
    }
    if (this.stopped) return;
    const read = toTargetGroups(list.data, `${this.#options.id}/${url}`, { __meta_url: url }, this.#options.maxTargets);
    for (const problem of read.problems) this.onError(new Error(`http_sd_configs: ${url}: ${problem}`));
    const json = JSON.stringify(read.groups);
    if (this.update === undefined || json === this.#lastJson) return;
    this.#lastJson = json;
    this.update(read.groups);
  }
}
