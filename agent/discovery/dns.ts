import { NODATA, NOTFOUND, type SrvRecord } from 'node:dns';
import { Resolver } from 'node:dns/promises';
import type { DnsSdConfig } from '../../common/config/service.js';
import { PollingDiscoverer } from './polling-discoverer.js';
import type { LabelSet, TargetGroup } from './types.js';

/** The lookups DNS discovery needs; a `node:dns/promises` `Resolver` is one. */
export interface DnsResolver {
  resolve4(hostname: string): Promise<string[]>;
  resolve6(hostname: string): Promise<string[]>;
  resolveSrv(hostname: string): Promise<SrvRecord[]>;
}

export interface DnsDiscovererOptions {
  /** Prefix of the group sources, "<id>/<name>"; the manager passes "dns/<index in the service>". */
  readonly id?: string;
  /** Defaults to a `Resolver` asking the system's name servers (/etc/resolv.conf). */
  readonly resolver?: DnsResolver;
  /** One lookup of one name gives up after this long and counts as a failure. */
  readonly lookupTimeoutMs?: number;
  /** Records kept per name (the first ones by address); the rest are dropped and reported. */
  readonly maxTargetsPerName?: number;
}

export const DNS_DISCOVERY_DEFAULTS = { id: 'dns', lookupTimeoutMs: 5_000, maxTargetsPerName: 10_000 } as const;

/**
 * One `dns_sd_configs` entry, with Prometheus' semantics: every `refresh_interval` each name is looked
 * up (A, AAAA or SRV) and becomes one group "<id>/<name>" of `{__address__, __meta_dns_name, ...}`.
 *
 * What a lookup's outcome does to that name's targets (as Prometheus' lookupWithSearchPath does):
 * - records: they replace the name's targets;
 * - a definite "nothing here", NXDOMAIN (ENOTFOUND) or no records of the type (ENODATA): the name's
 *   targets become empty. The server answered with authority, so the old targets are really gone;
 * - anything else (SERVFAIL, REFUSED, timeout, no server reachable): the name keeps its last good
 *   targets, and the error goes to `onError`. We cannot tell whether the targets still exist, and a
 *   DNS outage must not stop every scrape.
 * `update` is called after the first refresh, then only when some name's targets changed. Targets are
 * sorted by address, so a server rotating its answers is not a change.
 *
 * Owned by the discovery manager; lives until `stop()`. The refresh timer is unref'd.
 */
export class DnsDiscoverer extends PollingDiscoverer {
  readonly #config: DnsSdConfig;
  readonly #names: readonly string[];
  readonly #port: number;
  readonly #id: string;
  readonly #resolver: DnsResolver;
  readonly #lookupTimeoutMs: number;
  readonly #maxTargets: number;
  /** Last good targets per name, and their JSON to compare cheaply. A name never resolved has none. */
  readonly #targets = new Map<string, { readonly targets: readonly LabelSet[]; readonly json: string }>();
  #emitted = false;

  constructor(config: DnsSdConfig, options: DnsDiscovererOptions = {}) {
    const { id, resolver, lookupTimeoutMs, maxTargetsPerName } = { ...DNS_DISCOVERY_DEFAULTS, ...options };
    if (config.type !== 'SRV' && config.port === undefined) {
      throw new Error(`dns_sd_configs: a port is required for type ${config.type}`);
    }
    if (!(config.refresh_interval > 0)) throw new Error('dns_sd_configs: refresh_interval must be positive');
    super(config.refresh_interval, 'share');
    this.#config = config;
    this.#names = [...new Set(config.names)];
    this.#port = config.port ?? 0;
    this.#id = id;
    this.#resolver = resolver ?? new Resolver({ timeout: lookupTimeoutMs, tries: 2 });
    this.#lookupTimeoutMs = lookupTimeoutMs;
    this.#maxTargets = maxTargetsPerName;
  }

  protected async refreshOnce(): Promise<void> {
    const results = await Promise.allSettled(this.#names.map((name) => this.#lookup(name)));
    if (this.stopped) return;
    let changed = false;
    results.forEach((result, i) => {
      const name = this.#names[i] as string;
      if (result.status === 'rejected') {
        this.onError(asError(result.reason));
        return;
      }
      const json = JSON.stringify(result.value);
      if (this.#targets.get(name)?.json === json) return;
      this.#targets.set(name, { targets: result.value, json });
      changed = true;
    });
    if (this.update === undefined || (this.#emitted && !changed)) return;
    this.#emitted = true;
    this.update(this.#groups());
  }

  #groups(): TargetGroup[] {
    return this.#names.flatMap((name) => {
      const last = this.#targets.get(name);
      return last === undefined ? [] : [{ source: `${this.#id}/${name}`, targets: last.targets }];
    });
  }

  /** One name's targets, sorted by address and capped; rejects when the name keeps its last good. */
  async #lookup(name: string): Promise<LabelSet[]> {
    let targets: LabelSet[];
    try {
      targets = await withTimeout(this.#resolve(name), this.#lookupTimeoutMs, name);
    } catch (err) {
      if (isNoSuchName(err)) return [];
      throw err;
    }
    targets.sort((a, b) => compare(a['__address__'] ?? '', b['__address__'] ?? ''));
    if (targets.length > this.#maxTargets) {
      this.onError(codedError('CN_ERR_TOO_MANY_TARGETS',
        `dns_sd_configs: ${name} has ${targets.length} records; kept the first ${this.#maxTargets}`));
      targets = targets.slice(0, this.#maxTargets);
    }
    return targets;
  }

  async #resolve(name: string): Promise<LabelSet[]> {
    switch (this.#config.type) {
      case 'A':
        return (await this.#resolver.resolve4(name)).map((ip) => ({
          __address__: joinHostPort(ip, this.#port), __meta_dns_name: name,
        }));
      case 'AAAA':
        return (await this.#resolver.resolve6(name)).map((ip) => ({
          __address__: joinHostPort(ip, this.#port), __meta_dns_name: name,
        }));
      case 'SRV':
        return (await this.#resolver.resolveSrv(name)).flatMap((srv) => {
          const host = srv.name.replace(/\.$/, '');
          // An empty target (".") means "no service here" (RFC 2782): nothing to scrape.
          if (host === '') return [];
          return [{
            __address__: joinHostPort(host, srv.port),
            __meta_dns_name: name,
            // Prometheus puts the record's target as an FQDN, trailing dot included; relabel rules
            // written for Prometheus may depend on it.
            __meta_dns_srv_record_target: `${host}.`,
            __meta_dns_srv_record_port: String(srv.port),
          }];
        });
    }
  }
}

/** Like Go's net.JoinHostPort: "10.0.0.1:80", "[::1]:80". */
function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** NXDOMAIN or NOERROR without records: the server says there is nothing, not that it failed. */
function isNoSuchName(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === NOTFOUND || code === NODATA;
}

function withTimeout<T>(promise: Promise<T>, ms: number, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(codedError('ETIMEOUT', `dns_sd_configs: lookup of ${name} timed out after ${ms}ms`));
    }, ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function codedError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
