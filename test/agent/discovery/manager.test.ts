import { Resolver } from 'node:dns/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DiscoveryManager } from '../../../agent/discovery/manager.js';
import type { ScrapeTarget } from '../../../agent/discovery/types.js';
import { ServiceConfigSchema } from '../../../common/config/service.js';
import { TestDnsServer } from '../../helpers/dns-server.js';

let server: TestDnsServer;
let resolver: Resolver;
const running: DiscoveryManager[] = [];

beforeEach(async () => {
  server = await TestDnsServer.start();
  resolver = new Resolver({ timeout: 1000, tries: 1 });
  resolver.setServers([server.address]);
});

afterEach(async () => {
  for (const manager of running.splice(0)) manager.stop();
  resolver.cancel();
  await server.close();
});

/** Starts a manager for one service block (as written in YAML) and records what it reports. */
function manage(service: Record<string, unknown>) {
  const calls: ScrapeTarget[][] = [];
  const errors: { service: string; source: string; err: Error }[] = [];
  const manager = new DiscoveryManager(ServiceConfigSchema.parse({ name: 'checkout', ...service }), {
    resolver,
    onTargets: (_service, targets) => calls.push(targets),
    onError: (service, source, err) => errors.push({ service, source, err }),
  });
  running.push(manager);
  manager.start();
  const urls = () => calls.at(-1)?.map((target) => target.url);
  return { manager, calls, errors, urls };
}

const waitFor = (check: () => void) => vi.waitFor(check, { timeout: 5_000, interval: 10 });

describe('DiscoveryManager', () => {
  it('builds the url from http, the address and the scraper endpoint', () => {
    const { urls } = manage({ static_configs: [{ targets: ['10.0.0.1:8080'] }] });
    expect(urls()).toEqual(['http://10.0.0.1:8080/errors']);
  });

  it('uses the scheme of the target and the endpoint of the service', () => {
    const { urls } = manage({
      static_configs: [{ targets: ['https://web:8443'] }],
      scraper: { endpoint: '/debug/errors' },
    });
    expect(urls()).toEqual(['https://web:8443/debug/errors']);
  });

  it('lets a __metrics_path__ label override the endpoint', () => {
    const { urls } = manage({ static_configs: [{ targets: ['web:80'], labels: { __metrics_path__: '/other' } }] });
    expect(urls()).toEqual(['http://web:80/other']);
  });

  it('keeps the labels without a __ prefix on the target', () => {
    const { calls } = manage({
      static_configs: [{ targets: ['web:80'], labels: { team: 'payments', __meta_source: 'x' } }],
    });
    expect(calls.at(-1)).toEqual([{ service: 'checkout', url: 'http://web:80/errors', labels: { team: 'payments' } }]);
  });

  it('merges the targets of several static configs into one list', () => {
    const { urls } = manage({ static_configs: [{ targets: ['b:80'] }, { targets: ['a:80'] }] });
    expect(urls()).toEqual(['http://a:80/errors', 'http://b:80/errors']);
  });

  it('keeps one target per url, with the labels of the first config that has it', () => {
    const { calls } = manage({
      static_configs: [
        { targets: ['web:80'], labels: { from: 'first' } },
        { targets: ['web:80', 'http://web:80'], labels: { from: 'second' } },
      ],
    });
    expect(calls.at(-1)).toEqual([{ service: 'checkout', url: 'http://web:80/errors', labels: { from: 'first' } }]);
  });

  it('merges DNS targets with static ones', async () => {
    server.zone.set('api.test', { A: ['10.0.0.1'] });
    const { urls } = manage({
      static_configs: [{ targets: ['web:80'] }],
      dns_sd_configs: [{ names: ['api.test'], type: 'A', port: 9000 }],
    });
    await waitFor(() => expect(urls()).toEqual(['http://10.0.0.1:9000/errors', 'http://web:80/errors']));
  });

  it('drops the targets of a group that empties', async () => {
    server.zone.set('api.test', { A: ['10.0.0.1'] });
    const { urls } = manage({
      static_configs: [{ targets: ['web:80'] }],
      dns_sd_configs: [{ names: ['api.test'], type: 'A', port: 9000, refresh_interval: '20ms' }],
    });
    await waitFor(() => expect(urls()).toHaveLength(2));
    server.zone.delete('api.test');
    await waitFor(() => expect(urls()).toEqual(['http://web:80/errors']));
  });

  it('calls onTargets only when the list changes', async () => {
    server.zone.set('api.test', { A: ['10.0.0.1'] });
    const { calls, urls } = manage({
      static_configs: [{ targets: ['10.0.0.1:9000'] }],
      dns_sd_configs: [{ names: ['api.test'], type: 'A', port: 9000, refresh_interval: '20ms' }],
    });
    // A second query means the first lookup's update (a duplicate of the static target) was handled.
    await waitFor(() => expect(server.queries).toBeGreaterThanOrEqual(2));
    server.zone.set('api.test', { A: ['10.0.0.1', '10.0.0.2'] });
    await waitFor(() => expect(urls()).toHaveLength(2));
    expect(calls.map((targets) => targets.length)).toEqual([1, 2]);
  });

  it('reports a discoverer error with the service and the source', () => {
    const { errors } = manage({ static_configs: [{ targets: ['web:80'] }, { targets: ['ftp://web:21'] }] });
    expect(errors.map(({ service, source }) => ({ service, source }))).toEqual([{ service: 'checkout', source: 'static/1' }]);
  });
});

