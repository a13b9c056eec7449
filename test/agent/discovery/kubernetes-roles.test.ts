import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KubernetesDiscoverer, type KubernetesDiscovererOptions } from '../../../agent/discovery/kubernetes/discoverer.js';
import { matchesHostnamePattern } from '../../../agent/discovery/kubernetes/role-targets.js';
import { compileRelabel } from '../../../agent/discovery/relabel.js';
import type { LabelSet, TargetGroup } from '../../../agent/discovery/types.js';
import { KubernetesSdConfigSchema, RelabelConfigSchema } from '../../../common/config/service.js';
import { pod, TestKubeApiServer } from '../../helpers/kube-api-server.js';

let api: TestKubeApiServer;
const running: KubernetesDiscoverer[] = [];

beforeEach(async () => {
  api = await TestKubeApiServer.start();
});

afterEach(async () => {
  for (const d of running.splice(0)) d.stop();
  await api.close();
});

const FAST: KubernetesDiscovererOptions = { updateDelayMs: 10, backoffBaseMs: 10, backoffCapMs: 50, requestTimeoutMs: 2_000 };

function discover(config: Record<string, unknown>) {
  const updates: TargetGroup[][] = [];
  const errors: string[] = [];
  const d = new KubernetesDiscoverer(KubernetesSdConfigSchema.parse({ api_server: api.url, ...config }), { id: 'kubernetes/0', ...FAST });
  running.push(d);
  d.run((g) => updates.push([...g]), (e) => errors.push(e.message));
  const groups = () => updates.at(-1) ?? [];
  const targets = (): LabelSet[] => groups().flatMap((g) => [...g.targets]);
  const addresses = () => targets().map((t) => t['__address__']).sort();
  return { updates, errors, groups, targets, addresses };
}

const waitFor = (check: () => void) => vi.waitFor(check, { timeout: 10_000, interval: 10 });
const service = (name: string, spec: Record<string, unknown>, labels: Record<string, string> = {}) => ({
  metadata: { name, namespace: 'shop', labels, annotations: { owner: 'pay' } },
  spec: { type: 'ClusterIP', clusterIP: '10.96.0.10', ports: [{ name: 'http', port: 80, protocol: 'TCP' }], ...spec },
});

describe('Kubernetes role service', () => {
  it('gives one target per port at <name>.<namespace>.svc with the service labels, and follows changes', async () => {
    api.set('services', service('web', { ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'errors', port: 7777, protocol: 'TCP' }] }, { app: 'web' }));
    api.set('services', service('ext', { type: 'ExternalName', externalName: 'db.example.com', clusterIP: undefined }));
    api.set('services', service('lb', { type: 'LoadBalancer', loadBalancerIP: '203.0.113.7' }));
    const { targets, addresses, groups } = discover({ role: 'service' });
    await waitFor(() => expect(addresses()).toEqual(['ext.shop.svc:80', 'lb.shop.svc:80', 'web.shop.svc:7777', 'web.shop.svc:80']));
    expect(targets().find((t) => t['__address__'] === 'web.shop.svc:7777')).toEqual({
      __address__: 'web.shop.svc:7777',
      __meta_kubernetes_namespace: 'shop',
      __meta_kubernetes_service_name: 'web',
      __meta_kubernetes_service_label_app: 'web',
      __meta_kubernetes_service_labelpresent_app: 'true',
      __meta_kubernetes_service_annotation_owner: 'pay',
      __meta_kubernetes_service_annotationpresent_owner: 'true',
      __meta_kubernetes_service_port_name: 'errors',
      __meta_kubernetes_service_port_number: '7777',
      __meta_kubernetes_service_port_protocol: 'TCP',
      __meta_kubernetes_service_type: 'ClusterIP',
      __meta_kubernetes_service_cluster_ip: '10.96.0.10',
    });
    const ext = targets().find((t) => t['__address__'] === 'ext.shop.svc:80');
    expect([ext?.['__meta_kubernetes_service_external_name'], ext?.['__meta_kubernetes_service_cluster_ip']]).toEqual(['db.example.com', undefined]);
    expect(targets().find((t) => t['__address__'] === 'lb.shop.svc:80')?.['__meta_kubernetes_service_loadbalancer_ip']).toBe('203.0.113.7');
    expect(groups().map((g) => g.source).sort()).toEqual(['kubernetes/0/svc/shop/ext', 'kubernetes/0/svc/shop/lb', 'kubernetes/0/svc/shop/web']);
    api.delete('services', 'shop', 'ext');
    await waitFor(() => expect(addresses()).not.toContain('ext.shop.svc:80'));
    expect(api.requests.some((r) => r.path.startsWith('/api/v1/services?'))).toBe(true);
  });
});

