import type { ServiceConfig } from '../../common/config/service.js';
import type { DnsResolver } from './dns.js';
import type { KubernetesDiscovererOptions } from './kubernetes/discoverer.js';
import type { Discoverer } from './types.js';

/** What the discoverers of a service may be handed besides their config entry. */
export interface DiscovererDeps {
  /** Handed to every DNS discoverer; defaults to the system's name servers. */
  readonly resolver?: DnsResolver;
  /** Handed to every Kubernetes discoverer (tests: where the in-cluster files are, update delay). */
  readonly kubernetes?: Omit<KubernetesDiscovererOptions, 'id'>;
}

/**
 * The ids of a service's discoverers, "<mechanism>/<index>", in config order: the order that decides
 * de-duplication. Static entries first, then dns, file, http and kubernetes. Add a mechanism here
 * and in `loadDiscoverers`.
 */
export function discovererIds(service: ServiceConfig): string[] {
  return [
    ...service.static_configs.map((_, i) => `static/${i}`),
    ...service.dns_sd_configs.map((_, i) => `dns/${i}`),
    ...service.file_sd_configs.map((_, i) => `file/${i}`),
    ...service.http_sd_configs.map((_, i) => `http/${i}`),
    ...service.kubernetes_sd_configs.map((_, i) => `kubernetes/${i}`),
  ];
}

/**
 * The service's dns, file, http and kubernetes discoverers, keyed by id. Each mechanism's module is
 * imported only when the service configures it (issue 19: an agent that only reads static targets
 * never loads the Kubernetes client); static targets are built by the manager itself, synchronously.
 */
export async function loadDiscoverers(service: ServiceConfig, deps: DiscovererDeps): Promise<Map<string, Discoverer>> {
  const out = new Map<string, Discoverer>();
  if (service.dns_sd_configs.length > 0) {
    const { DnsDiscoverer } = await import('./dns.js');
    service.dns_sd_configs.forEach((config, i) => {
      const id = `dns/${i}`;
      out.set(id, new DnsDiscoverer(config, deps.resolver === undefined ? { id } : { id, resolver: deps.resolver }));
    });
  }
  if (service.file_sd_configs.length > 0) {
    const { FileDiscoverer } = await import('./file.js');
    service.file_sd_configs.forEach((config, i) => out.set(`file/${i}`, new FileDiscoverer(config, { id: `file/${i}` })));
  }
  if (service.http_sd_configs.length > 0) {
    const { HttpDiscoverer } = await import('./http.js');
    service.http_sd_configs.forEach((config, i) => out.set(`http/${i}`, new HttpDiscoverer(config, { id: `http/${i}` })));
  }
  if (service.kubernetes_sd_configs.length > 0) {
    const { KubernetesDiscoverer } = await import('./kubernetes/discoverer.js');
    service.kubernetes_sd_configs.forEach((config, i) => {
      const id = `kubernetes/${i}`;
      out.set(id, new KubernetesDiscoverer(config, { ...deps.kubernetes, id }));
    });
  }
  return out;
}
