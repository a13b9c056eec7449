import { z } from 'zod';

/** Labels and annotations: a malformed map reads as none. */
const StringMap = z.record(z.string(), z.string()).nullish().catch(undefined);

/**
 * The metadata discovery reads from every Kubernetes object (cluster-scoped ones, nodes, have no
 * namespace: ''), and the owners of the objects that have them (pods: their controller). Like the
 * objects' schemas, the rest is stripped on parsing.
 */
export const ObjectMetaSchema = z.object({
  name: z.string().min(1),
  namespace: z.string().default(''),
  uid: z.string().nullish(),
  resourceVersion: z.string().nullish(),
  labels: StringMap,
  annotations: StringMap,
  ownerReferences: z
    .array(z.object({ kind: z.string(), name: z.string(), controller: z.boolean().nullish() }))
    .nullish()
    .catch(undefined),
});

/** The metadata of objects whose owners discovery never reads (EndpointSlices, Nodes, Ingresses). */
export const OwnerlessMetaSchema = ObjectMetaSchema.omit({ ownerReferences: true });
