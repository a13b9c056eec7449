import type { LabelSet, TargetGroup } from '../types.js';
import type { Endpoints, Pod, Service } from './objects.js';
import { addMapLabels, joinHostPort, META } from './meta-labels.js';
import { addUncoveredPodPorts, containersOf, labelPodPort, podLabels } from './pod-ports.js';

/**
 * Kubernetes objects to target groups, with Prometheus' `__meta_kubernetes_*` labels (pure functions,
 * the same labels and targets as Prometheus' pod and endpoints roles, so relabel rules carry over).
 */

/**
 * Role `pod`: one target per declared container port ("podIP:port"), or one port-less target per
 * container without ports (relabeling adds the port). A pod without an IP yet has no targets.
 * Source "pod/<namespace>/<name>".
 */
export function podGroup(pod: Pod, maxTargets: number): TargetGroup {
  const source = `pod/${pod.metadata.namespace}/${pod.metadata.name}`;
  const ip = pod.status.podIP;
  if (ip === undefined || ip === null || ip === '') return { source, targets: [] };
  const common: LabelSet = { ...podLabels(pod), [`${META}namespace`]: pod.metadata.namespace };
  const targets: LabelSet[] = [];
  for (const { c, init, id } of containersOf(pod)) {
    const container: LabelSet = {
      ...common,
      [`${META}pod_container_name`]: c.name,
      [`${META}pod_container_id`]: id,
      [`${META}pod_container_image`]: c.image ?? '',
      [`${META}pod_container_init`]: String(init),
    };
    const ports = c.ports ?? [];
    if (ports.length === 0) targets.push({ ...container, __address__: ip });
    for (const port of ports) {
      targets.push({
        ...container,
        __address__: joinHostPort(ip, port.containerPort),
        [`${META}pod_container_port_number`]: String(port.containerPort),
        [`${META}pod_container_port_name`]: port.name ?? '',
        [`${META}pod_container_port_protocol`]: port.protocol ?? '',
      });
    }
    if (targets.length >= maxTargets) break;
  }
  return { source, targets: targets.slice(0, maxTargets) };
}

/** The labels of the service of an Endpoints object (same namespace and name). */
export function serviceLabels(service: Service): LabelSet {
  const p = `${META}service_`;
  const out: LabelSet = { [`${p}name`]: service.metadata.name };
  addMapLabels(out, p, 'label', service.metadata.labels);
  addMapLabels(out, p, 'annotation', service.metadata.annotations);
  return out;
}

/** What an endpoints group needs from the other watches. */
export interface EndpointsContext {
  readonly service: (namespace: string, name: string) => Service | undefined;
  readonly pod: (namespace: string, name: string) => Pod | undefined;
}

/**
 * Role `endpoints`: one target per address and port of each subset (ready addresses with
 * `__meta_kubernetes_endpoint_ready="true"`, not-ready ones "false"); the labels of the service of the
 * same name; for addresses backed by a pod, the pod's labels and those of the container port that
 * matches, plus one target per container port of those pods that no endpoint port covers.
 * Source "endpoints/<namespace>/<name>". Also returns the pods it read ("namespace/name"), so the
 * discoverer knows which groups to rebuild when a pod changes.
 */
export function endpointsGroup(eps: Endpoints, ctx: EndpointsContext, maxTargets: number): { group: TargetGroup; pods: string[] } {
  const ns = eps.metadata.namespace;
  const source = `endpoints/${ns}/${eps.metadata.name}`;
  const common: LabelSet = { [`${META}namespace`]: ns, [`${META}endpoints_name`]: eps.metadata.name };
  const service = ctx.service(ns, eps.metadata.name);
  if (service !== undefined) Object.assign(common, serviceLabels(service));
  addMapLabels(common, `${META}endpoints_`, 'label', eps.metadata.labels);
  addMapLabels(common, `${META}endpoints_`, 'annotation', eps.metadata.annotations);

  const targets: LabelSet[] = [];
  const seenPods = new Map<string, { pod: Pod; ports: Set<number> }>();
  type Address = NonNullable<NonNullable<Endpoints['subsets']>[number]['addresses']>[number];
  type Port = NonNullable<NonNullable<Endpoints['subsets']>[number]['ports']>[number];
  const add = (addr: Address, port: Port, ready: string) => {
    const target: LabelSet = {
      ...common,
      __address__: joinHostPort(addr.ip, port.port),
      [`${META}endpoint_port_name`]: port.name ?? '',
      [`${META}endpoint_port_protocol`]: port.protocol ?? '',
      [`${META}endpoint_ready`]: ready,
    };
    const ref = addr.targetRef;
    if (ref !== undefined && ref !== null) {
      target[`${META}endpoint_address_target_kind`] = ref.kind ?? '';
      target[`${META}endpoint_address_target_name`] = ref.name ?? '';
    }
    if (addr.nodeName) target[`${META}endpoint_node_name`] = addr.nodeName;
    if (addr.hostname) target[`${META}endpoint_hostname`] = addr.hostname;
    const pod = ref?.kind === 'Pod' && ref.name ? ctx.pod(ref.namespace ?? ns, ref.name) : undefined;
    if (pod === undefined) {
      targets.push(target);
      return;
    }
    const podKey = `${pod.metadata.namespace}/${pod.metadata.name}`;
    let seen = seenPods.get(podKey);
    if (seen === undefined) {
      seen = { pod, ports: new Set() };
      seenPods.set(podKey, seen);
    }
    labelPodPort(target, seen, port.port, port.protocol);
    targets.push(target);
  };
  for (const subset of eps.subsets ?? []) {
    for (const port of subset.ports ?? []) {
      for (const addr of subset.addresses ?? []) add(addr, port, 'true');
      for (const addr of subset.notReadyAddresses ?? []) add(addr, port, 'false');
    }
  }
  // Container ports of the pods seen above that no endpoint port covers get a target too.
  addUncoveredPodPorts(targets, seenPods.values(), common, maxTargets);
  return { group: { source, targets: targets.slice(0, maxTargets) }, pods: [...seenPods.keys()] };
}
