import { Resolver } from 'node:dns/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DnsDiscoverer, type DnsDiscovererOptions } from '../../../agent/discovery/dns.js';
import type { TargetGroup } from '../../../agent/discovery/types.js';
import { DnsSdConfigSchema } from '../../../common/config/service.js';
import { TestDnsServer } from '../../helpers/dns-server.js';

let server: TestDnsServer;
let resolver: Resolver;
const running: DnsDiscoverer[] = [];

beforeEach(async () => {
  server = await TestDnsServer.start();
  resolver = new Resolver({ timeout: 1000, tries: 1 });
  resolver.setServers([server.address]);
});

afterEach(async () => {
  for (const discoverer of running.splice(0)) discoverer.stop();
  resolver.cancel();
  await server.close();
});

/** Starts a discoverer on the test server; records every update and error, and resolves the first update. */
async function discover(config: Record<string, unknown>, options: DnsDiscovererOptions = {}) {
  const discoverer = new DnsDiscoverer(DnsSdConfigSchema.parse({ refresh_interval: '1h', ...config }), { resolver, ...options });
  running.push(discoverer);
  const updates: (readonly TargetGroup[])[] = [];
  const errors: Error[] = [];
  await new Promise<void>((resolve) => {
    discoverer.run((groups) => {
      updates.push(groups);
      resolve();
    }, (err) => errors.push(err));
  });
  return { discoverer, updates, errors, last: () => updates.at(-1) };
}

const codeOf = (err: Error | undefined) => (err as { code?: string } | undefined)?.code;

