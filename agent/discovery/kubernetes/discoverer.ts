import type { KubernetesSdConfig } from '../../../common/config/service.js';
import { HttpClient } from '../../http/client.js';
import type { Discoverer, TargetGroup } from '../types.js';
import { IN_CLUSTER_SERVICE_ACCOUNT_DIR, type KubeConnection, resolveConnection } from './connection.js';
import { endpointSliceGroup, SERVICE_NAME_LABEL } from './endpointslice-targets.js';
import type { EndpointSlice, Ingress, Node } from './network-objects.js';
import type { Endpoints, ObjectOf, Pod, Resource, Service } from './objects.js';
import { ingressGroup, nodeGroup, serviceGroup } from './role-targets.js';
import { endpointsGroup, podGroup } from './targets.js';
import { ResourceWatcher, type WatcherLimits } from './watcher.js';

export interface KubernetesDiscovererOptions extends Partial<WatcherLimits> {
  /** Prefix of the group sources, "<id>/pod/<ns>/<name>"; the manager passes "kubernetes/<index in the service>". */
  readonly id?: string;
  /** Where the service account is mounted (in-cluster); tests point it elsewhere. */
  readonly serviceAccountDir?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Changes are sent to the manager at most this often (a rollout changes many pods at once). */
  readonly updateDelayMs?: number;
  /** Targets per group (one pod or one Endpoints object). */
  readonly maxTargetsPerGroup?: number;
}

/** Key of a cluster-wide watch in `#byResource` (a namespace name is never empty). */
const ALL_NAMESPACES = '';

type Role = KubernetesSdConfig['role'];
/** What each role watches; the first is the resource its groups are made of. */
const ROLE_RESOURCES: Record<Role, readonly Resource[]> = {
  pod: ['pods'],
  service: ['services'],
  node: ['nodes'],
  ingress: ['ingresses'],
  endpoints: ['endpoints', 'services', 'pods'],
  endpointslice: ['endpointslices', 'services', 'pods'],
};
/** The `selectors[].role` that applies to the watch of each resource. */
const SELECTOR_ROLE: Record<Resource, string> = { pods: 'pod', services: 'service', endpoints: 'endpoints', endpointslices: 'endpointslice', nodes: 'node', ingresses: 'ingress' };

export const KUBERNETES_DISCOVERY_DEFAULTS = {
  id: 'kubernetes',
  updateDelayMs: 1_000,
  maxTargetsPerGroup: 10_000,
  maxObjects: 100_000,
  maxBytes: 64 * 1024 * 1024,
  requestTimeoutMs: 30_000,
  backoffBaseMs: 500,
  backoffCapMs: 30_000,
  watchSeconds: 300,
} as const;

/**
 * One `kubernetes_sd_configs` entry, roles `pod`, `service`, `node`, `ingress`, `endpoints` and
 * `endpointslice`, through the API server with list + watch (see ResourceWatcher). Roles pod,
 * service, node and ingress watch their own resource (nodes cluster-wide); roles endpoints and
 * endpointslice also watch services (for `__meta_kubernetes_service_*`) and pods (for the pod labels
 * of pod-backed addresses), in each configured namespace or in all. Groups are
 * "<id>/<pod|svc|node|ingress|endpoints|endpointslice>/<ns>/<name>" (nodes: "<id>/node/<name>").
 *
 * The first update goes out once every watch has listed (or failed to); then changes are coalesced
 * and sent at most every `updateDelayMs`. While the API server is unreachable the last known objects,
 * hence the last good targets, stay. Owned by the discovery manager; lives until `stop()`.
 */
