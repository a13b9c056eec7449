import type { LabelSet } from '../types.js';
import type { Pod } from './objects.js';
import { addMapLabels, joinHostPort, META } from './meta-labels.js';

/** The labels every target of a pod gets (Prometheus' podLabels). */
export function podLabels(pod: Pod): LabelSet {
  const p = `${META}pod_`;
  const out: LabelSet = {
    [`${p}name`]: pod.metadata.name,
    [`${p}ip`]: pod.status.podIP ?? '',
    [`${p}ready`]: (pod.status.conditions?.find((c) => c.type === 'Ready')?.status ?? 'Unknown').toLowerCase(),
    [`${p}phase`]: pod.status.phase ?? '',
    [`${p}node_name`]: pod.spec.nodeName ?? '',
    [`${p}host_ip`]: pod.status.hostIP ?? '',
    [`${p}uid`]: pod.metadata.uid ?? '',
  };
  const controller = pod.metadata.ownerReferences?.find((o) => o.controller === true);
  if (controller !== undefined) {
    out[`${p}controller_kind`] = controller.kind;
    out[`${p}controller_name`] = controller.name;
  }
  addMapLabels(out, p, 'label', pod.metadata.labels);
  addMapLabels(out, p, 'annotation', pod.metadata.annotations);
  return out;
}

/** Containers and init containers, with whether each is an init container and its container id. */
export function containersOf(pod: Pod) {
  const regular = pod.spec.containers.map((c) => ({ c, init: false, id: pod.status.containerStatuses?.find((s) => s.name === c.name)?.containerID ?? '' }));
  const init = (pod.spec.initContainers ?? []).map((c) => ({ c, init: true, id: pod.status.initContainerStatuses?.find((s) => s.name === c.name)?.containerID ?? '' }));
  return [...regular, ...init];
}

/** A pod an endpoints object or slice points at, and the ports its addresses already covered. */
export interface SeenPod {
  readonly pod: Pod;
  readonly ports: Set<number>;
}

/**
 * Gives `target` (an address of the seen pod on `port`) the pod's labels and those of the first container
 * declaring that port, as Prometheus' endpoints and endpointslice roles do, and marks the port covered.
 */
export function labelPodPort(target: LabelSet, seen: SeenPod, port: number, protocol: string | null | undefined): void {
  Object.assign(target, podLabels(seen.pod));
  for (const { c, init } of containersOf(seen.pod)) {
    const cport = c.ports?.find((p) => p.containerPort === port);
    if (cport === undefined) continue;
    target[`${META}pod_container_name`] = c.name;
    target[`${META}pod_container_image`] = c.image ?? '';
    target[`${META}pod_container_port_name`] = cport.name ?? '';
    target[`${META}pod_container_port_number`] = String(cport.containerPort);
    target[`${META}pod_container_port_protocol`] = protocol ?? '';
    target[`${META}pod_container_init`] = String(init);
    break;
  }
  seen.ports.add(port);
}

/** Adds one target per container port of the seen pods that no address covered (up to `maxTargets` in all). */
export function addUncoveredPodPorts(targets: LabelSet[], seenPods: Iterable<SeenPod>, common: LabelSet, maxTargets: number): void {
  for (const { pod, ports } of seenPods) {
    const ip = pod.status.podIP;
    if (!ip) continue;
    for (const { c, init } of containersOf(pod)) {
      for (const cport of c.ports ?? []) {
        if (ports.has(cport.containerPort) || targets.length >= maxTargets) continue;
        targets.push({
          ...common,
          ...podLabels(pod),
          __address__: joinHostPort(ip, cport.containerPort),
          [`${META}pod_container_name`]: c.name,
          [`${META}pod_container_image`]: c.image ?? '',
          [`${META}pod_container_port_name`]: cport.name ?? '',
          [`${META}pod_container_port_number`]: String(cport.containerPort),
          [`${META}pod_container_port_protocol`]: cport.protocol ?? '',
          [`${META}pod_container_init`]: String(init),
        });
      }
    }
  }
}