describe('DnsDiscoverer', () => {
  it('turns A records into address:port targets labelled with the name', async () => {
    server.zone.set('api.test', { A: ['10.0.0.1', '10.0.0.2'] });
    const { last } = await discover({ names: ['api.test'], type: 'A', port: 8080 });
    expect(last()).toEqual([{
      source: 'dns/api.test',
      targets: [
        { __address__: '10.0.0.1:8080', __meta_dns_name: 'api.test' },
        { __address__: '10.0.0.2:8080', __meta_dns_name: 'api.test' },
      ],
    }]);
  });

  it('puts AAAA addresses in brackets', async () => {
    server.zone.set('api.test', { AAAA: ['fd00::1'] });
    const { last } = await discover({ names: ['api.test'], type: 'AAAA', port: 8080 });
    expect(last()?.[0]?.targets).toEqual([{ __address__: '[fd00::1]:8080', __meta_dns_name: 'api.test' }]);
  });

  it('turns SRV records into their target host and port', async () => {
    server.zone.set('_errors._tcp.api.test', {
      SRV: [{ priority: 10, weight: 5, port: 7001, target: 'a.api.test' }],
    });
    const { last } = await discover({ names: ['_errors._tcp.api.test'] });
    expect(last()?.[0]?.targets).toEqual([{
      __address__: 'a.api.test:7001',
      __meta_dns_name: '_errors._tcp.api.test',
      __meta_dns_srv_record_target: 'a.api.test.',
      __meta_dns_srv_record_port: '7001',
    }]);
  });

  it('names each group after its id and name', async () => {
    server.zone.set('a.test', { A: ['10.0.0.1'] });
    server.zone.set('b.test', { A: ['10.0.0.2'] });
    const { last } = await discover({ names: ['a.test', 'b.test'], type: 'A', port: 80 }, { id: 'dns/3' });
    expect(last()?.map((group) => group.source)).toEqual(['dns/3/a.test', 'dns/3/b.test']);
  });

  it('sends the new targets when a record changes at the next refresh', async () => {
    server.zone.set('api.test', { A: ['10.0.0.1'] });
    const { last } = await discover({ names: ['api.test'], type: 'A', port: 80, refresh_interval: '20ms' });
    server.zone.set('api.test', { A: ['10.0.0.9'] });
    await vi.waitFor(() => {
      expect(last()?.[0]?.targets.map((t) => t.__address__)).toEqual(['10.0.0.9:80']);
    }, { timeout: 5_000, interval: 10 });
  });

  it('does not call update when a refresh finds the same targets', async () => {
    server.zone.set('api.test', { A: ['10.0.0.1', '10.0.0.2'] });
    const { discoverer, updates } = await discover({ names: ['api.test'], type: 'A', port: 80 });
    server.zone.set('api.test', { A: ['10.0.0.2', '10.0.0.1'] });
    await discoverer.refresh();
    expect(updates).toHaveLength(1);
  });

  it('keeps the last good targets of a name whose lookup fails', async () => {
    server.zone.set('a.test', { A: ['10.0.0.1'] });
    server.zone.set('b.test', { A: ['10.0.0.2'] });
    const { discoverer, last } = await discover({ names: ['a.test', 'b.test'], type: 'A', port: 80 });
    server.zone.set('a.test', { servfail: true });
    server.zone.set('b.test', { A: ['10.0.0.3'] });
    await discoverer.refresh();
    expect(last()?.map((group) => group.targets.map((t) => t.__address__))).toEqual([['10.0.0.1:80'], ['10.0.0.3:80']]);
  });

  it('reports a failed lookup through onError', async () => {
    server.zone.set('api.test', { servfail: true });
    const { errors } = await discover({ names: ['api.test'], type: 'A', port: 80 });
    expect(errors.map(codeOf)).toEqual(['ESERVFAIL']);
  });

  it('calls update after the first refresh even when every lookup failed', async () => {
    server.zone.set('api.test', { servfail: true });
    const { updates } = await discover({ names: ['api.test'], type: 'A', port: 80 });
    expect(updates).toEqual([[]]);
  });

  it('empties a name that the server says does not exist (NXDOMAIN)', async () => {
    server.zone.set('api.test', { A: ['10.0.0.1'] });
    const { discoverer, last, errors } = await discover({ names: ['api.test'], type: 'A', port: 80 });
    server.zone.delete('api.test');
    await discoverer.refresh();
    expect(last()).toEqual([{ source: 'dns/api.test', targets: [] }]);
    expect(errors).toEqual([]);
  });

  it('empties a name that has no records of the type (NODATA)', async () => {
    server.zone.set('api.test', { A: ['10.0.0.1'] });
    const { discoverer, last } = await discover({ names: ['api.test'], type: 'A', port: 80 });
    server.zone.set('api.test', { AAAA: ['fd00::1'] });
    await discoverer.refresh();
    expect(last()?.[0]?.targets).toEqual([]);
  });

  it('gives up on a lookup after lookupTimeoutMs and reports it', async () => {
    resolver = new Resolver({ timeout: 30_000, tries: 1 });
    resolver.setServers([server.address]);
    server.zone.set('api.test', { silent: true });
    const { errors } = await discover({ names: ['api.test'], type: 'A', port: 80 }, { lookupTimeoutMs: 50 });
    expect(errors.map(codeOf)).toEqual(['ETIMEOUT']);
  });

  it('keeps at most maxTargetsPerName targets of a name and reports the cut', async () => {
    server.zone.set('api.test', { A: ['10.0.0.3', '10.0.0.1', '10.0.0.2'] });
    const { last, errors } = await discover({ names: ['api.test'], type: 'A', port: 80 }, { maxTargetsPerName: 2 });
    expect(last()?.[0]?.targets.map((t) => t.__address__)).toEqual(['10.0.0.1:80', '10.0.0.2:80']);
    expect(errors.map(codeOf)).toEqual(['CN_ERR_TOO_MANY_TARGETS']);
  });

  it('rejects an A config without a port at construction', () => {
    const config = DnsSdConfigSchema.parse({ names: ['api.test'], type: 'A' });
    expect(() => new DnsDiscoverer(config, { resolver })).toThrow();
  });

  it('calls update no more after stop()', async () => {
    server.zone.set('api.test', { A: ['10.0.0.1'] });
    const { discoverer, updates } = await discover({ names: ['api.test'], type: 'A', port: 80 });
    discoverer.stop();
    server.zone.set('api.test', { A: ['10.0.0.9'] });
    await discoverer.refresh();
    expect(updates).toHaveLength(1);
  });
});
