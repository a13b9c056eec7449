import { loadUndici } from '../../../common/http/undici.js';
import { backoffDelay } from '../../../common/backoff.js';
import type { HttpClient } from '../../http/client.js';
import { describe, getJson, GetJsonError } from '../../http/get-json.js';
import { objectKey, type ObjectOf, RESOURCE_PATHS, RESOURCES, type Resource } from './objects.js';

export interface WatcherOptions<R extends Resource> {
  readonly baseUrl: string;
  readonly client: HttpClient;
  readonly resource: R;
  /** Undefined: all namespaces. */
  readonly namespace: string | undefined;
  readonly labelSelector?: string | undefined;
  readonly fieldSelector?: string | undefined;
  /** An object was added, changed (`object`) or removed (undefined). */
  readonly onChange: (key: string, object: ObjectOf<R> | undefined) => void;
  /** A list finished: the store now mirrors the server (also after a relist). */
  readonly onSynced: () => void;
  readonly onError: (err: Error) => void;
  readonly limits: WatcherLimits;
}

export interface WatcherLimits {
  /** Objects kept per watch; more are ignored and reported. */
  readonly maxObjects: number;
  /** Largest list page and largest watch event line. */
  readonly maxBytes: number;
  readonly requestTimeoutMs: number;
  readonly backoffBaseMs: number;
  readonly backoffCapMs: number;
  /** Asked of the server per watch (`timeoutSeconds`), jittered between this and twice this. */
  readonly watchSeconds: number;
}

const PAGE_SIZE = 500;

/**
 * List + watch of one resource in one namespace (or all), the way client-go's reflector does it: list
 * (paged) to get a resourceVersion, then watch from it; a watch that ends is resumed from the last
 * version seen; "410 Gone" (the version is too old) or a failed watch resume starts over with a list.
 * Failures wait with exponential backoff and full jitter; the store keeps what it last knew, so
 * targets survive an API server outage. Objects are kept parsed to the few fields discovery reads.
 * Owned by the Kubernetes discoverer; lives until `stop()`.
 */
export class ResourceWatcher<R extends Resource> {
  readonly store = new Map<string, ObjectOf<R>>();
  readonly #options: WatcherOptions<R>;
  readonly #abort = new AbortController();
  #resourceVersion: string | undefined;
  #failures = 0;
  #stopped = false;
  #wait: { timer: NodeJS.Timeout; resolve: () => void } | undefined;

  constructor(options: WatcherOptions<R>) {
    this.#options = options;
  }

  start(): void {
    void this.#loop();
  }

