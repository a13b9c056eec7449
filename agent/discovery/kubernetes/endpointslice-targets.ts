import type { LabelSet, TargetGroup } from '../types.js';
import type { EndpointSlice } from './network-objects.js';
import { addUncoveredPodPorts, labelPodPort, type SeenPod } from './pod-ports.js';
import { addMapLabels, joinHostPort, META } from './meta-labels.js';
import { type EndpointsContext, serviceLabels } from './targets.js';

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
  const seenPods = new Map<string, SeenPod>();
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
    let seen: SeenPod | undefined;
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
        if (seen !== undefined) labelPodPort(target, seen, port.port, port.protocol);
        targets.push(target);
      }
    }
  }
  addUncoveredPodPorts(targets, seenPods.values(), common, maxTargets);
  return { group: { source: `endpointslice/${ns}/${slice.metadata.name}`, targets }, pods: [...seenPods.keys()] };
}
