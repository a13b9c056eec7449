import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/**
 * A small Kubernetes API server for discovery tests, on 127.0.0.1 port 0 (HTTP, or HTTPS when given
 * a key pair). It serves what list + watch clients use, for pods, services, endpoints and nodes
 * (under /api/v1; nodes cluster-wide, with namespace ''), endpointslices (/apis/discovery.k8s.io/v1)
 * and ingresses (/apis/networking.k8s.io/v1), each only under its own API group:
 *   GET <group>/<resource> and <group>/namespaces/<ns>/<resource>
 *     ?labelSelector=a=b,c=d (equality only)  ?limit=N&continue=T (paged lists)
 *     ?watch=1&resourceVersion=V&timeoutSeconds=S: newline-delimited JSON events after V, then live
 * Every change gets the next resourceVersion. `compact()` forgets history, so watches from an older
 * version get a 410 ERROR event (as after etcd compaction); `fail` answers 500 to everything;
 * `endWatches()` ends the open watch streams (as the server does at timeoutSeconds).
 * Owned by one test; lives until `close()`.
 */

export type KubeResource = 'pods' | 'services' | 'endpoints' | 'endpointslices' | 'nodes' | 'ingresses';
const API_GROUP: Record<KubeResource, string> = {
  pods: '/api/v1', services: '/api/v1', endpoints: '/api/v1', nodes: '/api/v1', endpointslices: '/apis/discovery.k8s.io/v1', ingresses: '/apis/networking.k8s.io/v1',
};
type KubeObject = { metadata: { name: string; namespace: string; labels?: Record<string, string>; resourceVersion?: string } & Record<string, unknown> } & Record<string, unknown>;

interface Event {
  readonly rv: number;
  readonly resource: KubeResource;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly object: KubeObject;
}

interface Watch {
  readonly resource: KubeResource;
  readonly namespace: string | undefined;
  readonly selector: Record<string, string>;
  readonly res: ServerResponse;
}

export class TestKubeApiServer {
  readonly objects: Record<KubeResource, Map<string, KubeObject>> = {
    pods: new Map(), services: new Map(), endpoints: new Map(), endpointslices: new Map(), nodes: new Map(), ingresses: new Map(),
  };
  /** Paths (with query) of every request, and the Authorization header each carried. */
  readonly requests: { path: string; authorization: string | undefined }[] = [];
  /** When set, every request is answered 500 (an API server outage). */
  fail = false;
  /** When set, requests without `Authorization: Bearer <token>` are answered 401. */
  token: string | undefined;
  #rv = 100;
  #compactedAt = 0;
  readonly #history: Event[] = [];
  readonly #watches = new Set<Watch>();

  private constructor(private readonly server: Server, readonly protocol: 'http' | 'https') {}

