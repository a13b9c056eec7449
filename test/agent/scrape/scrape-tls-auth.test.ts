import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiscoveryManager } from '../../../agent/discovery/manager.js';
import { HttpClient, type HttpClientOptions } from '../../../agent/http/client.js';
import { ScrapeLoop, type ScrapeSink } from '../../../agent/scrape/scrape-loop.js';
import { Semaphore } from '../../../agent/scrape/semaphore.js';
import { ServiceConfigSchema } from '../../../common/config/service.js';
import { DEFAULT_LIMITS } from '../../../common/limits.js';
import type { Observation } from '../../../agent/aggregate/ingest-sink.js';
import { serverTls, TLS_FILES } from '../../helpers/tls.js';

const PAYLOAD = JSON.stringify({ target_uuid: 't', aggregated_errors: [{ aggregation_key: 'k', total_count: 3 }] });

const servers: Server[] = [];
const clients: HttpClient[] = [];
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crowsnest-scrape-'));
});

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  await rm(dir, { recursive: true, force: true });
});

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const answer: Handler = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(PAYLOAD);
};

/** A target on 127.0.0.1 (https with the test certificate unless `tls` is false); records requests. */
async function target(handler: Handler = answer, tls: ServerOptions | false = serverTls()) {
  const requests: IncomingMessage[] = [];
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    requests.push(req);
    handler(req, res);
  };
  const server = tls === false ? createHttpServer(handle) : createHttpsServer(tls, handle);
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  const port = (server.address() as AddressInfo).port;
  return { requests, url: `${tls === false ? 'http' : 'https'}://127.0.0.1:${port}/errors` };
}

/** Scrapes `url` once with a service block written as in YAML; returns the health and what was ingested. */
async function scrape(url: string, service: Record<string, unknown>, clientOptions: HttpClientOptions = {}, client?: HttpClient) {
  const config = ServiceConfigSchema.parse({ name: 'svc', ...service });
  const http = client ?? new HttpClient(config, clientOptions);
  if (client === undefined) clients.push(http);
  const ingested: Observation[] = [];
  const nothing = { increments: 0, newSamples: 0, invalidSamples: 0, resets: 0, truncated: {} };
  const sink: ScrapeSink = { observe: (o) => (ingested.push(o), nothing), touch: () => undefined, forget: () => undefined, health: () => undefined };
  const loop = new ScrapeLoop({ service: 'svc', url, labels: {} }, config.scraper, { client: http, semaphore: new Semaphore(1), limits: DEFAULT_LIMITS, sink, now: Date.now });
  await loop.scrapeOnce();
  return { health: loop.health, ingested, client: http, loop };
}

describe('scraping over https', () => {
  it('trusts a target whose certificate the tls_config CA signed', async () => {
    const { url } = await target();
    const { health, ingested } = await scrape(url, { tls_config: { ca_file: TLS_FILES.ca } });
    expect(health.lastError).toBe('');
    expect(ingested[0]?.aggregates[0]?.totalCount).toBe(3);
  });

  it('marks down with reason tls a target whose certificate another CA signed', async () => {
    const { url } = await target();
    const { health } = await scrape(url, { tls_config: { ca_file: TLS_FILES.otherCa } });
    expect(health.up).toBe(false);
    expect(health.lastFailure).toBe('tls');
    expect(health.failures).toEqual({ tls: 1 });
  });

  it('scrapes anyway with insecure_skip_verify', async () => {
    const { url } = await target();
    const { health } = await scrape(url, { tls_config: { insecure_skip_verify: true } });
    expect(health.up).toBe(true);
  });

  it('checks the certificate against server_name instead of the address', async () => {
    const { url } = await target();
    const good = await scrape(url, { tls_config: { ca_file: TLS_FILES.ca, server_name: 'target.test' } });
    expect(good.health.up).toBe(true);
    const bad = await scrape(url, { tls_config: { ca_file: TLS_FILES.ca, server_name: 'other.test' } });
    expect(bad.health.lastFailure).toBe('tls');
    expect(bad.health.lastError).toMatch(/other\.test/);
  });

  it('presents the client certificate of tls_config to a target that requires one', async () => {
    const mtls = { ...serverTls(), ca: readFileSync(TLS_FILES.ca), requestCert: true, rejectUnauthorized: true };
    const { url } = await target(answer, mtls);
    const without = await scrape(url, { tls_config: { ca_file: TLS_FILES.ca } });
    expect(without.health.up).toBe(false);
    const withCert = await scrape(url, { tls_config: { ca_file: TLS_FILES.ca, cert_file: TLS_FILES.clientCert, key_file: TLS_FILES.clientKey } });
    expect(withCert.health.up).toBe(true);
  });

  it('uses the service scheme for targets discovered without one', async () => {
    const { url } = await target();
    const address = new URL(url).host;
    const service = { scheme: 'https', static_configs: [{ targets: [address] }], tls_config: { ca_file: TLS_FILES.ca } };
    let discovered: string | undefined;
    new DiscoveryManager(ServiceConfigSchema.parse({ name: 'svc', ...service }), {
      onTargets: (_s, targets) => (discovered = targets[0]?.url),
      onError: () => undefined,
    }).start();
    expect(discovered).toBe(`https://${address}/errors`);
    const { health } = await scrape(discovered ?? '', service);
    expect(health.up).toBe(true);
  });
});

