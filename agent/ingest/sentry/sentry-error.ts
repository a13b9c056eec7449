/**
 * Why a Sentry request was refused. The code is the `reason` label of
 * `crowsnest_agent_sentry_rejected_total` and the `error.code` of the JSON answer, so the set is closed.
 */
export type SentryRejectReason =
  | 'invalid_project_id'
  | 'missing_key'
  | 'unknown_project'
  | 'wrong_key'
  | 'body_too_large'
  | 'decompressed_too_large'
  | 'event_too_large'
  | 'unsupported_encoding'
  | 'invalid_compression'
  | 'empty_body'
  | 'aborted'
  | 'invalid_envelope'
  | 'invalid_item'
  | 'duplicate_event_item'
  | 'invalid_event'
  | 'rate_limited'
  | 'overloaded';

const STATUS: Record<SentryRejectReason, number> = {
  invalid_project_id: 400,
  missing_key: 401,
  unknown_project: 403,
  wrong_key: 403,
  body_too_large: 413,
  decompressed_too_large: 413,
  event_too_large: 413,
  unsupported_encoding: 415,
  invalid_compression: 400,
  empty_body: 400,
  aborted: 400,
  invalid_envelope: 400,
  invalid_item: 400,
  duplicate_event_item: 400,
  invalid_event: 400,
  rate_limited: 429,
  overloaded: 503,
};

/**
 * A refused Sentry request: the HTTP status follows from the reason. Thrown by the parsing and
 * ingestion steps, caught by the routes (lives for one request).
 */
export class SentryIngestError extends Error {
  readonly status: number;
  constructor(
    readonly reason: SentryRejectReason,
    message: string,
    /** For `rate_limited` and `overloaded`: when the client may try again. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.status = STATUS[reason];
  }
}