describe('Kubernetes role endpointslice', () => {
  beforeEach(() => {
    api.set('services', service('web', {}, { tier: 'front' }));
    api.set('pods', pod('shop', 'web-1', '10.1.0.1', { labels: { app: 'web' }, ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { name: 'admin', containerPort: 9090, protocol: 'TCP' }] }));
    api.set('endpointslices', {
      metadata: { name: 'web-abc', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4',
      endpoints: [
        { addresses: ['10.1.0.1'], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'node-1', zone: 'eu-1a', targetRef: { kind: 'Pod', name: 'web-1', namespace: 'shop' } },
        { addresses: ['10.1.0.7'], conditions: { ready: false }, hostname: 'web-7' },
      ],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP', appProtocol: 'http' }],
    });
  });

  it('labels targets with the slice, endpoint, port, service and pod labels, via the discovery.k8s.io API', async () => {
    const { targets, addresses } = discover({ role: 'endpointslice' });
    await waitFor(() => expect(addresses()).toEqual(['10.1.0.1:8080', '10.1.0.1:9090', '10.1.0.7:8080']));
    expect(targets().find((t) => t['__address__'] === '10.1.0.1:8080')).toMatchObject({
      __meta_kubernetes_namespace: 'shop',
      __meta_kubernetes_endpointslice_name: 'web-abc',
      __meta_kubernetes_endpointslice_address_type: 'IPv4',
      __meta_kubernetes_endpointslice_label_kubernetes_io_service_name: 'web',
      __meta_kubernetes_endpointslice_port: '8080',
      __meta_kubernetes_endpointslice_port_name: 'http',
      __meta_kubernetes_endpointslice_port_protocol: 'TCP',
      __meta_kubernetes_endpointslice_port_app_protocol: 'http',
      __meta_kubernetes_endpointslice_endpoint_conditions_ready: 'true',
      __meta_kubernetes_endpointslice_endpoint_conditions_serving: 'true',
      __meta_kubernetes_endpointslice_endpoint_conditions_terminating: 'false',
      __meta_kubernetes_endpointslice_endpoint_node_name: 'node-1',
      __meta_kubernetes_endpointslice_endpoint_zone: 'eu-1a',
      __meta_kubernetes_endpointslice_address_target_kind: 'Pod',
      __meta_kubernetes_endpointslice_address_target_name: 'web-1',
      __meta_kubernetes_service_name: 'web',
      __meta_kubernetes_service_label_tier: 'front',
      __meta_kubernetes_pod_name: 'web-1',
      __meta_kubernetes_pod_container_port_number: '8080',
    });
    const notReady = targets().find((t) => t['__address__'] === '10.1.0.7:8080');
    expect([notReady?.['__meta_kubernetes_endpointslice_endpoint_conditions_ready'], notReady?.['__meta_kubernetes_endpointslice_endpoint_hostname'], notReady?.['__meta_kubernetes_endpointslice_endpoint_conditions_serving']]).toEqual(['false', 'web-7', undefined]);
    expect(targets().find((t) => t['__address__'] === '10.1.0.1:9090')?.['__meta_kubernetes_pod_container_port_name']).toBe('admin');
    expect(api.requests.some((r) => r.path.startsWith('/apis/discovery.k8s.io/v1/endpointslices?'))).toBe(true);
  });

  it('rebuilds a slice when its service or a backing pod changes, and drops it when deleted', async () => {
    const { targets, addresses } = discover({ role: 'endpointslice' });
    await waitFor(() => expect(addresses()).toHaveLength(3));
    api.set('services', service('web', {}, { tier: 'back' }));
    await waitFor(() => expect(targets()[0]?.['__meta_kubernetes_service_label_tier']).toBe('back'));
    api.set('pods', pod('shop', 'web-1', '10.1.0.1', { labels: { app: 'web', version: 'v2' } }));
    await waitFor(() => expect(targets().find((t) => t['__address__'] === '10.1.0.1:8080')?.['__meta_kubernetes_pod_label_version']).toBe('v2'));
    api.delete('endpointslices', 'shop', 'web-abc');
    await waitFor(() => expect(addresses()).toEqual([]));
  });
});