export class KubernetesDiscoverer implements Discoverer {
  readonly #config: KubernetesSdConfig;
  readonly #options: Required<Omit<KubernetesDiscovererOptions, 'env'>> & { env: NodeJS.ProcessEnv };
  readonly #watchers: ResourceWatcher<Resource>[] = [];
  /** resource -> namespace (ALL_NAMESPACES for a cluster-wide watch) -> its watcher. */
  readonly #byResource = new Map<Resource, Map<string, ResourceWatcher<Resource>>>();
  /** Groups by "<resource>/<object key>" of the object they are made of. */
  readonly #groups = new Map<string, TargetGroup>();
  /** Endpoints or EndpointSlice keys ("ns/name") that read each pod ("ns/name"), to rebuild them when the pod changes. */
  readonly #podReaders = new Map<string, Set<string>>();
  /** Endpoints or EndpointSlices ("ns/name") whose group must be rebuilt. */
  readonly #dirty = new Set<string>();
  #client: HttpClient | undefined;
  #update: ((groups: readonly TargetGroup[]) => void) | undefined;
  #onError: (err: Error) => void = () => {};
  #unsynced = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(config: KubernetesSdConfig, options: KubernetesDiscovererOptions = {}) {
    this.#config = config;
    this.#options = { ...KUBERNETES_DISCOVERY_DEFAULTS, serviceAccountDir: IN_CLUSTER_SERVICE_ACCOUNT_DIR, ...options, env: options.env ?? process.env };
  }

  run(update: (groups: readonly TargetGroup[]) => void, onError: (err: Error) => void): void {
    this.#update = update;
    this.#onError = onError;
    resolveConnection(this.#config, { serviceAccountDir: this.#options.serviceAccountDir, env: this.#options.env }).then(
      (connection) => this.#startWatchers(connection),
      (err: Error) => {
        if (this.#stopped) return;
        onError(err);
        // Nothing can be discovered; say so once, with no targets.
        update([]);
      },
    );
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    for (const w of this.#watchers) w.stop();
    void this.#client?.close();
  }

  #namespaces(connection: KubeConnection): (string | undefined)[] {
    if (this.#config.role === 'node') return [undefined]; // nodes are not in namespaces
    const names = new Set(this.#config.namespaces?.names ?? []);
    if (this.#config.namespaces?.own_namespace === true) {
      if (connection.ownNamespace === undefined) this.#onError(new Error('kubernetes_sd_configs: own_namespace is set but the agent\'s namespace is unknown (no service account namespace file)'));
      else names.add(connection.ownNamespace);
    }
    return names.size === 0 ? [undefined] : [...names].sort();
  }

  #startWatchers(connection: KubeConnection): void {
    if (this.#stopped) return;
    const resources = ROLE_RESOURCES[this.#config.role];
    const namespaces = this.#namespaces(connection);
    // Each watch holds a connection for minutes: one per watch, plus room for the lists.
    this.#client = new HttpClient(connection.client, { connections: namespaces.length * resources.length + 2 });
    for (const namespace of namespaces) {
      for (const resource of resources) {
        const selector = this.#config.selectors.find((s) => s.role === SELECTOR_ROLE[resource]);
        let synced = false;
        this.#unsynced++;
        const watcher = new ResourceWatcher({
          baseUrl: connection.baseUrl,
          client: this.#client,
          resource,
          namespace,
          labelSelector: selector?.label,
          fieldSelector: selector?.field,
          limits: this.#options,
          onChange: (key, object) => this.#changed(resource, key, object),
          onSynced: () => {
            if (!synced) {
              synced = true;
              this.#unsynced--;
            }
            this.#schedule();
          },
          onError: (err) => {
            if (this.#stopped) return;
            this.#onError(err);
            // A watch that cannot list at start must not hold back the others' first update.
            if (!synced) {
              synced = true;
              this.#unsynced--;
              this.#schedule();
            }
          },
        });
        this.#watchers.push(watcher as unknown as ResourceWatcher<Resource>);
        let byNamespace = this.#byResource.get(resource);
        if (byNamespace === undefined) this.#byResource.set(resource, (byNamespace = new Map()));
        byNamespace.set(namespace ?? ALL_NAMESPACES, watcher as unknown as ResourceWatcher<Resource>);
      }
    }
    for (const w of this.#watchers) w.start();
  }

  /** The store holding `resource` objects of `namespace` (its own watch, or the all-namespaces one). */
  #store<R extends Resource>(resource: R, namespace: string): Map<string, ObjectOf<R>> | undefined {
    const byNamespace = this.#byResource.get(resource);
    return (byNamespace?.get(namespace) ?? byNamespace?.get(ALL_NAMESPACES))?.store as Map<string, ObjectOf<R>> | undefined;
  }

  #changed(resource: Resource, key: string, object: ObjectOf<Resource> | undefined): void {
    const role = this.#config.role;
    const primary = ROLE_RESOURCES[role][0] as Resource;
    if (role !== 'endpoints' && role !== 'endpointslice') {
      const max = this.#options.maxTargetsPerGroup;
      const id = `${resource}/${key}`;
      if (object === undefined) this.#groups.delete(id);
      else if (role === 'pod') this.#groups.set(id, prefixed(this.#options.id, podGroup(object as Pod, max)));
      else if (role === 'service') this.#groups.set(id, prefixed(this.#options.id, serviceGroup(object as Service, max)));
      else if (role === 'node') this.#groups.set(id, prefixed(this.#options.id, nodeGroup(object as Node)));
      else this.#groups.set(id, prefixed(this.#options.id, ingressGroup(object as Ingress, max)));
    } else if (resource === primary) {
      this.#dirty.add(key);
    } else if (resource === 'services') {
      if (role === 'endpoints') this.#dirty.add(key); // the Endpoints of the same name carry its labels
      else this.#markSlicesOf(key);
    } else {
      for (const reader of this.#podReaders.get(key) ?? []) this.#dirty.add(reader);
    }
    this.#schedule();
  }

  /** The EndpointSlices of a service ("ns/name"), by their `kubernetes.io/service-name` label. */
  #markSlicesOf(serviceKey: string): void {
    const slash = serviceKey.indexOf('/');
    const namespace = serviceKey.slice(0, slash);
    const name = serviceKey.slice(slash + 1);
    for (const [key, slice] of this.#store('endpointslices', namespace) ?? []) {
      if (key.startsWith(`${namespace}/`) && (slice as EndpointSlice).metadata.labels?.[SERVICE_NAME_LABEL] === name) this.#dirty.add(key);
    }
  }

  #rebuildLinked(): void {
    const primary = ROLE_RESOURCES[this.#config.role][0] as Resource;
    const ctx = {
      service: (ns: string, n: string) => this.#store('services', ns)?.get(`${ns}/${n}`) as Service | undefined,
      pod: (ns: string, n: string) => this.#store('pods', ns)?.get(`${ns}/${n}`) as Pod | undefined,
    };
    for (const key of this.#dirty) {
      const id = `${primary}/${key}`;
      const object = this.#store(primary, key.slice(0, key.indexOf('/')))?.get(key);
      for (const readers of this.#podReaders.values()) readers.delete(key);
      if (object === undefined) {
        this.#groups.delete(id);
        continue;
      }
      const built = primary === 'endpoints'
        ? endpointsGroup(object as Endpoints, ctx, this.#options.maxTargetsPerGroup)
        : endpointSliceGroup(object as EndpointSlice, ctx, this.#options.maxTargetsPerGroup);
      for (const pod of built.pods) {
        let readers = this.#podReaders.get(pod);
        if (readers === undefined) this.#podReaders.set(pod, (readers = new Set()));
        readers.add(key);
      }
      this.#groups.set(id, prefixed(this.#options.id, built.group));
    }
    this.#dirty.clear();
    for (const [pod, readers] of this.#podReaders) if (readers.size === 0) this.#podReaders.delete(pod);
  }

  #schedule(): void {
    if (this.#stopped || this.#unsynced > 0 || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#stopped) return;
      this.#rebuildLinked();
      this.#update?.([...this.#groups.values()]);
    }, this.#options.updateDelayMs);
    this.#timer.unref();
  }
}

function prefixed(id: string, group: TargetGroup): TargetGroup {
  return { source: `${id}/${group.source}`, targets: group.targets };
}
