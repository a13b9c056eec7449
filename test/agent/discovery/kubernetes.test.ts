import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { KubernetesDiscoverer, type KubernetesDiscovererOptions } from '../../../agent/discovery/kubernetes/discoverer.js';
import type { LabelSet, TargetGroup } from '../../../agent/discovery/types.js';
import { KubernetesSdConfigSchema } from '../../../common/config/service.js';
import { pod, TestKubeApiServer } from '../../helpers/kube-api-server.js';
import { serverTls, TLS_FILES } from '../../helpers/tls.js';

let api: TestKubeApiServer;
let dir: string;
const running: KubernetesDiscoverer[] = [];

beforeEach(async () => {
  api = await TestKubeApiServer.start();
  dir = await mkdtemp(join(tmpdir(), 'crowsnest-k8s-'));
});

afterEach(async () => {
  for (const d of running.splice(0)) d.stop();
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

const FAST: KubernetesDiscovererOptions = { updateDelayMs: 10, backoffBaseMs: 10, backoffCapMs: 50, requestTimeoutMs: 2_000 };

function discover(config: Record<string, unknown>, options: KubernetesDiscovererOptions = {}) {
  const updates: TargetGroup[][] = [];
  const errors: string[] = [];
  const d = new KubernetesDiscoverer(KubernetesSdConfigSchema.parse({ api_server: api.url, ...config }), { id: 'kubernetes/0', ...FAST, ...options });
  running.push(d);
  d.run((g) => updates.push([...g]), (e) => errors.push(e.message));
  const targets = (): LabelSet[] => (updates.at(-1) ?? []).flatMap((g) => [...g.targets]);
  const addresses = () => targets().map((t) => t['__address__']).sort();
  return { updates, errors, targets, addresses };
}

const waitFor = (check: () => void) => vi.waitFor(check, { timeout: 10_000, interval: 10 });

describe('KubernetesDiscoverer', () => {
  describe('role pod', () => {
    it("labels a pod's target as Prometheus does", async () => {
      api.set('pods', pod('shop', 'web-1', '10.1.0.1', { labels: { app: 'web', 'app.kubernetes.io/name': 'web' }, annotations: { 'errors/port': '8080' } }));
      const { updates } = discover({ role: 'pod' });
      await waitFor(() => expect(updates).toHaveLength(1));
      expect(updates[0]).toEqual([{
        source: 'kubernetes/0/pod/shop/web-1',
        targets: [{
          __address__: '10.1.0.1:8080',
          __meta_kubernetes_namespace: 'shop',
          __meta_kubernetes_pod_name: 'web-1',
          __meta_kubernetes_pod_ip: '10.1.0.1',
          __meta_kubernetes_pod_ready: 'true',
          __meta_kubernetes_pod_phase: 'Running',
          __meta_kubernetes_pod_node_name: 'node-1',
          __meta_kubernetes_pod_host_ip: '192.168.0.1',
          __meta_kubernetes_pod_uid: 'uid-shop-web-1',
          __meta_kubernetes_pod_controller_kind: 'ReplicaSet',
          __meta_kubernetes_pod_controller_name: 'web-rs',
          __meta_kubernetes_pod_label_app: 'web',
          __meta_kubernetes_pod_labelpresent_app: 'true',
          __meta_kubernetes_pod_label_app_kubernetes_io_name: 'web',
          __meta_kubernetes_pod_labelpresent_app_kubernetes_io_name: 'true',
          __meta_kubernetes_pod_annotation_errors_port: '8080',
          __meta_kubernetes_pod_annotationpresent_errors_port: 'true',
          __meta_kubernetes_pod_container_name: 'app',
          __meta_kubernetes_pod_container_id: 'containerd://web-1',
          __meta_kubernetes_pod_container_image: 'example/app:1',
          __meta_kubernetes_pod_container_init: 'false',
          __meta_kubernetes_pod_container_port_number: '8080',
          __meta_kubernetes_pod_container_port_name: 'http',
          __meta_kubernetes_pod_container_port_protocol: 'TCP',
        }],
      }]);
    });

    it('gives a container without ports one target at the pod IP, for relabeling to add a port', async () => {
      api.set('pods', pod('shop', 'job-1', '10.1.0.9', { ports: [] }));
      const { addresses } = discover({ role: 'pod' });
      await waitFor(() => expect(addresses()).toEqual(['10.1.0.9']));
    });

    it('finds a pod that starts, follows its IP, and drops it when deleted', async () => {
      const { addresses, updates } = discover({ role: 'pod' });
      await waitFor(() => expect(updates).toHaveLength(1));
      expect(addresses()).toEqual([]);
      api.set('pods', pod('shop', 'web-1', undefined)); // scheduled, no IP yet: no target
      api.set('pods', pod('shop', 'web-2', '10.1.0.2'));
      await waitFor(() => expect(addresses()).toEqual(['10.1.0.2:8080']));
      api.set('pods', pod('shop', 'web-1', '10.1.0.1'));
      await waitFor(() => expect(addresses()).toEqual(['10.1.0.1:8080', '10.1.0.2:8080']));
      api.delete('pods', 'shop', 'web-2');
      await waitFor(() => expect(addresses()).toEqual(['10.1.0.1:8080']));
    });

    it('watches only the configured namespaces', async () => {
      api.set('pods', pod('shop', 'a', '10.1.0.1'));
      api.set('pods', pod('infra', 'b', '10.1.0.2'));
      api.set('pods', pod('other', 'c', '10.1.0.3'));
      const { addresses } = discover({ role: 'pod', namespaces: { names: ['shop', 'infra'] } });
      await waitFor(() => expect(addresses()).toEqual(['10.1.0.1:8080', '10.1.0.2:8080']));
      expect(api.requests.map((r) => r.path.split('?')[0])).toContain('/api/v1/namespaces/shop/pods');
      api.set('pods', pod('other', 'd', '10.1.0.4'));
      api.set('pods', pod('infra', 'e', '10.1.0.5'));
      await waitFor(() => expect(addresses()).toEqual(['10.1.0.1:8080', '10.1.0.2:8080', '10.1.0.5:8080']));
    });

    it('passes the label selector of its role to the API server', async () => {
      api.set('pods', pod('shop', 'a', '10.1.0.1', { labels: { errors: 'periskop' } }));
      api.set('pods', pod('shop', 'b', '10.1.0.2', { labels: { errors: 'none' } }));
      const { addresses } = discover({ role: 'pod', selectors: [{ role: 'pod', label: 'errors=periskop' }] });
      await waitFor(() => expect(addresses()).toEqual(['10.1.0.1:8080']));
      expect(api.requests[0]?.path).toContain('labelSelector=errors%3Dperiskop');
    });

    it('reads a list of many pages', async () => {
      for (let i = 0; i < 1_200; i++) api.set('pods', pod('shop', `p-${i}`, `10.2.${Math.floor(i / 250)}.${i % 250}`));
      const { addresses } = discover({ role: 'pod' });
      await waitFor(() => expect(addresses()).toHaveLength(1_200));
      expect(api.requests.filter((r) => r.path.includes('continue=')).length).toBe(2);
    });
  });

  describe('role endpoints', () => {
    beforeEach(() => {
      api.set('services', { metadata: { name: 'web', namespace: 'shop', labels: { tier: 'front' }, annotations: { owner: 'pay' } } });
      api.set('pods', pod('shop', 'web-1', '10.1.0.1', { labels: { app: 'web' }, ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { name: 'admin', containerPort: 9090, protocol: 'TCP' }] }));
      api.set('endpoints', {
        metadata: { name: 'web', namespace: 'shop', labels: { svc: 'web' } },
        subsets: [{
          addresses: [{ ip: '10.1.0.1', nodeName: 'node-1', targetRef: { kind: 'Pod', name: 'web-1', namespace: 'shop' } }],
          notReadyAddresses: [{ ip: '10.1.0.7' }],
          ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
        }],
      });
    });

    it('labels endpoint targets with the endpoint, service and pod labels', async () => {
      const { targets } = discover({ role: 'endpoints' });
      await waitFor(() => expect(targets()).toHaveLength(3));
      const ready = targets().find((t) => t['__address__'] === '10.1.0.1:8080');
      expect(ready).toMatchObject({
        __meta_kubernetes_namespace: 'shop',
        __meta_kubernetes_endpoints_name: 'web',
        __meta_kubernetes_endpoints_label_svc: 'web',
        __meta_kubernetes_service_name: 'web',
        __meta_kubernetes_service_label_tier: 'front',
        __meta_kubernetes_service_annotation_owner: 'pay',
        __meta_kubernetes_endpoint_ready: 'true',
        __meta_kubernetes_endpoint_port_name: 'http',
        __meta_kubernetes_endpoint_port_protocol: 'TCP',
        __meta_kubernetes_endpoint_node_name: 'node-1',
        __meta_kubernetes_endpoint_address_target_kind: 'Pod',
        __meta_kubernetes_endpoint_address_target_name: 'web-1',
        __meta_kubernetes_pod_name: 'web-1',
        __meta_kubernetes_pod_label_app: 'web',
        __meta_kubernetes_pod_container_name: 'app',
        __meta_kubernetes_pod_container_port_number: '8080',
      });
      expect(targets().find((t) => t['__address__'] === '10.1.0.7:8080')?.['__meta_kubernetes_endpoint_ready']).toBe('false');
    });

    it('adds a target for a container port of a backing pod that no endpoint port covers', async () => {
      const { targets } = discover({ role: 'endpoints' });
      await waitFor(() => expect(targets().map((t) => t['__address__'])).toContain('10.1.0.1:9090'));
      const extra = targets().find((t) => t['__address__'] === '10.1.0.1:9090');
      expect(extra?.['__meta_kubernetes_pod_container_port_name']).toBe('admin');
      expect(extra?.['__meta_kubernetes_endpoint_ready']).toBeUndefined();
    });

    it('updates the targets when the endpoints, the service or a backing pod change', async () => {
      const { targets, addresses } = discover({ role: 'endpoints' });
      await waitFor(() => expect(targets()).toHaveLength(3));
      api.set('services', { metadata: { name: 'web', namespace: 'shop', labels: { tier: 'back' } } });
      await waitFor(() => expect(targets()[0]?.['__meta_kubernetes_service_label_tier']).toBe('back'));
      api.set('pods', pod('shop', 'web-1', '10.1.0.1', { labels: { app: 'web', version: 'v2' } }));
      await waitFor(() => expect(targets().find((t) => t['__address__'] === '10.1.0.1:8080')?.['__meta_kubernetes_pod_label_version']).toBe('v2'));
      api.set('endpoints', { metadata: { name: 'web', namespace: 'shop' }, subsets: [{ addresses: [{ ip: '10.1.0.3' }], ports: [{ port: 8080 }] }] });
      await waitFor(() => expect(addresses()).toEqual(['10.1.0.3:8080']));
      api.delete('endpoints', 'shop', 'web');
      await waitFor(() => expect(addresses()).toEqual([]));
    });
  });

  describe('failures', () => {
    it('keeps the last good targets while the API server fails, then catches up', async () => {
      api.set('pods', pod('shop', 'a', '10.1.0.1'));
      const { addresses, errors, updates } = discover({ role: 'pod' });
      await waitFor(() => expect(addresses()).toEqual(['10.1.0.1:8080']));
      api.fail = true;
      api.endWatches();
      await waitFor(() => expect(errors.join('\n')).toMatch(/HTTP 500/));
      expect(addresses()).toEqual(['10.1.0.1:8080']);
      const seen = updates.length;
      api.fail = false;
      api.set('pods', pod('shop', 'b', '10.1.0.2'));
      await waitFor(() => expect(addresses()).toEqual(['10.1.0.1:8080', '10.1.0.2:8080']));
      expect(updates.length).toBeGreaterThan(seen);
    });

    it('lists again when its resource version is too old (410 Gone), and misses nothing', async () => {
      api.set('pods', pod('shop', 'a', '10.1.0.1'));
      const { addresses } = discover({ role: 'pod' });
      await waitFor(() => expect(addresses()).toEqual(['10.1.0.1:8080']));
      await waitFor(() => expect(api.openWatches).toBe(1));
      api.endWatches();
      api.set('pods', pod('shop', 'b', '10.1.0.2'));
      api.delete('pods', 'shop', 'a');
      api.compact();
      await waitFor(() => expect(addresses()).toEqual(['10.1.0.2:8080']));
      const lists = api.requests.filter((r) => !r.path.includes('watch=1'));
      expect(lists.length).toBe(2);
    });

    it('resumes an ended watch from the last version seen, without listing again', async () => {
      api.set('pods', pod('shop', 'a', '10.1.0.1'));
      const { addresses } = discover({ role: 'pod' });
      await waitFor(() => expect(api.openWatches).toBe(1));
      api.endWatches();
      api.set('pods', pod('shop', 'b', '10.1.0.2'));
      await waitFor(() => expect(addresses()).toEqual(['10.1.0.1:8080', '10.1.0.2:8080']));
      expect(api.requests.filter((r) => !r.path.includes('watch=1'))).toHaveLength(1);
    });

    it('reports a missing in-cluster environment and reports no targets', async () => {
      const d = new KubernetesDiscoverer(KubernetesSdConfigSchema.parse({ role: 'pod' }), { ...FAST, env: {}, serviceAccountDir: dir });
      running.push(d);
      const errors: string[] = [];
      const updates: TargetGroup[][] = [];
      d.run((g) => updates.push([...g]), (e) => errors.push(e.message));
      await waitFor(() => expect(updates).toEqual([[]]));
      expect(errors[0]).toBe('kubernetes_sd_configs: not running in a cluster (KUBERNETES_SERVICE_HOST/PORT unset); set api_server or kubeconfig_file');
    });
  });

  describe('connecting', () => {
    it('connects with a kubeconfig file: its server, token and context namespace', async () => {
      api.token = 'kube-token';
      api.set('pods', pod('team-a', 'a', '10.1.0.1'));
      api.set('pods', pod('team-b', 'b', '10.1.0.2'));
      const kubeconfig = join(dir, 'kubeconfig');
      await writeFile(kubeconfig, stringify({
        apiVersion: 'v1', kind: 'Config', 'current-context': 'test',
        clusters: [{ name: 'c', cluster: { server: api.url } }],
        users: [{ name: 'u', user: { token: 'kube-token' } }],
        contexts: [{ name: 'test', context: { cluster: 'c', user: 'u', namespace: 'team-a' } }],
      }));
      const d = new KubernetesDiscoverer(KubernetesSdConfigSchema.parse({ role: 'pod', kubeconfig_file: kubeconfig, namespaces: { own_namespace: true } }), FAST);
      running.push(d);
      const updates: TargetGroup[][] = [];
      d.run((g) => updates.push([...g]), () => undefined);
      await waitFor(() => expect(updates.at(-1)?.flatMap((g) => g.targets.map((t) => t['__address__']))).toEqual(['10.1.0.1:8080']));
      expect(api.requests.every((r) => r.authorization === 'Bearer kube-token')).toBe(true);
    });

    it('refuses a kubeconfig user with an exec credential plugin, saying so', async () => {
      const kubeconfig = join(dir, 'kubeconfig');
      await writeFile(kubeconfig, stringify({
        'current-context': 't', clusters: [{ name: 'c', cluster: { server: api.url } }],
        users: [{ name: 'u', user: { exec: { command: 'aws' } } }], contexts: [{ name: 't', context: { cluster: 'c', user: 'u' } }],
      }));
      const d = new KubernetesDiscoverer(KubernetesSdConfigSchema.parse({ role: 'pod', kubeconfig_file: kubeconfig }), FAST);
      running.push(d);
      const errors: string[] = [];
      d.run(() => undefined, (e) => errors.push(e.message));
      await waitFor(() => expect(errors[0]).toMatch(/exec and auth-provider credential plugins are not supported/));
    });

    it('runs in-cluster: https to KUBERNETES_SERVICE_HOST with the service account CA, token and namespace', async () => {
      const secure = await TestKubeApiServer.start({ tls: serverTls() });
      try {
        secure.token = 'sa-token-1';
        secure.set('pods', pod('mine', 'a', '10.1.0.1'));
        secure.set('pods', pod('theirs', 'b', '10.1.0.2'));
        const { readFile } = await import('node:fs/promises');
        await writeFile(join(dir, 'ca.crt'), await readFile(TLS_FILES.ca));
        await writeFile(join(dir, 'token'), 'sa-token-1\n');
        await writeFile(join(dir, 'namespace'), 'mine');
        const d = new KubernetesDiscoverer(KubernetesSdConfigSchema.parse({ role: 'pod', namespaces: { own_namespace: true } }), {
          ...FAST, serviceAccountDir: dir, env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(secure.port) },
        });
        running.push(d);
        const updates: TargetGroup[][] = [];
        d.run((g) => updates.push([...g]), () => undefined);
        await waitFor(() => expect(updates.at(-1)?.flatMap((g) => g.targets.map((t) => t['__address__']))).toEqual(['10.1.0.1:8080']));
        expect(secure.requests[0]?.path.startsWith('/api/v1/namespaces/mine/pods?')).toBe(true);
      } finally {
        await secure.close();
      }
    });
  });
});