  static async start(options: { tls?: { key: string | Buffer; cert: string | Buffer } } = {}): Promise<TestKubeApiServer> {
    let api: TestKubeApiServer | undefined;
    const handler = (req: IncomingMessage, res: ServerResponse) => api?.handle(req, res);
    const server = options.tls === undefined ? createHttpServer(handler) : createHttpsServer(options.tls, handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    api = new TestKubeApiServer(server, options.tls === undefined ? 'http' : 'https');
    return api;
  }

  get url(): string {
    return `${this.protocol}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Watch streams currently open. */
  get openWatches(): number {
    return this.#watches.size;
  }

  /** Adds or replaces an object (ADDED or MODIFIED for watchers). */
  set(resource: KubeResource, object: KubeObject): void {
    const key = `${object.metadata.namespace}/${object.metadata.name}`;
    const type = this.objects[resource].has(key) ? 'MODIFIED' : 'ADDED';
    const stored = { ...object, metadata: { ...object.metadata, resourceVersion: String(++this.#rv) } };
    this.objects[resource].set(key, stored);
    this.#emit({ rv: this.#rv, resource, type, object: stored });
  }

  delete(resource: KubeResource, namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const old = this.objects[resource].get(key);
    if (old === undefined) return;
    this.objects[resource].delete(key);
    const object = { ...old, metadata: { ...old.metadata, resourceVersion: String(++this.#rv) } };
    this.#emit({ rv: this.#rv, resource, type: 'DELETED', object });
  }

  /** Forgets the history: a watch from an older version now gets 410 Gone. */
  compact(): void {
    this.#compactedAt = this.#rv;
    this.#history.length = 0;
  }

  endWatches(): void {
    for (const w of this.#watches) w.res.end();
    this.#watches.clear();
  }

  async close(): Promise<void> {
    this.endWatches();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push({ path: `${url.pathname}${url.search}`, authorization: req.headers.authorization });
    if (this.fail) return json(res, 500, status(500, 'InternalError', 'the test server is failing'));
    if (this.token !== undefined && req.headers.authorization !== `Bearer ${this.token}`) return json(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    const match = /^(\/api\/v1|\/apis\/[a-z0-9.]+\/v1)(?:\/namespaces\/([^/]+))?\/(pods|services|endpoints|endpointslices|nodes|ingresses)$/.exec(url.pathname);
    if (match === null || API_GROUP[match[3] as KubeResource] !== match[1] || (match[3] === 'nodes' && match[2] !== undefined)) {
      return json(res, 404, status(404, 'NotFound', `no route ${url.pathname}`));
    }
    const namespace = match[2] === undefined ? undefined : decodeURIComponent(match[2]);
    const resource = match[3] as KubeResource;
    const selector = parseSelector(url.searchParams.get('labelSelector') ?? '');
    const matches = (o: KubeObject) => (namespace === undefined || o.metadata.namespace === namespace) && Object.entries(selector).every(([k, v]) => o.metadata.labels?.[k] === v);
    if (url.searchParams.get('watch') === '1' || url.searchParams.get('watch') === 'true') {
      const from = Number(url.searchParams.get('resourceVersion') ?? '0');
      res.writeHead(200, { 'content-type': 'application/json' });
      if (from < this.#compactedAt) {
        res.end(`${JSON.stringify({ type: 'ERROR', object: status(410, 'Expired', `too old resource version: ${from} (${this.#compactedAt})`) })}\n`);
        return;
      }
      for (const e of this.#history) if (e.rv > from && e.resource === resource && matches(e.object)) res.write(`${JSON.stringify({ type: e.type, object: e.object })}\n`);
      const watch: Watch = { resource, namespace, selector, res };
      this.#watches.add(watch);
      res.on('close', () => this.#watches.delete(watch));
      return;
    }
    const all = [...this.objects[resource].values()].filter(matches).sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
    const limit = Number(url.searchParams.get('limit') ?? '0');
    const offset = Number(url.searchParams.get('continue') ?? '0');
    const items = limit > 0 ? all.slice(offset, offset + limit) : all;
    const next = limit > 0 && offset + limit < all.length ? String(offset + limit) : undefined;
    json(res, 200, { kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: String(this.#rv), ...(next === undefined ? {} : { continue: next }) }, items });
  }

  #emit(event: Event): void {
    this.#history.push(event);
    for (const w of this.#watches) {
      const ok = w.resource === event.resource && (w.namespace === undefined || w.namespace === event.object.metadata.namespace) && Object.entries(w.selector).every(([k, v]) => event.object.metadata.labels?.[k] === v);
      if (ok) w.res.write(`${JSON.stringify({ type: event.type, object: event.object })}\n`);
    }
  }
}

function parseSelector(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    const [k, v] = part.split('=');
    if (k && v !== undefined) out[k.trim()] = v.trim();
  }
  return out;
}

function status(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code };
}

function json(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A pod as the API server returns it (the fields discovery reads), with overridable parts. */
export function pod(namespace: string, name: string, ip: string | undefined, options: {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  container?: string;
  phase?: string;
  ready?: boolean;
  node?: string;
} = {}): KubeObject {
  return {
    metadata: {
      name, namespace, uid: `uid-${namespace}-${name}`,
      ...(options.labels ? { labels: options.labels } : {}),
      ...(options.annotations ? { annotations: options.annotations } : {}),
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${name.split('-')[0]}-rs`, controller: true }],
    },
    spec: {
      nodeName: options.node ?? 'node-1',
      containers: [{ name: options.container ?? 'app', image: 'example/app:1', ports: options.ports ?? [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }],
    },
    status: {
      phase: options.phase ?? 'Running',
      ...(ip === undefined ? {} : { podIP: ip }),
      hostIP: '192.168.0.1',
      conditions: [{ type: 'Ready', status: options.ready === false ? 'False' : 'True' }],
      containerStatuses: [{ name: options.container ?? 'app', containerID: `containerd://${name}` }],
    },
  };
}