describe('DiscoveryManager relabeling', () => {
  it('drops the targets a keep rule rejects', () => {
    const { urls } = manage({
      static_configs: [{ targets: ['a:80'], labels: { team: 'pay' } }, { targets: ['b:80'], labels: { team: 'search' } }],
      relabel_configs: [{ source_labels: ['team'], regex: 'pay', action: 'keep' }],
    });
    expect(urls()).toEqual(['http://a:80/errors']);
  });

  it('lets rules read and rewrite __address__, __scheme__ and __metrics_path__', () => {
    const { urls } = manage({
      static_configs: [{ targets: ['10.0.0.1:8080'], labels: { __meta_port: '9443', __meta_path: '/debug/errors' } }],
      relabel_configs: [
        { source_labels: ['__address__', '__meta_port'], regex: '([^:]+):\\d+;(\\d+)', replacement: '$1:$2', target_label: '__address__' },
        { target_label: '__scheme__', replacement: 'https' },
        { source_labels: ['__meta_path'], target_label: '__metrics_path__' },
      ],
    });
    expect(urls()).toEqual(['https://10.0.0.1:9443/debug/errors']);
  });

  it('starts from the service scheme and endpoint, so rules see them', () => {
    const { calls } = manage({
      scheme: 'https',
      scraper: { endpoint: '/e' },
      static_configs: [{ targets: ['a:1'] }],
      relabel_configs: [{ source_labels: ['__scheme__', '__metrics_path__'], target_label: 'seen' }],
    });
    expect(calls.at(-1)).toEqual([{ service: 'checkout', url: 'https://a:1/e', labels: { seen: 'https;/e' } }]);
  });

  it('builds the query from params, with __param_* labels overriding the first value', () => {
    const { urls } = manage({
      params: { format: ['json'], tag: ['a', 'b'] },
      static_configs: [{ targets: ['a:1'] }, { targets: ['b:1'], labels: { __param_format: 'periskop' } }],
      relabel_configs: [{ source_labels: ['__address__'], regex: 'a:1', target_label: '__param_extra', replacement: 'x y' }],
    });
    expect(urls()).toEqual(['http://a:1/errors?extra=x+y&format=json&tag=a&tag=b', 'http://b:1/errors?format=periskop&tag=a&tag=b']);
  });

  it('keeps a labelmap result as target labels and drops the __meta_ labels', () => {
    const { calls } = manage({
      static_configs: [{ targets: ['a:1'], labels: { __meta_kubernetes_pod_label_app: 'web' } }],
      relabel_configs: [{ regex: '__meta_kubernetes_pod_label_(.+)', action: 'labelmap' }],
    });
    expect(calls.at(-1)?.[0]?.labels).toEqual({ app: 'web' });
  });

  it('reports a target whose relabeled address cannot be scraped', () => {
    const { urls, errors } = manage({
      static_configs: [{ targets: ['a:1', 'b:1'] }],
      relabel_configs: [{ source_labels: ['__address__'], regex: 'a:1', target_label: '__address__', replacement: 'a:1/path' }],
    });
    expect(urls()).toEqual(['http://b:1/errors']);
    expect(errors[0]?.err.message).toBe('target has no usable __address__ ("a:1/path")');
  });
});
