import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { DiscoveryManager } from '../../agent/discovery/manager.js';
import type { ScrapeTarget } from '../../agent/discovery/types.js';
import { parseConfig } from '../../common/config/load.js';
import type { Config } from '../../common/config/schema.js';
import { pod, TestKubeApiServer } from '../helpers/kube-api-server.js';
import { validateResource } from '../helpers/kube-validate.js';
import { type Built, type KubeResource, kustomizeBuild, podTemplate, resourceId } from '../helpers/kustomize.js';
import { BIN } from '../helpers/processes.js';
import { cleanEnv, runCommand } from '../helpers/run-cli.js';
import { serverTls, TLS_FILES } from '../helpers/tls.js';

/**
 * deploy/kubernetes: every manifest parses; each overlay builds (test/helpers/kustomize.ts, compared
 * with `kubectl kustomize` where kubectl is installed); every resource passes the Kubernetes API
 * schemas (kubernetes-models) and the API server's rules (test/helpers/kube-validate.ts); each
 * embedded Crowsnest config passes the real `crowsnest check-config` with the environment its
 * container gets; the agent's RBAC covers what its discovery requests; and broken manifests fail.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const KUBE = join(ROOT, 'deploy', 'kubernetes');
const OVERLAYS = ['regional', 'global', 'pair'] as const;
const exec = promisify(execFile);
const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };

interface Container {
  name: string;
  image?: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string }; fieldRef?: unknown } }[];
  envFrom?: { configMapRef?: { name: string; optional?: boolean }; secretRef?: { name: string; optional?: boolean } }[];
  ports?: { name?: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
}
interface PodSpec { containers: Container[]; volumes?: { name: string; configMap?: { name: string }; emptyDir?: unknown }[]; serviceAccountName?: string }

async function yamlFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await yamlFiles(path)));
    else if (/\.ya?ml$/.test(entry.name)) out.push(path);
  }
  return out.sort();
}

const find = (built: readonly Built[], kind: string, name: string): KubeResource | undefined => built.find((b) => b.resource.kind === kind && b.resource.metadata.name === name)?.resource;

/** A Secret's values: stringData as written, data decoded. */
function secretValues(secret: KubeResource): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((secret['data'] as Record<string, string> | undefined) ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
  return { ...out, ...((secret['stringData'] as Record<string, string> | undefined) ?? {}) };
}

/**
 * The environment Kubernetes gives `container`: envFrom ConfigMaps and Secrets, then env entries.
 * `fillSecret` stands for an operator filling in the shipped Secret's values.
 */
function containerEnv(built: readonly Built[], container: Container, fillSecret: (name: string, key: string, value: string) => string): Record<string, string> {
  const env: Record<string, string> = {};
  const source = (kind: 'ConfigMap' | 'Secret', name: string, optional: boolean): Record<string, string> => {
    const r = find(built, kind, name);
    if (r === undefined) {
      if (optional) return {};
      throw new Error(`container ${container.name}: ${kind} ${name} is not in the overlay`);
    }
    if (kind === 'ConfigMap') return (r['data'] as Record<string, string> | undefined) ?? {};
    return Object.fromEntries(Object.entries(secretValues(r)).map(([k, v]) => [k, fillSecret(name, k, v)]));
  };
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef) Object.assign(env, source('ConfigMap', from.configMapRef.name, from.configMapRef.optional === true));
    if (from.secretRef) Object.assign(env, source('Secret', from.secretRef.name, from.secretRef.optional === true));
  }
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.secretKeyRef) {
      const v = source('Secret', e.valueFrom.secretKeyRef.name, false)[e.valueFrom.secretKeyRef.key];
      if (v === undefined) throw new Error(`env ${e.name}: Secret ${e.valueFrom.secretKeyRef.name} has no key ${e.valueFrom.secretKeyRef.key}`);
      env[e.name] = v;
    } else if (e.valueFrom?.configMapKeyRef) {
      const v = source('ConfigMap', e.valueFrom.configMapKeyRef.name, false)[e.valueFrom.configMapKeyRef.key];
      if (v === undefined) throw new Error(`env ${e.name}: ConfigMap ${e.valueFrom.configMapKeyRef.name} has no key ${e.valueFrom.configMapKeyRef.key}`);
      env[e.name] = v;
    } else if (e.valueFrom?.fieldRef) env[e.name] = 'from-the-downward-api';
  }
  return env;
}

