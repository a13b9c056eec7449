/**
 * Why an OTLP request was refused. The code is the `reason` label of
 * `crowsnest_agent_otlp_rejected_total`, so the set is closed.
 */
export type OtlpRejectReason =
  | 'missing_token'
  | 'wrong_token'
  | 'body_too_large'
  | 'decompressed_too_large'
  | 'unsupported_encoding'
  | 'unsupported_media_type'
  | 'invalid_compression'
  | 'aborted'
  | 'invalid_protobuf'
  | 'invalid_json'
  | 'rate_limited'
  | 'overloaded';

const STATUS: Record<OtlpRejectReason, number> = {
  missing_token: 401,
  wrong_token: 401,
  body_too_large: 413,
  decompressed_too_large: 413,
  unsupported_encoding: 415,
  unsupported_media_type: 415,
  invalid_compression: 400,
  aborted: 400,
  invalid_protobuf: 400,
  invalid_json: 400,
  rate_limited: 429,
  overloaded: 503,
};

/** gRPC status codes of the google.rpc.Status body, as the OTLP/HTTP specification pairs them. */
const GRPC_CODE: Record<number, number> = { 400: 3, 401: 16, 413: 3, 415: 3, 429: 8, 503: 14 };

/**
 * A refused OTLP request: the HTTP status follows from the reason. Thrown by decoding and ingestion,
 * caught by the routes (lives for one request).
 */
export class OtlpIngestError extends Error {
  readonly status: number;
  constructor(
    readonly reason: OtlpRejectReason,
    message: string,
    /** For `rate_limited` and `overloaded`: when the exporter may retry. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.status = STATUS[reason];
  }

  /** The gRPC code of the Status body (INVALID_ARGUMENT, UNAUTHENTICATED, RESOURCE_EXHAUSTED, UNAVAILABLE). */
  get grpcCode(): number {
    return GRPC_CODE[this.status] ?? 2;
  }
}
