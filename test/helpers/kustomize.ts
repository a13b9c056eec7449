import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * A small, honest subset of `kustomize build`, enough for deploy/kubernetes (which uses no patches or
 * generators on purpose: each overlay adds complete resources, so nothing here has to guess at
 * strategic-merge semantics). Supported kustomization fields:
 *   resources   files (one or more YAML documents) and directories holding a kustomization.yaml
 *   namespace   set on every namespaced resource; ServiceAccount subjects of (Cluster)RoleBindings
 *               without a namespace, or in "default", get it too (kustomize's defaultOnly rule)
 *   labels      [{pairs, includeSelectors: false, includeTemplates?}] added to metadata.labels (and
 *               to pod template labels with includeTemplates); selectors are never touched
 *   images      [{name, newName?, newTag?}] rewrite container and init container images
 * Any other field is an error, so a kustomization using more than this fails the test instead of
 * being half-understood. test/deploy/kubernetes.test.ts compares the result with `kubectl kustomize`
 * where kubectl is installed.
 */

export interface KubeResource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** A resource and the file it came from (for messages). */
export interface Built {
  readonly resource: KubeResource;
  readonly file: string;
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'labels', 'images']);

/** Kinds that live outside namespaces (those this project could plausibly use). */
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PersistentVolume', 'StorageClass', 'CustomResourceDefinition', 'PriorityClass', 'IngressClass', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']);

interface Kustomization {
  resources?: string[];
  namespace?: string;
  labels?: { pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }[];
  images?: { name: string; newName?: string; newTag?: string }[];
}

/** Every YAML document of a manifest file, as objects (empty documents skipped). */
export async function readManifests(file: string): Promise<KubeResource[]> {
  const docs = parseAllDocuments(await readFile(file, 'utf8'));
  const out: KubeResource[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message}`);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    out.push(value as KubeResource);
  }
  return out;
}

/** `kustomize build dir`, for the subset above. */
export async function kustomizeBuild(dir: string, root: string = dir): Promise<Built[]> {
  const file = join(dir, 'kustomization.yaml');
  if (!existsSync(file)) throw new Error(`${relative(root, dir) || '.'}: no kustomization.yaml`);
  const k = (await readManifests(file))[0] as unknown as Kustomization & Record<string, unknown>;
  const unknown = Object.keys(k).filter((key) => !SUPPORTED.has(key));
  if (unknown.length > 0) throw new Error(`${relative(root, file)}: ${unknown.join(', ')} is outside the kustomize subset this resolver implements`);
  const built: Built[] = [];
  for (const entry of k.resources ?? []) {
    const path = join(dir, entry);
    if (!existsSync(path)) throw new Error(`${relative(root, file)}: resource ${entry} does not exist`);
    if (statSync(path).isDirectory()) built.push(...(await kustomizeBuild(path, root)));
    else for (const resource of await readManifests(path)) built.push({ resource, file: relative(root, path) });
  }
  for (const { resource } of built) {
    if (k.namespace !== undefined) setNamespace(resource, k.namespace);
    for (const label of k.labels ?? []) {
      if (label.includeSelectors === true) throw new Error(`${relative(root, file)}: labels with includeSelectors are outside the subset (selectors are immutable; keep them stable)`);
      resource.metadata.labels = { ...resource.metadata.labels, ...label.pairs };
      const template = podTemplate(resource);
      if (label.includeTemplates === true && template !== undefined) {
        template.metadata ??= {};
        template.metadata.labels = { ...template.metadata.labels, ...label.pairs };
      }
    }
    for (const image of k.images ?? []) setImage(resource, image);
  }
  const seen = new Set<string>();
  for (const { resource, file: from } of built) {
    const id = resourceId(resource);
    if (seen.has(id)) throw new Error(`${from}: ${id} is defined twice`);
    seen.add(id);
  }
  return built;
}

/** "Kind namespace/name", unique within a build. */
export function resourceId(r: KubeResource): string {
  return `${r.kind} ${r.metadata?.namespace ?? ''}/${r.metadata?.name}`;
}

function setNamespace(resource: KubeResource, namespace: string): void {
  if (CLUSTER_SCOPED.has(resource.kind)) {
    if (resource.kind === 'ClusterRoleBinding') setSubjectNamespaces(resource, namespace);
    return;
  }
  resource.metadata.namespace = namespace;
  if (resource.kind === 'RoleBinding') setSubjectNamespaces(resource, namespace);
}

function setSubjectNamespaces(binding: KubeResource, namespace: string): void {
  for (const s of (binding['subjects'] as { kind: string; namespace?: string }[] | undefined) ?? []) {
    if (s.kind === 'ServiceAccount' && (s.namespace === undefined || s.namespace === 'default')) s.namespace = namespace;
  }
}

interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec?: { containers?: { image?: string }[]; initContainers?: { image?: string }[] };
}

/** The pod template of a workload (Deployment, StatefulSet, DaemonSet, Job), if any. */
export function podTemplate(resource: KubeResource): PodTemplate | undefined {
  const spec = resource['spec'] as { template?: PodTemplate; jobTemplate?: { spec?: { template?: PodTemplate } } } | undefined;
  return spec?.template ?? spec?.jobTemplate?.spec?.template;
}

function setImage(resource: KubeResource, image: { name: string; newName?: string; newTag?: string }): void {
  const spec = resource.kind === 'Pod' ? (resource['spec'] as PodTemplate['spec']) : podTemplate(resource)?.spec;
  for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
    if (c.image === undefined) continue;
    const m = /^(.+?)(?::([^:/@]+))?(@sha256:[0-9a-f]+)?$/.exec(c.image);
    if (m === null || m[1] !== image.name) continue;
    c.image = `${image.newName ?? m[1]}${image.newTag !== undefined ? `:${image.newTag}` : m[2] !== undefined ? `:${m[2]}` : ''}${m[3] ?? ''}`;
  }
}