/** The Crowsnest config text a container reads: `--config PATH` through its mounts to a ConfigMap key. */
function configText(built: readonly Built[], spec: PodSpec, container: Container): string {
  const args = container.args ?? [];
  const path = args[args.indexOf('--config') + 1];
  if (path === undefined) throw new Error(`container ${container.name}: no --config FILE in args`);
  for (const m of container.volumeMounts ?? []) {
    if (!path.startsWith(`${m.mountPath}/`)) continue;
    const volume = (spec.volumes ?? []).find((v) => v.name === m.name);
    if (volume?.configMap === undefined) throw new Error(`container ${container.name}: ${path} is on volume ${m.name}, not a ConfigMap`);
    const cm = find(built, 'ConfigMap', volume.configMap.name);
    const text = (cm?.['data'] as Record<string, string> | undefined)?.[path.slice(m.mountPath.length + 1)];
    if (text === undefined) throw new Error(`container ${container.name}: ConfigMap ${volume.configMap.name} has no key for ${path}`);
    return text;
  }
  throw new Error(`container ${container.name}: ${path} is not on any mounted volume`);
}

/** Every workload's pod spec and crowsnest containers in a build. */
function workloads(built: readonly Built[]): { resource: KubeResource; spec: PodSpec; container: Container }[] {
  const out: { resource: KubeResource; spec: PodSpec; container: Container }[] = [];
  for (const { resource } of built) {
    const spec = podTemplate(resource)?.spec as PodSpec | undefined;
    if (spec === undefined) continue;
    for (const container of spec.containers) out.push({ resource, spec, container });
  }
  return out;
}

const builds: Record<string, Built[]> = {};
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'crowsnest-kube-'));
  for (const overlay of OVERLAYS) builds[overlay] = await kustomizeBuild(join(KUBE, 'overlays', overlay), KUBE);
});

afterAll(async () => {
  if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
});

