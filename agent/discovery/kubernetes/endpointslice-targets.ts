import type { LabelSet, TargetGroup } from '../types.js';
import type { Pod } from './objects.js';
import type { EndpointSlice } from './network-objects.js';
import { addMapLabels, containersOf, type EndpointsContext, joinHostPort, META, podLabels, serviceLabels } from './targets.js';

/** The label that names an EndpointSlice's service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const P = `${META}endpointslice_`;

/**
 * Role `endpointslice` (Prometheus' labels): one target per address of each endpoint and port, with
 * the slice's name, address type, labels and annotations, the port's name, number, protocol and app
 * protocol, the endpoint's conditions (ready, serving, terminating, when set), hostname, node name,
 * zone and target; the labels of the service the slice belongs to (`kubernetes.io/service-name`);
 * for pod-backed addresses the pod's labels and matching container port, plus one target per
 * container port of those pods that no slice port covers. Source "endpointslice/<namespace>/<name>";
 * also returns the pods it read ("namespace/name").
 */
export function endpointSliceGroup(slice: EndpointSlice, ctx: EndpointsContext, maxTargets: number): { group: TargetGroup; pods: string[] } {
  const ns = slice.metadata.namespace;
  const common: LabelSet = { [`${META}namespace`]: ns, [`${P}name`]: slice.metadata.name, [`${P}address_type`]: slice.addressType ?? '' };
  addMapLabels(common, P, 'label', slice.metadata.labels);
  addMapLabels(common, P, 'annotation', slice.metadata.annotations);
  const serviceName = slice.metadata.labels?.[SERVICE_NAME_LABEL];
  const service = serviceName === undefined ? undefined : ctx.service(ns, serviceName);
  if (service !== undefined) Object.assign(common, serviceLabels(service));

  const targets: LabelSet[] = [];
  const seenPods = new Map<string, { pod: Pod; ports: Set<number> }>();
  for (const ep of slice.endpoints ?? []) {
    const endpoint: LabelSet = {};
    const c = ep.conditions;
    if (c?.ready !== undefined && c.ready !== null) endpoint[`${P}endpoint_conditions_ready`] = String(c.ready);
    if (c?.serving !== undefined && c.serving !== null) endpoint[`${P}endpoint_conditions_serving`] = String(c.serving);
    if (c?.terminating !== undefined && c.terminating !== null) endpoint[`${P}endpoint_conditions_terminating`] = String(c.terminating);
    if (ep.hostname) endpoint[`${P}endpoint_hostname`] = ep.hostname;
    if (ep.nodeName) endpoint[`${P}endpoint_node_name`] = ep.nodeName;
    if (ep.zone) endpoint[`${P}endpoint_zone`] = ep.zone;
    if (ep.targetRef) {
      endpoint[`${P}address_target_kind`] = ep.targetRef.kind ?? '';
      endpoint[`${P}address_target_name`] = ep.targetRef.name ?? '';
    }
    const ref = ep.targetRef;
    const pod = ref?.kind === 'Pod' && ref.name ? ctx.pod(ref.namespace ?? ns, ref.name) : undefined;
    let seen: { pod: Pod; ports: Set<number> } | undefined;
    if (pod !== undefined) {
      const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
      seen = seenPods.get(key) ?? { pod, ports: new Set() };
      seenPods.set(key, seen);
    }
    for (const port of slice.ports ?? []) {
      if (port.port === null || port.port === undefined) continue;
      for (const address of ep.addresses) {
        if (targets.length >= maxTargets) break;
        const target: LabelSet = {
          ...common,
          ...endpoint,
          __address__: joinHostPort(address, port.port),
          [`${P}port`]: String(port.port),
          [`${P}port_name`]: port.name ?? '',
          [`${P}port_protocol`]: port.protocol ?? '',
        };
        if (port.appProtocol) target[`${P}port_app_protocol`] = port.appProtocol;
        if (seen !== undefined) {
          Object.assign(target, podLabels(seen.pod));
          for (const { c: container, init } of containersOf(seen.pod)) {
            const cport = container.ports?.find((p) => p.containerPort === port.port);
            if (cport === undefined) continue;
            target[`${META}pod_container_name`] = container.name;
            target[`${META}pod_container_image`] = container.image ?? '';
            target[`${META}pod_container_port_name`] = cport.name ?? '';
            target[`${META}pod_container_port_number`] = String(cport.containerPort);
            target[`${META}pod_container_port_protocol`] = port.protocol ?? '';
            target[`${META}pod_container_init`] = String(init);
            break;
          }
          seen.ports.add(port.port);
        }
        targets.push(target);
      }
    }
  }
  for (const { pod, ports } of seenPods.values()) {
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
  return { group: { source: `endpointslice/${ns}/${slice.metadata.name}`, targets }, pods: [...seenPods.keys()] };
}