describe('Kubernetes role node', () => {
  const node = (name: string, addresses: { type: string; address: string }[]) => ({
    metadata: { name, namespace: '', labels: { 'kubernetes.io/os': 'linux' }, annotations: { zone: 'a' } },
    spec: { providerID: `aws:///eu-1a/${name}` },
    status: { addresses, daemonEndpoints: { kubeletEndpoint: { Port: 10250 } } },
  });

  it('gives one target per node at its preferred address and kubelet port, instance = node name, watching nodes cluster-wide', async () => {
    api.set('nodes', node('n1', [{ type: 'Hostname', address: 'n1' }, { type: 'ExternalIP', address: '203.0.113.1' }, { type: 'InternalIP', address: '10.0.0.1' }]));
    api.set('nodes', node('n2', [{ type: 'Hostname', address: 'n2.local' }]));
    api.set('nodes', node('n3', []));
    const { targets, addresses, groups } = discover({ role: 'node', namespaces: { names: ['ignored'] } });
    await waitFor(() => expect(addresses()).toEqual(['10.0.0.1:10250', 'n2.local:10250']));
    expect(targets().find((t) => t['__address__'] === '10.0.0.1:10250')).toEqual({
      __address__: '10.0.0.1:10250',
      instance: 'n1',
      __meta_kubernetes_node_name: 'n1',
      __meta_kubernetes_node_provider_id: 'aws:///eu-1a/n1',
      __meta_kubernetes_node_label_kubernetes_io_os: 'linux',
      __meta_kubernetes_node_labelpresent_kubernetes_io_os: 'true',
      __meta_kubernetes_node_annotation_zone: 'a',
      __meta_kubernetes_node_annotationpresent_zone: 'true',
      __meta_kubernetes_node_address_Hostname: 'n1',
      __meta_kubernetes_node_address_ExternalIP: '203.0.113.1',
      __meta_kubernetes_node_address_InternalIP: '10.0.0.1',
    });
    expect(groups().map((g) => g.source).sort()).toEqual(['kubernetes/0/node/n1', 'kubernetes/0/node/n2', 'kubernetes/0/node/n3']);
    expect(api.requests.filter((r) => r.path.includes('nodes')).every((r) => r.path.startsWith('/api/v1/nodes?'))).toBe(true);
  });
});

describe('Kubernetes role ingress', () => {
  it('gives one target per rule and path with scheme (TLS hosts, wildcards too), host, path and class', async () => {
    api.set('ingresses', {
      metadata: { name: 'shop', namespace: 'shop', labels: { team: 'pay' } },
      spec: {
        ingressClassName: 'nginx',
        tls: [{ hosts: ['*.example.com'] }],
        rules: [
          { host: 'pay.example.com', http: { paths: [{ path: '/api' }, { path: '' }] } },
          { host: 'shop.example.org' },
        ],
      },
    });
    const { targets, addresses } = discover({ role: 'ingress' });
    await waitFor(() => expect(addresses()).toEqual(['pay.example.com', 'pay.example.com', 'shop.example.org']));
    expect(targets()[0]).toEqual({
      __address__: 'pay.example.com',
      __meta_kubernetes_namespace: 'shop',
      __meta_kubernetes_ingress_name: 'shop',
      __meta_kubernetes_ingress_label_team: 'pay',
      __meta_kubernetes_ingress_labelpresent_team: 'true',
      __meta_kubernetes_ingress_class_name: 'nginx',
      __meta_kubernetes_ingress_scheme: 'https',
      __meta_kubernetes_ingress_host: 'pay.example.com',
      __meta_kubernetes_ingress_path: '/api',
    });
    expect(targets().map((t) => [t['__meta_kubernetes_ingress_scheme'], t['__meta_kubernetes_ingress_path']])).toEqual([['https', '/api'], ['https', '/'], ['http', '/']]);
    expect(api.requests.some((r) => r.path.startsWith('/apis/networking.k8s.io/v1/ingresses?'))).toBe(true);
  });

  it('matches TLS host patterns like Prometheus', () => {
    expect(matchesHostnamePattern('a.example.com', 'a.example.com')).toBe(true);
    expect(matchesHostnamePattern('*.example.com', 'a.example.com')).toBe(true);
    expect(matchesHostnamePattern('*.example.com', 'a.b.example.com')).toBe(false);
    expect(matchesHostnamePattern('*.example.com', 'example.com')).toBe(false);
  });
});

