import { z } from 'zod';
import { OwnerlessMetaSchema } from './object-meta.js';

/**
 * The parts of EndpointSlices (discovery.k8s.io/v1), Nodes and Ingresses (networking.k8s.io/v1) that
 * the endpointslice, node and ingress roles read; like objects.ts, the rest is stripped on parsing.
 */

export const EndpointSliceSchema = z.object({
  metadata: OwnerlessMetaSchema,
  addressType: z.string().nullish(),
  endpoints: z
    .array(z.object({
      addresses: z.array(z.string()).default([]),
      conditions: z.object({ ready: z.boolean().nullish(), serving: z.boolean().nullish(), terminating: z.boolean().nullish() }).nullish().catch(undefined),
      hostname: z.string().nullish(),
      nodeName: z.string().nullish(),
      zone: z.string().nullish(),
      targetRef: z.object({ kind: z.string().nullish(), name: z.string().nullish(), namespace: z.string().nullish() }).nullish(),
    }))
    .nullish(),
  ports: z
    .array(z.object({ name: z.string().nullish(), port: z.number().int().nullish(), protocol: z.string().nullish(), appProtocol: z.string().nullish() }))
    .nullish(),
});
export type EndpointSlice = z.infer<typeof EndpointSliceSchema>;

export const NodeSchema = z.object({
  metadata: OwnerlessMetaSchema,
  spec: z.object({ providerID: z.string().nullish() }).default({}),
  status: z
    .object({
      addresses: z.array(z.object({ type: z.string(), address: z.string() })).nullish().catch(undefined),
      daemonEndpoints: z.object({ kubeletEndpoint: z.object({ Port: z.number().int() }).nullish() }).nullish().catch(undefined),
    })
    .default({}),
});
export type Node = z.infer<typeof NodeSchema>;

export const IngressSchema = z.object({
  metadata: OwnerlessMetaSchema,
  spec: z
    .object({
      ingressClassName: z.string().nullish(),
      tls: z.array(z.object({ hosts: z.array(z.string()).nullish() })).nullish().catch(undefined),
      rules: z
        .array(z.object({ host: z.string().nullish(), http: z.object({ paths: z.array(z.object({ path: z.string().nullish() })).nullish() }).nullish() }))
        .nullish()
        .catch(undefined),
    })
    .default({}),
});
export type Ingress = z.infer<typeof IngressSchema>;
