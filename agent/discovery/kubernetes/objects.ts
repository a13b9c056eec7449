import { z } from 'zod';
import { EndpointSliceSchema, IngressSchema, NodeSchema } from './network-objects.js';
import { ObjectMetaSchema } from './object-meta.js';

/**
 * The parts of Kubernetes objects that discovery reads. Parsing keeps only these fields (zod strips
 * the rest), so a large cluster costs little memory; anything malformed is skipped and reported.
 */

const ContainerPortSchema = z.object({
  name: z.string().nullish(),
  containerPort: z.number().int(),
  protocol: z.string().nullish(),
});

const ContainerSchema = z.object({
  name: z.string(),
  image: z.string().nullish(),
  ports: z.array(ContainerPortSchema).nullish(),
});

const ContainerStatusSchema = z.object({ name: z.string(), containerID: z.string().nullish() });

export const PodSchema = z.object({
  metadata: ObjectMetaSchema,
  spec: z
    .object({
      nodeName: z.string().nullish(),
      containers: z.array(ContainerSchema).default([]),
      initContainers: z.array(ContainerSchema).nullish(),
    })
    .default({ containers: [] }),
  status: z
    .object({
      podIP: z.string().nullish(),
      hostIP: z.string().nullish(),
      phase: z.string().nullish(),
      conditions: z.array(z.object({ type: z.string(), status: z.string() })).nullish().catch(undefined),
      containerStatuses: z.array(ContainerStatusSchema).nullish().catch(undefined),
      initContainerStatuses: z.array(ContainerStatusSchema).nullish().catch(undefined),
    })
    .default({}),
});
export type Pod = z.infer<typeof PodSchema>;

export const ServiceSchema = z.object({
  metadata: ObjectMetaSchema,
  spec: z
    .object({
      type: z.string().nullish(),
      clusterIP: z.string().nullish(),
      externalName: z.string().nullish(),
      loadBalancerIP: z.string().nullish(),
      ports: z.array(z.object({ name: z.string().nullish(), port: z.number().int(), protocol: z.string().nullish() })).nullish().catch(undefined),
    })
    .default({}),
});
export type Service = z.infer<typeof ServiceSchema>;

const EndpointAddressSchema = z.object({
  ip: z.string(),
  hostname: z.string().nullish(),
  nodeName: z.string().nullish(),
  targetRef: z.object({ kind: z.string().nullish(), name: z.string().nullish(), namespace: z.string().nullish() }).nullish(),
});

export const EndpointsSchema = z.object({
  metadata: ObjectMetaSchema,
  subsets: z
    .array(
      z.object({
        addresses: z.array(EndpointAddressSchema).nullish(),
        notReadyAddresses: z.array(EndpointAddressSchema).nullish(),
        ports: z.array(z.object({ name: z.string().nullish(), port: z.number().int(), protocol: z.string().nullish() })).nullish(),
      }),
    )
    .nullish(),
});
export type Endpoints = z.infer<typeof EndpointsSchema>;

/** The resources discovery watches, with the schema of their items. */
export const RESOURCES = {
  pods: PodSchema,
  services: ServiceSchema,
  endpoints: EndpointsSchema,
  endpointslices: EndpointSliceSchema,
  nodes: NodeSchema,
  ingresses: IngressSchema,
} as const;
export type Resource = keyof typeof RESOURCES;

/** Where each resource is served: its API group path, and whether it lives in namespaces. */
export const RESOURCE_PATHS: Record<Resource, { readonly api: string; readonly namespaced: boolean }> = {
  pods: { api: '/api/v1', namespaced: true },
  services: { api: '/api/v1', namespaced: true },
  endpoints: { api: '/api/v1', namespaced: true },
  endpointslices: { api: '/apis/discovery.k8s.io/v1', namespaced: true },
  nodes: { api: '/api/v1', namespaced: false },
  ingresses: { api: '/apis/networking.k8s.io/v1', namespaced: true },
};
export type ObjectOf<R extends Resource> = z.infer<(typeof RESOURCES)[R]>;

/** "namespace/name": the key of an object in a watcher's store. */
export function objectKey(meta: { readonly namespace: string; readonly name: string }): string {
  return `${meta.namespace}/${meta.name}`;
}