describe('Prometheus relabel rules work unchanged on the new roles', () => {
  it('keeps the services annotated for scraping and takes their port', async () => {
    api.set('services', { ...service('web', { ports: [{ name: 'errors', port: 7777 }, { name: 'http', port: 80 }] }), metadata: { name: 'web', namespace: 'shop', annotations: { 'prometheus.io/scrape': 'true' } } });
    api.set('services', service('db', {}));
    const { targets } = discover({ role: 'service' });
    await waitFor(() => expect(targets()).toHaveLength(3));
    const rules = [
      { source_labels: ['__meta_kubernetes_service_annotation_prometheus_io_scrape'], regex: 'true', action: 'keep' },
      { source_labels: ['__meta_kubernetes_service_port_name'], regex: 'errors', action: 'keep' },
      { source_labels: ['__meta_kubernetes_namespace', '__meta_kubernetes_service_name'], separator: '/', target_label: 'job' },
    ].map((r) => RelabelConfigSchema.parse(r));
    const relabel = compileRelabel(rules);
    const kept = targets().map((t) => relabel(t)).filter((t) => t !== undefined);
    expect(kept.map((t) => [t['__address__'], t['job']])).toEqual([['web.shop.svc:7777', 'shop/web']]);
  });
});

describe('kubernetes_sd_configs selectors for the new roles', () => {
  it.each([
    [{ role: 'node', selectors: [{ role: 'node', label: 'a=b' }] }, true],
    [{ role: 'ingress', selectors: [{ role: 'ingress', field: 'metadata.name=x' }] }, true],
    [{ role: 'endpointslice', selectors: [{ role: 'endpointslice' }, { role: 'service' }, { role: 'pod' }] }, true],
    [{ role: 'service', selectors: [{ role: 'pod' }] }, false],
    [{ role: 'endpointslice', selectors: [{ role: 'endpoints' }] }, false],
    [{ role: 'node', selectors: [{ role: 'nodes' }] }, false],
  ])('%j valid: %s', (config, valid) => {
    expect(KubernetesSdConfigSchema.safeParse(config).success).toBe(valid);
  });

  it('passes a node label selector to the API server', async () => {
    api.set('nodes', { metadata: { name: 'n1', namespace: '', labels: { pool: 'errors' } }, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] } });
    api.set('nodes', { metadata: { name: 'n2', namespace: '', labels: { pool: 'web' } }, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.2' }] } });
    const { addresses } = discover({ role: 'node', selectors: [{ role: 'node', label: 'pool=errors' }] });
    await waitFor(() => expect(addresses()).toEqual(['10.0.0.1:0']));
  });
});

describe('malformed objects of the new roles', () => {
  it('skips and reports a malformed object, tolerates odd optional fields, and keeps the rest', async () => {
    api.set('ingresses', { metadata: { name: 'odd', namespace: 'shop' }, spec: { rules: 'nope', tls: 5 } });
    api.set('ingresses', { metadata: { name: 'ok', namespace: 'shop' }, spec: { rules: [{ host: 'a.example.com' }] } });
    api.set('ingresses', { metadata: { name: '', namespace: 'shop' }, spec: {} });
    const { addresses, errors, groups } = discover({ role: 'ingress' });
    await waitFor(() => expect(addresses()).toEqual(['a.example.com']));
    expect(groups().map((g) => g.source).sort()).toEqual(['kubernetes/0/ingress/shop/odd', 'kubernetes/0/ingress/shop/ok']);
    expect(errors.some((e) => e.includes('skipped a malformed ingresses object'))).toBe(true);
  });
});
