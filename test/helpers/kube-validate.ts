import * as apps from 'kubernetes-models/apps/v1';
import * as batch from 'kubernetes-models/batch/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as rbac from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import * as core from 'kubernetes-models/v1';
import { type KubeResource, podTemplate } from './kustomize.js';

/**
 * Validates Kubernetes resources against the API schemas carried by the `kubernetes-models` package
 * (its compiled JSON-schema validators, no download), plus what the schemas cannot say:
 * - unknown fields (a typo such as `replica:` passes the schemas, which allow extra properties;
 *   the API server's strict field validation refuses it): found by running the schema validator on
 *   a proxy that records every property it reads; a field it never looked at is one the schema
 *   does not know (maps such as labels are enumerated, hence known);
 * - API server rules: a name, a container image, a selector that matches the pod template, volume
 *   mounts and probe ports that name something declared.
 */

type ModelClass = { apiVersion: string; kind: string; prototype: { validate(): void } };
const GROUPS: Record<string, Record<string, unknown>> = {
  v1: core,
  'apps/v1': apps,
  'batch/v1': batch,
  'networking.k8s.io/v1': networking,
  'policy/v1': policy,
  'rbac.authorization.k8s.io/v1': rbac,
};

function modelOf(r: KubeResource): ModelClass | undefined {
  const candidate = GROUPS[r.apiVersion]?.[r.kind] as ModelClass | undefined;
  return candidate !== undefined && candidate.apiVersion === r.apiVersion && candidate.kind === r.kind ? candidate : undefined;
}

interface Tracked {
  readonly path: string;
  readonly keys: readonly string[];
  readonly read: Set<string>;
  enumerated: boolean;
}

function track(value: unknown, path: string, all: Tracked[]): unknown {
  if (value === null || typeof value !== 'object') return value;
  const rec: Tracked = { path, keys: Array.isArray(value) ? [] : Object.keys(value), read: new Set(), enumerated: false };
  all.push(rec);
  const copy: unknown = Array.isArray(value)
    ? value.map((v, i) => track(v, `${path}/${i}`, all))
    : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, track(v, `${path}/${k}`, all)]));
  return new Proxy(copy as object, {
    get(target, key, receiver) {
      if (typeof key === 'string') rec.read.add(key);
      return Reflect.get(target, key, receiver) as unknown;
    },
    has(target, key) {
      if (typeof key === 'string') rec.read.add(key);
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      rec.enumerated = true;
      return Reflect.ownKeys(target);
    },
  });
}

const DNS_1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

interface Container {
  name?: string;
  image?: string;
  ports?: { name?: string; containerPort?: number }[];
  volumeMounts?: { name: string }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
}
interface Probe { httpGet?: { port?: number | string }; tcpSocket?: { port?: number | string } }

/** Problems of one resource, each "path: message"; empty when it is valid. */
export function validateResource(r: KubeResource): string[] {
  const problems: string[] = [];
  if (typeof r.apiVersion !== 'string' || typeof r.kind !== 'string') return ['apiVersion and kind are required'];
  const model = modelOf(r);
  if (model === undefined) return [`${r.apiVersion} ${r.kind} is not a kind this validator knows (add its group to kube-validate.ts)`];
  const tracked: Tracked[] = [];
  try {
    model.prototype.validate.call(track(r, '', tracked));
  } catch (err) {
    problems.push(...(err as Error).message.split(', ').map((m) => m.replace(/^data/, '')));
  }
  for (const t of tracked) {
    if (t.enumerated) continue;
    for (const k of t.keys) if (!t.read.has(k)) problems.push(`${t.path}/${k}: unknown field`);
  }
  const name = r.metadata?.name;
  if (typeof name !== 'string' || !DNS_1123.test(name) || name.length > 253) problems.push(`/metadata/name: required, a DNS-1123 name (got ${JSON.stringify(name)})`);
  const template = podTemplate(r);
  if (template !== undefined) {
    const spec = r['spec'] as { selector?: { matchLabels?: Record<string, string> } };
    const labels = template.metadata?.labels ?? {};
    for (const [k, v] of Object.entries(spec.selector?.matchLabels ?? {})) {
      if (labels[k] !== v) problems.push(`/spec/selector/matchLabels/${k}: does not match the pod template's labels`);
    }
    const podSpec = template.spec as { containers?: Container[]; initContainers?: Container[]; volumes?: { name: string }[] } | undefined;
    const volumes = new Set((podSpec?.volumes ?? []).map((v) => v.name));
    const claims = new Set(((r['spec'] as { volumeClaimTemplates?: { metadata?: { name?: string } }[] }).volumeClaimTemplates ?? []).map((c) => c.metadata?.name));
    const all = [...(podSpec?.containers ?? []).map((c, i) => [c, `/spec/template/spec/containers/${i}`] as const), ...(podSpec?.initContainers ?? []).map((c, i) => [c, `/spec/template/spec/initContainers/${i}`] as const)];
    for (const [c, at] of all) {
      if (typeof c.image !== 'string' || c.image.trim() === '') problems.push(`${at}/image: required`);
      for (const [j, m] of (c.volumeMounts ?? []).entries()) if (!volumes.has(m.name) && !claims.has(m.name)) problems.push(`${at}/volumeMounts/${j}/name: no volume "${m.name}"`);
      const portNames = new Set((c.ports ?? []).map((p) => p.name));
      for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe'] as const) {
        const port = c[probe]?.httpGet?.port ?? c[probe]?.tcpSocket?.port;
        if (typeof port === 'string' && !portNames.has(port)) problems.push(`${at}/${probe}: port "${port}" is not a named port of the container`);
      }
    }
  }
  return problems;
}
