import type { Occurrence } from '../../../common/occurrence.js';
import { GO_ZERO_TIME_SECONDS, toUnixSeconds } from '../../../common/time.js';
import { toClientError } from '../../../common/wire/client-format.js';
import type { HubGroup } from '../../state/group.js';
import type { PeriskopAggregate, PeriskopOccurrence } from './schema.js';

/** Periskop's API prints at most this many samples per aggregate. */
export const PERISKOP_MAX_SAMPLES = 100;

/**
 * The Periskop server's JSON for one occurrence: Unix-second timestamp, `request_body` always a string,
 * `http_context` null when absent. Key order as Periskop prints it.
 */
export function toPeriskopOccurrence(o: Occurrence): PeriskopOccurrence {
  return {
    error: toClientError(o.chain),
    uuid: o.uuid,
    timestamp: toUnixSeconds(o.timestamp),
    severity: o.severity,
    http_context:
      o.http === null
        ? null
        : { request_method: o.http.method, request_url: o.http.url, request_headers: o.http.headers, request_body: o.http.body },
  };
}

/** The Periskop server's JSON for one group (`GET /services/{name}/errors/`). */
export function toPeriskopAggregate(g: HubGroup): PeriskopAggregate {
  return {
    aggregation_key: g.key,
    total_count: g.total,
    severity: g.severity,
    latest_errors: g.samples.slice(0, PERISKOP_MAX_SAMPLES).map(toPeriskopOccurrence),
    created_at: g.createdAt > 0 ? toUnixSeconds(g.createdAt) : GO_ZERO_TIME_SECONDS,
  };
}

/** `host:port/path` as Periskop's `/targets/` prints an endpoint (no scheme). */
export function toPeriskopEndpoint(url: string): string {
  return url.replace(/^[a-z]+:\/\//i, '');
}
