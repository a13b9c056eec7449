import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HttpDiscoverer } from '../../../agent/discovery/http.js';
import type { TargetGroup } from '../../../agent/discovery/types.js';
import { HttpSdConfigSchema } from '../../../common/config/service.js';
import { serverTls, TLS_FILES } from '../../helpers/tls.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const servers: Server[] = [];
const running: HttpDiscoverer[] = [];

afterEach(async () => {
  for (const d of running.splice(0)) d.stop();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** An SD endpoint on 127.0.0.1 whose answer the test changes through `handler`. */
async function sdServer(initial: Handler, tls = false) {
  const state = { handler: initial, requests: [] as IncomingMessage[] };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    state.requests.push(req);
    state.handler(req, res);
  };
  const server = tls ? createHttpsServer(serverTls(), handle) : createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}/sd`;
  return { state, url };
}

const groups = (value: unknown): Handler => (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
};

function discover(config: Record<string, unknown>) {
  const updates: TargetGroup[][] = [];
  const errors: string[] = [];
  const discoverer = new HttpDiscoverer(HttpSdConfigSchema.parse({ refresh_interval: '1h', ...config }), { id: 'http/0' });
  running.push(discoverer);
  discoverer.run((g) => updates.push([...g]), (e) => errors.push(e.message));
  const addresses = () => updates.at(-1)?.flatMap((g) => g.targets.map((t) => t['__address__'])).sort();
  return { discoverer, updates, errors, addresses };
}

const waitFor = (check: () => void) => vi.waitFor(check, { timeout: 5_000, interval: 10 });

describe('HttpDiscoverer', () => {
  it('reads the target groups of the answer, labelled with __meta_url', async () => {
    const { url } = await sdServer(groups([{ targets: ['10.0.0.1:80'], labels: { env: 'prod' } }]));
    const { updates } = discover({ url });
    await waitFor(() => expect(updates).toHaveLength(1));
    expect(updates[0]).toEqual([{ source: `http/0/${url}:0`, targets: [{ env: 'prod', __meta_url: url, __address__: '10.0.0.1:80' }] }]);
  });

  it('tells the endpoint its refresh interval, as Prometheus does', async () => {
    const { url, state } = await sdServer(groups([]));
    const { updates } = discover({ url, refresh_interval: '2m' });
    await waitFor(() => expect(updates).toHaveLength(1));
    expect(state.requests[0]?.headers['x-prometheus-refresh-interval-seconds']).toBe('120');
  });

  it('updates the targets when the answer changes, and drops them when it is empty', async () => {
    const { url, state } = await sdServer(groups([{ targets: ['a:1'] }]));
    const { discoverer, addresses } = discover({ url });
    await waitFor(() => expect(addresses()).toEqual(['a:1']));
    state.handler = groups([{ targets: ['a:1', 'b:1'] }]);
    await discoverer.refresh();
    expect(addresses()).toEqual(['a:1', 'b:1']);
    state.handler = groups([]);
    await discoverer.refresh();
    expect(addresses()).toEqual([]);
  });

  it('refreshes every refresh_interval', async () => {
    const { url, state } = await sdServer(groups([{ targets: ['a:1'] }]));
    const { addresses } = discover({ url, refresh_interval: '20ms' });
    await waitFor(() => expect(addresses()).toEqual(['a:1']));
    state.handler = groups([{ targets: ['b:1'] }]);
    await waitFor(() => expect(addresses()).toEqual(['b:1']));
  });

  it.each<[string, Handler, RegExp]>([
    ['an error status', (_q, res) => res.writeHead(503).end('overloaded'), /HTTP 503: overloaded/],
    ['another content type', (_q, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>'), /unsupported content type "text\/html"/],
    ['invalid JSON', (_q, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('[{'), /not JSON/],
    ['the wrong shape', groups({ targets: ['a:1'] }), /did not answer a list of target groups/],
    ['a redirect', (_q, res) => res.writeHead(302, { location: 'http://elsewhere/' }).end(), /HTTP 302/],
  ])('keeps the last good targets when the endpoint answers %s', async (_name, bad, message) => {
    const { url, state } = await sdServer(groups([{ targets: ['a:1'] }]));
    const { discoverer, addresses, errors, updates } = discover({ url });
    await waitFor(() => expect(addresses()).toEqual(['a:1']));
    state.handler = bad;
    await discoverer.refresh();
    expect(updates).toHaveLength(1);
    expect(errors.at(-1)).toMatch(message);
  });

  it('keeps the last good targets when the endpoint is unreachable', async () => {
    const { url, state } = await sdServer(groups([{ targets: ['a:1'] }]));
    const { discoverer, addresses, errors } = discover({ url });
    await waitFor(() => expect(addresses()).toEqual(['a:1']));
    state.handler = (req) => req.socket.destroy();
    await discoverer.refresh();
    expect(addresses()).toEqual(['a:1']);
    expect(errors.at(-1)).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/sd failed/);
  });

  it('refuses an answer over the size limit', async () => {
    const { url } = await sdServer(groups([{ targets: Array.from({ length: 1000 }, (_, i) => `host-${i}:80`) }]));
    const errors: string[] = [];
    const d = new HttpDiscoverer(HttpSdConfigSchema.parse({ url }), { maxBytes: 1024 });
    running.push(d);
    d.run(() => undefined, (e) => errors.push(e.message));
    await waitFor(() => expect(errors.at(-1)).toMatch(/exceeds the limit of 1024 bytes/));
  });

  it('fetches over https with the CA of tls_config and a bearer token', async () => {
    const { url, state } = await sdServer(groups([{ targets: ['a:1'] }]), true);
    const { addresses } = discover({ url, tls_config: { ca_file: TLS_FILES.ca }, authorization: { credentials: 's3cret' } });
    await waitFor(() => expect(addresses()).toEqual(['a:1']));
    expect(state.requests[0]?.headers.authorization).toBe('Bearer s3cret');
  });

  it('refuses a server whose certificate its CA did not sign', async () => {
    const { url } = await sdServer(groups([{ targets: ['a:1'] }]), true);
    const { errors } = discover({ url, tls_config: { ca_file: TLS_FILES.otherCa } });
    await waitFor(() => expect(errors.at(-1)).toMatch(/certificate/i));
  });
});
