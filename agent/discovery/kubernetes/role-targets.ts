import type { LabelSet, TargetGroup } from '../types.js';
import type { Service } from './objects.js';
import type { Ingress, Node } from './network-objects.js';
import { addMapLabels, joinHostPort, META, sanitizeLabelName } from './meta-labels.js';
import { serviceLabels } from './targets.js';

/**
 * Roles `service`, `node` and `ingress`: one object to one target group, with the targets and
 * `__meta_kubernetes_*` labels of Prometheus' roles of those names (pure functions).
 */

/**
 * Role `service`: one target per service port, `<name>.<namespace>.svc:<port>`, with the service's
 * name, labels, annotations, type, cluster IP (external name for an ExternalName service) and, for a
 * LoadBalancer, its load balancer IP. Source "svc/<namespace>/<name>".
 */
export function serviceGroup(service: Service, maxTargets: number): TargetGroup {
  const { name, namespace } = service.metadata;
  const common: LabelSet = { [`${META}namespace`]: namespace, ...serviceLabels(service) };
  const type = service.spec.type ?? '';
  const targets: LabelSet[] = [];
  for (const port of (service.spec.ports ?? []).slice(0, maxTargets)) {
    const target: LabelSet = {
      ...common,
      __address__: joinHostPort(`${name}.${namespace}.svc`, port.port),
      [`${META}service_port_name`]: port.name ?? '',
      [`${META}service_port_number`]: String(port.port),
      [`${META}service_port_protocol`]: port.protocol ?? '',
      [`${META}service_type`]: type,
    };
    if (type === 'ExternalName') target[`${META}service_external_name`] = service.spec.externalName ?? '';
    else target[`${META}service_cluster_ip`] = service.spec.clusterIP ?? '';
    if (type === 'LoadBalancer') target[`${META}service_loadbalancer_ip`] = service.spec.loadBalancerIP ?? '';
    targets.push(target);
  }
  return { source: `svc/${namespace}/${name}`, targets };
}

/** Prometheus' order of preference for a node's address. */
const NODE_ADDRESS_TYPES = ['InternalIP', 'InternalDNS', 'ExternalIP', 'ExternalDNS', 'LegacyHostIP', 'Hostname'];

/**
 * Role `node`: one target per node, its preferred address (InternalIP, InternalDNS, ExternalIP,
 * ExternalDNS, LegacyHostIP, Hostname) at the kubelet port, `instance` set to the node name, with the
 * node's name, provider id, labels, annotations and first address of each type. A node without an
 * address has no target. Source "node/<name>".
 */
export function nodeGroup(node: Node): TargetGroup {
  const source = `node/${node.metadata.name}`;
  const byType = new Map<string, string>();
  for (const a of node.status.addresses ?? []) if (!byType.has(a.type)) byType.set(a.type, a.address);
  const type = NODE_ADDRESS_TYPES.find((t) => byType.has(t));
  if (type === undefined) return { source, targets: [] };
  const target: LabelSet = {
    __address__: joinHostPort(byType.get(type) as string, node.status.daemonEndpoints?.kubeletEndpoint?.Port ?? 0),
    instance: node.metadata.name,
    [`${META}node_name`]: node.metadata.name,
    [`${META}node_provider_id`]: node.spec.providerID ?? '',
  };
  addMapLabels(target, `${META}node_`, 'label', node.metadata.labels);
  addMapLabels(target, `${META}node_`, 'annotation', node.metadata.annotations);
  for (const [t, address] of byType) target[`${META}node_address_${sanitizeLabelName(t)}`] = address;
  return { source, targets: [target] };
}

/** Prometheus' matchesHostnamePattern: equal, or `*.example.com` for exactly one more leading label. */
export function matchesHostnamePattern(pattern: string, host: string): boolean {
  if (pattern === host) return true;
  const p = pattern.split('.');
  const h = host.split('.');
  if (p.length !== h.length || p[0] !== '*') return false;
  return p.every((part, i) => i === 0 || part === h[i]);
}

/**
 * Role `ingress`: one target per rule and path, the rule's host as address, with the scheme (https
 * when a TLS entry covers the host, wildcards included), host, path ("/" when none), class name, and
 * the ingress' name, labels and annotations. Source "ingress/<namespace>/<name>".
 */
export function ingressGroup(ingress: Ingress, maxTargets: number): TargetGroup {
  const { name, namespace } = ingress.metadata;
  const common: LabelSet = { [`${META}namespace`]: namespace, [`${META}ingress_name`]: name };
  addMapLabels(common, `${META}ingress_`, 'label', ingress.metadata.labels);
  addMapLabels(common, `${META}ingress_`, 'annotation', ingress.metadata.annotations);
  if (ingress.spec.ingressClassName) common[`${META}ingress_class_name`] = ingress.spec.ingressClassName;
  const tlsHosts = (ingress.spec.tls ?? []).flatMap((t) => t.hosts ?? []);
  const targets: LabelSet[] = [];
  for (const rule of ingress.spec.rules ?? []) {
    const host = rule.host ?? '';
    const scheme = tlsHosts.some((p) => matchesHostnamePattern(p, host)) ? 'https' : 'http';
    const paths = rule.http?.paths ?? [];
    for (const path of paths.length === 0 ? [{ path: '/' }] : paths) {
      if (targets.length >= maxTargets) break;
      targets.push({
        ...common,
        __address__: host,
        [`${META}ingress_scheme`]: scheme,
        [`${META}ingress_host`]: host,
        [`${META}ingress_path`]: path.path || '/',
      });
    }
  }
  return { source: `ingress/${namespace}/${name}`, targets };
}
