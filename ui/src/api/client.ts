import type {
  AlertsQuery,
  AlertsResponse,
  ErrorGroupResponse,
  ErrorListQuery,
  ErrorListResponse,
  ErrorSummary,
  PeersResponse,
  ServiceDetailResponse,
  ServicesResponse,
  SourcesResponseSchema,
  TargetServicesResponse,
  TargetsQuery,
  TargetsResponse,
} from '../../../common/api/v1.js';
import type { z } from 'zod';
import { currentAdminToken } from './admin-token.js';
import { seg } from './segment.js';

/** A failed API call: the hub's `{error: {code, message}}`, or `network` when it did not answer. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return new ApiError(0, 'client', err instanceof Error ? err.message : String(err));
}

/**
 * GET or POST a path relative to the page (`api/v1/...`), so the UI works under any sub-path of a
 * reverse proxy. Writes carry the admin token when the user gave one.
 */
async function request<T>(method: 'GET' | 'POST', path: string, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = method === 'POST' ? currentAdminToken() : null;
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, cache: 'no-store', credentials: 'same-origin', ...(signal === undefined ? {} : { signal }) });
  } catch (err) {
    if (signal?.aborted === true) throw err;
    throw new ApiError(0, 'network', 'the hub did not answer (network error); retrying when it is back');
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const e = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    throw new ApiError(
      res.status,
      typeof e?.code === 'string' ? e.code : `http_${res.status}`,
      typeof e?.message === 'string' ? e.message : `the hub answered HTTP ${res.status} ${res.statusText}`.trim(),
    );
  }
  if (body === undefined || body === null) throw new ApiError(res.status, 'bad_response', `the hub answered ${path} with something that is not JSON`);
  return body as T;
}

/** Query of the error list, as the UI sends it (cursor only for pages after the first). */
export interface ErrorListParams {
  readonly q: string;
  readonly severity: ErrorListQuery['severity'] | '';
  readonly status: ErrorListQuery['status'];
  readonly sort: ErrorListQuery['sort'];
  readonly order: ErrorListQuery['order'];
  readonly limit: number;
  readonly cursor: string | null;
}

/** The query string of an error list (a service's, or every service's). */
function errorListQuery(p: ErrorListParams): string {
  const query = new URLSearchParams();
  if (p.q.trim() !== '') query.set('q', p.q.trim().slice(0, 1000));
  if (p.severity !== '' && p.severity !== undefined) query.set('severity', p.severity);
  query.set('status', p.status);
  query.set('sort', p.sort);
  query.set('order', p.order);
  query.set('limit', String(p.limit));
  if (p.cursor !== null) query.set('cursor', p.cursor);
  return query.toString();
}

export function errorListPath(service: string, p: ErrorListParams): string {
  return `api/v1/services/${seg(service)}/errors?${errorListQuery(p)}`;
}

/** `GET /api/v1/errors`: the list over every service, same parameters. */
export function allErrorsPath(p: ErrorListParams): string {
  return `api/v1/errors?${errorListQuery(p)}`;
}

/** The hub's /api/v1 (shapes in common/api/v1.ts). */
export const api = {
  services: (signal?: AbortSignal) => request<ServicesResponse>('GET', 'api/v1/services', signal),
  service: (name: string, signal?: AbortSignal) => request<ServiceDetailResponse>('GET', `api/v1/services/${seg(name)}`, signal),
  errors: (service: string, params: ErrorListParams, signal?: AbortSignal) => request<ErrorListResponse>('GET', errorListPath(service, params), signal),
  allErrors: (params: ErrorListParams, signal?: AbortSignal) => request<ErrorListResponse>('GET', allErrorsPath(params), signal),
  error: (service: string, key: string, signal?: AbortSignal) =>
    request<ErrorGroupResponse>('GET', `api/v1/services/${seg(service)}/errors/${seg(key)}`, signal),
  setResolved: (service: string, key: string, resolved: boolean) =>
    request<ErrorSummary>('POST', `api/v1/services/${seg(service)}/errors/${seg(key)}/${resolved ? 'resolve' : 'unresolve'}`),
  /** The hub's peers (hub.peers); no items without peers. */
  peers: (signal?: AbortSignal) => request<PeersResponse>('GET', 'api/v1/peers', signal),
  sources: (signal?: AbortSignal) => request<z.infer<typeof SourcesResponseSchema>>('GET', 'api/v1/sources', signal),
  alerts: (query: Partial<Pick<AlertsQuery, 'service' | 'type' | 'limit'>>, signal?: AbortSignal) => {
    const p = new URLSearchParams();
    if (query.service !== undefined) p.set('service', query.service);
    if (query.type !== undefined) p.set('type', query.type);
    if (query.limit !== undefined) p.set('limit', String(query.limit));
    const qs = p.toString();
    return request<AlertsResponse>('GET', `api/v1/alerts${qs === '' ? '' : `?${qs}`}`, signal);
  },
  /** A page of targets (down and failing first). */
  targets: (query: Partial<Pick<TargetsQuery, 'service' | 'q' | 'health' | 'limit' | 'offset'>>, signal?: AbortSignal) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') p.set(k, String(v));
    const qs = p.toString();
    return request<TargetsResponse>('GET', `api/v1/targets${qs === '' ? '' : `?${qs}`}`, signal);
  },
  /** Targets counted per service, with each one's failing targets. */
  targetServices: (q: string, signal?: AbortSignal) => request<TargetServicesResponse>('GET', `api/v1/targets/services${q.trim() === '' ? '' : `?${new URLSearchParams({ q: q.trim() }).toString()}`}`, signal),
};