describe('deploy/kubernetes manifests', () => {
  it('all parse, and every manifest file is used by an overlay', async () => {
    const files = await yamlFiles(KUBE);
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      for (const doc of parseAllDocuments(await readFile(file, 'utf8'))) expect(doc.errors, relative(KUBE, file)).toEqual([]);
    }
    const used = new Set(Object.values(builds).flatMap((b) => b.map((x) => x.file)));
    const manifests = files.filter((f) => !f.endsWith('kustomization.yaml')).map((f) => relative(KUBE, f));
    expect(manifests.filter((f) => !used.has(f))).toEqual([]);
  });

  for (const overlay of OVERLAYS) {
    describe(`overlay ${overlay}`, () => {
      const built = () => builds[overlay] as Built[];

      it('builds to what `kubectl kustomize` builds (when kubectl is installed)', async () => {
        let stdout: string;
        try {
          ({ stdout } = await exec('kubectl', ['kustomize', join(KUBE, 'overlays', overlay)], { maxBuffer: 16 * 1024 * 1024 }));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
            process.stderr.write('kubectl is not installed: skipping the comparison of the kustomize subset with `kubectl kustomize` (every other check ran)\n');
            return;
          }
          throw err;
        }
        const theirs = parseAllDocuments(stdout).map((d) => d.toJS() as KubeResource);
        const byId = (list: KubeResource[]) => Object.fromEntries(list.map((r) => [resourceId(r), r]));
        expect(byId(built().map((b) => b.resource))).toEqual(byId(theirs));
      });

      it('passes the Kubernetes API schemas and the API server rules, resource by resource', () => {
        const problems = built().flatMap((b) => validateResource(b.resource).map((p) => `${b.file}: ${resourceId(b.resource)}: ${p}`));
        expect(problems).toEqual([]);
        expect(built().length).toBeGreaterThan(5);
      });

      it('runs the image tagged with the package version, as a non-root user with a read-only root filesystem', () => {
        for (const { resource, container } of workloads(built())) {
          expect(container.image, resourceId(resource)).toBe(`crowsnest:${pkg.version}`);
          const sc = (container as { securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean } }).securityContext;
          expect(sc?.readOnlyRootFilesystem).toBe(true);
          expect(sc?.allowPrivilegeEscalation).toBe(false);
          const podSc = (podTemplate(resource)?.spec as { securityContext?: { runAsNonRoot?: boolean } }).securityContext;
          expect(podSc?.runAsNonRoot).toBe(true);
        }
      });

      it('gives every embedded config, with its container environment, a pass from `crowsnest check-config`', async () => {
        const checked: string[] = [];
        for (const { resource, spec, container } of workloads(built())) {
          const env = containerEnv(built(), container, (secret, key) => `filled-${secret}-${key}`);
          const file = join(tmp, `${overlay}-${resource.metadata.name}.yaml`);
          await writeFile(file, configText(built(), spec, container));
          const result = await runCommand(process.execPath, [BIN, 'check-config', file], { env: cleanEnv(env) });
          expect(result.code, `${resourceId(resource)}: ${result.stderr}`).toBe(0);
          checked.push(container.args?.[0] ?? '');
        }
        expect(checked.sort()).toEqual(overlay === 'global' ? ['hub'] : ['agent', 'hub']);
      });

      it('refuses to start while the shipped Secret is left empty, naming the token', async () => {
        for (const { resource, spec, container } of workloads(built())) {
          const env = containerEnv(built(), container, (_secret, _key, value) => value);
          const file = join(tmp, `${overlay}-${resource.metadata.name}-empty.yaml`);
          await writeFile(file, configText(built(), spec, container));
          const result = await runCommand(process.execPath, [BIN, 'check-config', file], { env: cleanEnv(env) });
          expect(result.code, resourceId(resource)).toBe(78);
          expect(result.stderr).toMatch(/(agent_tokens\[0\]|hubs\[0\]\.token|admin_token).*must not be empty/);
        }
      });

      it('keeps the data on a writable volume, and listens where its probes and Service look', () => {
        for (const { resource, spec, container } of workloads(built())) {
          const env = containerEnv(built(), container, (s, k) => `filled-${s}-${k}`);
          const config: Config = parseConfig(configText(built(), spec, container), 'embedded', env);
          const section = config.hub ?? config.agent;
          const dir = config.hub?.data_dir ?? config.agent?.state_dir;
          expect(dir, `${resourceId(resource)}: data dir`).toBeDefined();
          const mount = (container.volumeMounts ?? []).find((m) => dir === m.mountPath || dir?.startsWith(`${m.mountPath}/`));
          expect(mount, `${resourceId(resource)}: ${dir} is on a volume`).toBeDefined();
          expect(mount?.readOnly ?? false).toBe(false);
          const port = Number(section?.listen.split(':').pop());
          expect(section?.listen.startsWith('0.0.0.0:'), 'listens on every interface of the pod').toBe(true);
          const named = (container.ports ?? []).find((p) => p.containerPort === port);
          expect(named?.name, `${resourceId(resource)}: a named container port ${port}`).toBeDefined();
          expect(container.readinessProbe?.httpGet).toEqual({ path: '/-/ready', port: named?.name });
          expect(container.livenessProbe?.httpGet).toEqual({ path: '/-/health', port: named?.name });
          const labels = podTemplate(resource)?.metadata?.labels ?? {};
          const services = built().map((b) => b.resource).filter((r) => r.kind === 'Service' && Object.entries((r['spec'] as { selector?: Record<string, string> }).selector ?? {}).every(([k, v]) => labels[k] === v));
          expect(services.length, `${resourceId(resource)}: a Service selects it`).toBeGreaterThan(0);
          for (const s of services) for (const p of (s['spec'] as { ports: { targetPort: string | number }[] }).ports) expect(p.targetPort).toBe(named?.name);
        }
      });

      it('names only ConfigMaps, Secrets, ServiceAccounts and Services that it defines', () => {
        for (const { resource, spec, container } of workloads(built())) {
          for (const v of spec.volumes ?? []) if (v.configMap) expect(find(built(), 'ConfigMap', v.configMap.name), v.configMap.name).toBeDefined();
          for (const f of container.envFrom ?? []) {
            if (f.secretRef) expect(find(built(), 'Secret', f.secretRef.name), f.secretRef.name).toBeDefined();
            if (f.configMapRef && f.configMapRef.optional !== true) expect(find(built(), 'ConfigMap', f.configMapRef.name), f.configMapRef.name).toBeDefined();
          }
          if (spec.serviceAccountName !== undefined) expect(find(built(), 'ServiceAccount', spec.serviceAccountName)).toBeDefined();
          const serviceName = (resource['spec'] as { serviceName?: string }).serviceName;
          if (serviceName !== undefined) expect((find(built(), 'Service', serviceName)?.['spec'] as { clusterIP?: string }).clusterIP).toBe('None');
          // In-cluster links ("ws://crowsnest-hub:7777/federate") name a Service of the overlay and its port.
          const env = containerEnv(built(), container, (s, k) => `filled-${s}-${k}`);
          const config = parseConfig(configText(built(), spec, container), 'embedded', env);
          // A pod of a StatefulSet by its headless Service ("crowsnest-hub-0.crowsnest-hub-headless") counts too.
          for (const hub of [...(config.agent?.hubs ?? []), ...(config.hub?.peers ?? [])]) {
            const m = /^wss?:\/\/(?:([a-z0-9-]+)-(\d+)\.)?([a-z0-9-]+):(\d+)\//.exec(hub.url);
            expect(m, `${hub.url} is an in-cluster Service address`).not.toBeNull();
            if (m?.[1] !== undefined) {
              const set = find(built(), 'StatefulSet', m[1]);
              expect(set, `StatefulSet ${m[1]}`).toBeDefined();
              expect((set?.['spec'] as { serviceName: string; replicas: number }).serviceName).toBe(m[3]);
              expect(Number(m[2])).toBeLessThan((set?.['spec'] as { replicas: number }).replicas);
            }
            const svc = find(built(), 'Service', m?.[3] as string);
            expect(svc, `Service ${m?.[1]}`).toBeDefined();
            expect((svc?.['spec'] as { ports: { port: number }[] }).ports.map((p) => p.port)).toContain(Number(m?.[4]));
          }
        }
      });

      it('never hands an agent the admin or upstream token', () => {
        for (const { container } of workloads(built())) {
          if (container.args?.[0] !== 'agent') continue;
          const env = containerEnv(built(), container, (_s, _k, v) => v);
          expect(Object.keys(env).filter((k) => /ADMIN|UPSTREAM/.test(k))).toEqual([]);
        }
      });
    });
  }
});