  stop(): void {
    this.#stopped = true;
    this.#abort.abort();
    if (this.#wait !== undefined) {
      clearTimeout(this.#wait.timer);
      this.#wait.resolve();
    }
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      try {
        if (this.#resourceVersion === undefined) await this.#list();
        const started = Date.now();
        await this.#watch();
        // A server that ends every watch at once must not make this a busy loop.
        if (Date.now() - started < 1_000) await this.#sleep(backoffDelay(this.#failures++, this.#options.limits.backoffBaseMs, this.#options.limits.backoffCapMs));
        else this.#failures = 0;
      } catch (err) {
        if (this.#stopped) return;
        if (err instanceof GoneError) {
          this.#resourceVersion = undefined; // too old: list again, at once
          continue;
        }
        this.#options.onError(err instanceof Error ? err : new Error(String(err)));
        const delay = backoffDelay(this.#failures++, this.#options.limits.backoffBaseMs, this.#options.limits.backoffCapMs);
        await this.#sleep(delay);
      }
    }
  }

  #url(params: Record<string, string>): string {
    const { baseUrl, namespace, resource, labelSelector, fieldSelector } = this.#options;
    const { api, namespaced } = RESOURCE_PATHS[resource];
    const path = namespace === undefined || !namespaced ? `${api}/${resource}` : `${api}/namespaces/${encodeURIComponent(namespace)}/${resource}`;
    const query = new URLSearchParams(params);
    if (labelSelector) query.set('labelSelector', labelSelector);
    if (fieldSelector) query.set('fieldSelector', fieldSelector);
    return `${baseUrl}${path}?${query.toString()}`;
  }

  async #list(): Promise<void> {
    const fresh = new Map<string, ObjectOf<R>>();
    let token: string | undefined;
    let version: string | undefined;
    do {
      const page = await getJson(this.#url({ limit: String(PAGE_SIZE), ...(token ? { continue: token } : {}) }), await this.#options.client.prepare(), {
        timeoutMs: this.#options.limits.requestTimeoutMs,
        maxBytes: this.#options.limits.maxBytes,
      }).catch((err: unknown) => {
        // An expired continue token: start the list over.
        if (err instanceof GetJsonError && err.status === 410) throw new GoneError();
        throw err;
      });
      const list = page as { metadata?: { resourceVersion?: unknown; continue?: unknown }; items?: unknown };
      if (!Array.isArray(list.items)) throw new Error(`kubernetes_sd_configs: list of ${this.#options.resource} has no items`);
      for (const item of list.items) this.#accept(fresh, item);
      version = typeof list.metadata?.resourceVersion === 'string' ? list.metadata.resourceVersion : undefined;
      token = typeof list.metadata?.continue === 'string' && list.metadata.continue !== '' ? list.metadata.continue : undefined;
    } while (token !== undefined && !this.#stopped);
    if (this.#stopped) return;
    for (const key of [...this.store.keys()]) {
      if (!fresh.has(key)) {
        this.store.delete(key);
        this.#options.onChange(key, undefined);
      }
    }
    for (const [key, object] of fresh) {
      this.store.set(key, object);
      this.#options.onChange(key, object);
    }
    this.#resourceVersion = version ?? '0';
    this.#options.onSynced();
  }

  /** Parses an item into `into`; a malformed one is reported and skipped. */
  #accept(into: Map<string, ObjectOf<R>>, item: unknown): string | undefined {
    const parsed = RESOURCES[this.#options.resource].safeParse(item);
    if (!parsed.success) {
      this.#options.onError(new Error(`kubernetes_sd_configs: skipped a malformed ${this.#options.resource} object: ${parsed.error.issues[0]?.message ?? ''}`));
      return undefined;
    }
    const object = parsed.data as ObjectOf<R>;
    const key = objectKey(object.metadata);
    if (!into.has(key) && into.size >= this.#options.limits.maxObjects) {
      this.#options.onError(new Error(`kubernetes_sd_configs: more than ${this.#options.limits.maxObjects} ${this.#options.resource}; the rest are ignored`));
      return undefined;
    }
    into.set(key, object);
    return key;
  }

  async #watch(): Promise<void> {
    const { limits } = this.#options;
    const seconds = limits.watchSeconds + Math.floor(Math.random() * limits.watchSeconds);
    const url = this.#url({ watch: '1', resourceVersion: this.#resourceVersion ?? '0', allowWatchBookmarks: 'true', timeoutSeconds: String(seconds) });
    const prepared = await this.#options.client.prepare();
    let response;
    try {
      const { request } = await loadUndici();
      response = await request(url, {
        dispatcher: prepared.dispatcher,
        signal: this.#abort.signal,
        headers: { accept: 'application/json', ...prepared.headers },
        headersTimeout: limits.requestTimeoutMs,
        // The server ends the watch after `seconds`; a silent connection past that is dead.
        bodyTimeout: (seconds + 30) * 1000,
        ...(prepared.servername === undefined ? {} : { servername: prepared.servername }),
      });
    } catch (err) {
      throw new Error(`kubernetes_sd_configs: watch of ${this.#options.resource} failed: ${describe(err, limits.requestTimeoutMs)}`);
    }
    const { statusCode, body } = response;
    body.on('error', () => undefined);
    if (statusCode === 410) {
      body.destroy();
      throw new GoneError();
    }
    if (statusCode !== 200) {
      body.destroy();
      throw new Error(`kubernetes_sd_configs: watch of ${this.#options.resource}: HTTP ${statusCode}`);
    }
    let buffer = '';
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        buffer += chunk.toString('utf8');
        if (buffer.length > limits.maxBytes) throw new Error(`kubernetes_sd_configs: a watch event of ${this.#options.resource} exceeds ${limits.maxBytes} bytes`);
        let nl;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (line !== '') this.#event(line);
        }
      }
    } catch (err) {
      body.destroy();
      if (this.#stopped || err instanceof GoneError) throw err;
      throw new Error(`kubernetes_sd_configs: watch of ${this.#options.resource} broke: ${describe(err, limits.requestTimeoutMs)}`);
    }
  }

  #event(line: string): void {
    let event: { type?: unknown; object?: unknown };
    try {
      event = JSON.parse(line) as typeof event;
    } catch {
      throw new Error(`kubernetes_sd_configs: a watch event of ${this.#options.resource} is not JSON`);
    }
    const object = event.object as { metadata?: { resourceVersion?: unknown }; code?: unknown } | undefined;
    switch (event.type) {
      case 'ADDED':
      case 'MODIFIED': {
        const key = this.#accept(this.store, object);
        if (key !== undefined) this.#options.onChange(key, this.store.get(key));
        break;
      }
      case 'DELETED': {
        const parsed = RESOURCES[this.#options.resource].safeParse(object);
        if (parsed.success) {
          const key = objectKey(parsed.data.metadata);
          if (this.store.delete(key)) this.#options.onChange(key, undefined);
        }
        break;
      }
      case 'BOOKMARK':
        break;
      case 'ERROR':
        if (object?.code === 410) throw new GoneError();
        throw new Error(`kubernetes_sd_configs: watch of ${this.#options.resource} answered an error: ${JSON.stringify(object).slice(0, 300)}`);
      default:
        return;
    }
    const version = object?.metadata?.resourceVersion;
    if (typeof version === 'string') this.#resourceVersion = version;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wait = undefined;
        resolve();
      }, ms);
      timer.unref();
      this.#wait = { timer, resolve };
    });
  }
}

/** The resource version is too old (HTTP 410 or a watch ERROR with code 410): list again. */
class GoneError extends Error {
  constructor() {
    super('resource version too old');
  }
}