describe('kubernetes_sd_configs config', () => {
  it.each([
    [{ role: 'nodes' }, 'role "nodes" is not supported; expected one of "pod", "service", "endpoints", "endpointslice", "node", "ingress"'],
    [{ role: 'pod', api_server: 'http://a', kubeconfig_file: 'k' }, 'at most one of "api_server" and "kubeconfig_file" may be set'],
    [{ role: 'pod', selectors: [{ role: 'service', label: 'a=b' }] }, 'role pod supports only pod selectors'],
    [{ role: 'pod', kubeconfig_file: 'k', authorization: { credentials: 'x' } }, 'the kubeconfig file holds the TLS and authentication settings; remove tls_config, authorization and basic_auth'],
  ])('refuses %j', (config, message) => {
    const r = KubernetesSdConfigSchema.safeParse(config);
    expect(r.success ? '' : r.error.issues[0]?.message).toBe(message);
  });
});

describe('KubernetesDiscoverer with many namespaces', () => {
  let server: TestKubeApiServer;
  beforeEach(async () => {
    server = await TestKubeApiServer.start();
  });
  afterEach(async () => {
    await server.close();
  });

  it('keeps a watch open per namespace and resource, and still sees changes in the last one', async () => {
    const names = Array.from({ length: 6 }, (_, i) => `ns-${i}`);
    const d = new KubernetesDiscoverer(KubernetesSdConfigSchema.parse({ role: 'endpoints', api_server: server.url, namespaces: { names } }), FAST);
    running.push(d);
    const updates: TargetGroup[][] = [];
    d.run((g) => updates.push([...g]), () => undefined);
    await waitFor(() => expect(server.openWatches).toBe(18));
    server.set('endpoints', { metadata: { name: 'web', namespace: 'ns-5' }, subsets: [{ addresses: [{ ip: '10.9.0.1' }], ports: [{ port: 80 }] }] });
    await waitFor(() => expect(updates.at(-1)?.flatMap((g) => g.targets.map((t) => t['__address__']))).toEqual(['10.9.0.1:80']));
  });
});