describe('manifest validation', () => {
  const deployment = () => structuredClone(find(builds['regional'] as Built[], 'Deployment', 'crowsnest-agent') as KubeResource);
  const statefulSet = () => structuredClone(find(builds['regional'] as Built[], 'StatefulSet', 'crowsnest-hub') as KubeResource);
  const spec = (r: KubeResource) => r['spec'] as { selector?: unknown; replicas?: unknown; template: { spec: { containers: Record<string, unknown>[] } } };

  it('accepts the shipped agent Deployment and hub StatefulSet as they are (each case below fails for its change alone)', () => {
    expect(validateResource(deployment())).toEqual([]);
    expect(validateResource(statefulSet())).toEqual([]);
  });

  it('fails a Deployment without a selector', () => {
    const d = deployment();
    delete spec(d).selector;
    expect(validateResource(d)).toContain('/spec must have required property selector');
  });

  it('fails a container without an image', () => {
    const d = deployment();
    delete spec(d).template.spec.containers[0]?.['image'];
    expect(validateResource(d)).toContain('/spec/template/spec/containers/0/image: required');
  });

  it('fails a container without a name', () => {
    const s = statefulSet();
    delete spec(s).template.spec.containers[0]?.['name'];
    expect(validateResource(s).join('\n')).toContain('/spec/template/spec/containers/0 must have required property name');
  });

  it('fails a misspelt field, which the schemas alone would let through', () => {
    const d = deployment();
    (spec(d) as Record<string, unknown>)['replica'] = 1;
    expect(validateResource(d)).toContain('/spec/replica: unknown field');
  });

  it('fails a wrong type', () => {
    const d = deployment();
    spec(d).replicas = 'one';
    expect(validateResource(d).join('\n')).toContain('/spec/replicas must be integer');
  });

  it('fails a selector that does not match the pod template', () => {
    const s = statefulSet();
    spec(s).selector = { matchLabels: { 'app.kubernetes.io/component': 'agent' } };
    expect(validateResource(s)).toContain('/spec/selector/matchLabels/app.kubernetes.io/component: does not match the pod template\'s labels');
  });

  it('fails a volume mount without its volume, and a probe on an undeclared port', () => {
    const d = deployment();
    const c = spec(d).template.spec.containers[0] as { volumeMounts: { name: string }[]; readinessProbe: { httpGet: { port: string } } };
    (c.volumeMounts[0] as { name: string }).name = 'nowhere';
    c.readinessProbe.httpGet.port = 'metrics';
    expect(validateResource(d)).toEqual([
      '/spec/template/spec/containers/0/volumeMounts/0/name: no volume "nowhere"',
      '/spec/template/spec/containers/0/readinessProbe: port "metrics" is not a named port of the container',
    ]);
  });

  it('fails a kind it has no schema for', () => {
    expect(validateResource({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })).toEqual(['example.com/v1 Widget is not a kind this validator knows (add its group to kube-validate.ts)']);
  });
});