describe('scraping with authentication', () => {
  it('sends a bearer token from authorization.credentials', async () => {
    const { url, requests } = await target(answer, false);
    await scrape(url, { authorization: { credentials: 'tok' } });
    expect(requests[0]?.headers.authorization).toBe('Bearer tok');
  });

  it('sends another authorization type as configured', async () => {
    const { url, requests } = await target(answer, false);
    await scrape(url, { authorization: { type: 'Token', credentials: 'tok' } });
    expect(requests[0]?.headers.authorization).toBe('Token tok');
  });

  it('reads credentials_file, trimmed, and reads it again after the reload interval (rotation)', async () => {
    const { url, requests } = await target(answer, false);
    const file = join(dir, 'token');
    await writeFile(file, 'first\n');
    let now = 0;
    const first = await scrape(url, { authorization: { credentials_file: file } }, { reloadIntervalMs: 30_000, now: () => now });
    await writeFile(file, 'second\n');
    await first.loop.scrapeOnce();
    now = 30_000;
    await first.loop.scrapeOnce();
    expect(requests.map((r) => r.headers.authorization)).toEqual(['Bearer first', 'Bearer first', 'Bearer second']);
  });

  it('sends basic_auth with the password of password_file', async () => {
    const { url, requests } = await target(answer, false);
    const file = join(dir, 'password');
    await writeFile(file, 'p4ss\n');
    await scrape(url, { basic_auth: { username: 'agent', password_file: file } });
    expect(requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from('agent:p4ss').toString('base64')}`);
  });

  it('marks down with reason client_config, naming the file, when credentials_file cannot be read', async () => {
    const { url, requests } = await target(answer, false);
    const { health } = await scrape(url, { authorization: { credentials_file: join(dir, 'missing') } });
    expect(health.lastFailure).toBe('client_config');
    expect(health.lastError).toBe(`cannot read authorization.credentials_file ${JSON.stringify(join(dir, 'missing'))}: ENOENT`);
    expect(requests).toHaveLength(0);
  });

  it('keeps using the last token read when the file disappears later', async () => {
    const { url, requests } = await target(answer, false);
    const file = join(dir, 'token');
    await writeFile(file, 'kept');
    let now = 0;
    const first = await scrape(url, { authorization: { credentials_file: file } }, { reloadIntervalMs: 10, now: () => now });
    await rm(file);
    now = 1_000;
    await first.loop.scrapeOnce();
    expect(first.health.up).toBe(true);
    expect(requests.map((r) => r.headers.authorization)).toEqual(['Bearer kept', 'Bearer kept']);
  });
});

describe('scrape failures named for the operator', () => {
  it('does not follow a redirect, and says where it pointed', async () => {
    const { url } = await target((_req, res) => res.writeHead(301, { location: 'http://elsewhere.example/errors' }).end(), false);
    const { health } = await scrape(url, {});
    expect(health.lastFailure).toBe('redirect');
    expect(health.lastError).toBe('HTTP 301 (redirect to http://elsewhere.example/errors not followed)');
  });

  it('names an HTML answer', async () => {
    const { url } = await target((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<html>login</html>'), false);
    const { health } = await scrape(url, {});
    expect(health.lastFailure).toBe('invalid_json');
    expect(health.lastError).toMatch(/^not JSON \(the target answered text\/html, an error page\?\)/);
  });

  it('reads a gzip body', async () => {
    const { url } = await target((_req, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(PAYLOAD)), false);
    const { health, ingested } = await scrape(url, {});
    expect(health.up).toBe(true);
    expect(ingested).toHaveLength(1);
  });

  it('reads invalid UTF-8 with replacement characters and counts it', async () => {
    const body = Buffer.concat([Buffer.from('{"aggregated_errors":[{"aggregation_key":"k'), Buffer.from([0xff, 0xfe]), Buffer.from('","total_count":1}]}')]);
    const { url } = await target((_req, res) => res.writeHead(200).end(body), false);
    const { health, ingested } = await scrape(url, {});
    expect(health.up).toBe(true);
    expect(health.truncated).toEqual({ invalid_utf8: 1 });
    expect(ingested[0]?.aggregates[0]?.key).toBe('k\ufffd\ufffd');
  });
});