describe('the agent in a cluster', () => {
  let api: TestKubeApiServer;
  let serviceAccount: string;
  const managers: DiscoveryManager[] = [];

  beforeAll(async () => {
    api = await TestKubeApiServer.start({ tls: serverTls() });
    api.token = 'service-account-token';
    serviceAccount = await mkdtemp(join(tmpdir(), 'crowsnest-sa-'));
    await writeFile(join(serviceAccount, 'token'), 'service-account-token');
    await copyFile(TLS_FILES.ca, join(serviceAccount, 'ca.crt'));
    await writeFile(join(serviceAccount, 'namespace'), 'crowsnest');
    api.set('pods', pod('shop', 'checkout-1', '10.1.0.1', { labels: { 'app.kubernetes.io/name': 'checkout' }, annotations: { 'crowsnest.io/scrape': 'true', 'crowsnest.io/port': '9090' } }));
    api.set('pods', pod('shop', 'checkout-2', '10.1.0.2', { labels: { 'app.kubernetes.io/name': 'checkout' }, annotations: { 'crowsnest.io/scrape': 'true', 'crowsnest.io/path': '/internal/errors' } }));
    api.set('pods', pod('shop', 'checkout-3', '10.1.0.3', { labels: { 'app.kubernetes.io/name': 'checkout' } }));
    api.set('pods', pod('shop', 'checkout-4', '10.1.0.4', { labels: { 'app.kubernetes.io/name': 'checkout' }, annotations: { 'crowsnest.io/scrape': 'true' }, phase: 'Succeeded' }));
    api.set('pods', pod('shop', 'search-1', '10.1.0.5', { labels: { 'app.kubernetes.io/name': 'search' }, annotations: { 'crowsnest.io/scrape': 'true' } }));
  });

  afterAll(async () => {
    for (const m of managers) m.stop();
    await api?.close();
    if (serviceAccount !== undefined) await rm(serviceAccount, { recursive: true, force: true });
  });

  /** The regional overlay's agent config, parsed with its container's environment. */
  function agentConfig(): NonNullable<Config['agent']> {
    const built = builds['regional'] as Built[];
    const w = workloads(built).find((x) => x.container.args?.[0] === 'agent');
    if (w === undefined) throw new Error('no agent in the regional overlay');
    const config = parseConfig(configText(built, w.spec, w.container), 'embedded', containerEnv(built, w.container, (s, k) => `filled-${s}-${k}`));
    return config.agent as NonNullable<Config['agent']>;
  }

  function discover(service: NonNullable<Config['agent']>['services'][number]): () => ScrapeTarget[] | undefined {
    let latest: ScrapeTarget[] | undefined;
    const m = new DiscoveryManager(service, {
      onTargets: (_s, targets) => (latest = targets),
      onError: () => undefined,
      kubernetes: { serviceAccountDir: serviceAccount, env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: new URL(api.url).port }, updateDelayMs: 10 },
    });
    managers.push(m);
    m.start();
    return () => latest;
  }

  it('scrapes, in-cluster, the running pods that opt in, at the port and path their annotations name', async () => {
    const service = agentConfig().services.find((s) => s.name === 'checkout');
    expect(service).toBeDefined();
    const targets = discover(service as NonNullable<typeof service>);
    await vi.waitFor(() => expect(targets()).toBeDefined(), { timeout: 10_000, interval: 20 });
    expect(targets()?.map((t) => [t.url, t.labels])).toEqual([
      ['http://10.1.0.1:9090/errors', { namespace: 'shop', pod: 'checkout-1' }],
      ['http://10.1.0.2:8080/internal/errors', { namespace: 'shop', pod: 'checkout-2' }],
    ]);
  });

  it("requests only what the agent's ClusterRole grants, for role pod and role endpoints", async () => {
    const base = agentConfig().services[0] as NonNullable<Config['agent']>['services'][number];
    const endpointsRole = { ...base, name: 'endpoints-role', kubernetes_sd_configs: base.kubernetes_sd_configs.map((k) => ({ ...k, role: 'endpoints' as const, selectors: [] })) };
    const targets = discover(endpointsRole);
    await vi.waitFor(() => expect(targets()).toBeDefined(), { timeout: 10_000, interval: 20 });
    await vi.waitFor(() => expect(api.openWatches).toBeGreaterThanOrEqual(4), { timeout: 10_000, interval: 20 });
    const built = builds['regional'] as Built[];
    const role = find(built, 'ClusterRole', 'crowsnest-agent') as KubeResource;
    const binding = find(built, 'ClusterRoleBinding', 'crowsnest-agent') as KubeResource & { roleRef: { kind: string; name: string }; subjects: { kind: string; name: string; namespace: string }[] };
    const agent = find(built, 'Deployment', 'crowsnest-agent') as KubeResource;
    expect(binding.roleRef).toMatchObject({ kind: 'ClusterRole', name: role.metadata.name });
    expect(binding.subjects).toContainEqual({ kind: 'ServiceAccount', name: (podTemplate(agent)?.spec as PodSpec).serviceAccountName, namespace: agent.metadata.namespace });
    const rules = role['rules'] as { apiGroups: string[]; resources: string[]; verbs: string[] }[];
    const requested = new Set(api.requests.map((r) => {
      const u = new URL(r.path, 'https://x');
      const resource = u.pathname.split('/').at(-1) as string;
      return `${u.searchParams.get('watch') === '1' ? 'watch' : 'list'} ${resource}`;
    }));
    expect([...requested].sort()).toEqual(['list endpoints', 'list pods', 'list services', 'watch endpoints', 'watch pods', 'watch services']);
    for (const r of requested) {
      const [verb, resource] = r.split(' ') as [string, string];
      expect(rules.some((rule) => rule.apiGroups.includes('') && rule.resources.includes(resource) && rule.verbs.includes(verb)), r).toBe(true);
    }
    // Nothing more than that: read-only, on these three resources.
    expect(rules.flatMap((rule) => rule.verbs).every((v) => v === 'list' || v === 'watch')).toBe(true);
    expect(api.requests.every((r) => r.authorization === 'Bearer service-account-token')).toBe(true);
  });
});
