import Router from '@koa/router';
import type { Context } from 'koa';
import type { Logger } from 'pino';
import { BodyError, decodeContentEncoding, readRequestBody } from '../../http/request-body.js';
import { OtlpIngestError } from './otlp-error.js';
import type { OtlpIngest } from './otlp-ingest.js';
import { LogsJsonSchema, TracesJsonSchema } from './otlp-json-schema.js';
import type { OtlpMetrics } from './otlp-metrics.js';
import type { LogsRequest, TracesRequest } from './otlp-model.js';
import { decodeProtobuf, encodeResponse, encodeStatus, responseJson, type Signal } from './otlp-proto.js';

export interface OtlpRoutesDeps {
  readonly ingest: OtlpIngest;
  readonly metrics: OtlpMetrics;
  readonly logger: Logger;
  /** Largest body, compressed and decompressed (agent.otlp.max_body_bytes). */
  readonly maxBodyBytes: number;
  /** Requests handled at once; more are answered 503 so bodies in memory stay bounded. */
  readonly maxConcurrent?: number;
  readonly now?: () => number;
}

type Encoding = 'protobuf' | 'json';

/** The request's encoding from its Content-Type, or undefined for any other media type. */
export function encodingOf(contentType: string): Encoding | undefined {
  const media = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (media === 'application/x-protobuf' || media === 'application/protobuf') return 'protobuf';
  if (media === 'application/json') return 'json';
  return undefined;
}

/**
 * Decodes an export request body (already decompressed) of either encoding. Throws
 * `invalid_protobuf` or `invalid_json` (400) for what does not decode.
 */
export function decodeRequest(signal: Signal, encoding: Encoding, body: Buffer): TracesRequest | LogsRequest {
  if (encoding === 'protobuf') {
    try {
      return decodeProtobuf(signal, body) as TracesRequest | LogsRequest;
    } catch (err) {
      throw new OtlpIngestError('invalid_protobuf', `the body is not a protobuf ${exportName(signal)}: ${(err as Error).message}`);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new OtlpIngestError('invalid_json', 'the body is not JSON');
  }
  const parsed = (signal === 'traces' ? TracesJsonSchema : LogsJsonSchema).safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new OtlpIngestError('invalid_json', `the body is not an OTLP/JSON ${exportName(signal)}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`);
  }
  return parsed.data as TracesRequest | LogsRequest;
}

function exportName(signal: Signal): string {
  return signal === 'traces' ? 'ExportTraceServiceRequest' : 'ExportLogsServiceRequest';
}

/**
 * The OTLP/HTTP endpoints `POST /v1/traces` and `POST /v1/logs`, answered as the OTLP specification
 * says: 200 with an Export*ServiceResponse (its `partial_success` when exceptions were rejected), and
 * refusals with a google.rpc.Status body, both in the request's encoding; 400 undecodable, 401 token,
 * 413 over the cap (compressed or decompressed), 415 another media type or content encoding, 429 and
 * 503 with Retry-After. Every refusal is counted by reason; nothing an exporter sends can make a
 * handler throw past this router.
 */
export function otlpRoutes(deps: OtlpRoutesDeps): Router {
  const router = new Router();
  const now = deps.now ?? Date.now;
  const maxConcurrent = deps.maxConcurrent ?? 32;
  let inFlight = 0;

  const route = (signal: Signal) => async (ctx: Context) => {
    const encoding = encodingOf(ctx.get('content-type'));
    if (encoding === undefined) {
      return refuse(ctx, 'json', new OtlpIngestError('unsupported_media_type', 'send application/x-protobuf or application/json'));
    }
    if (inFlight >= maxConcurrent) return refuse(ctx, encoding, new OtlpIngestError('overloaded', 'too many OTLP requests at once; retry shortly', 1));
    inFlight++;
    try {
      const bucket = deps.ingest.authenticate(ctx.get('authorization') || undefined);
      const raw = await readRequestBody(ctx.req, deps.maxBodyBytes).catch(asOtlpError);
      const body = await decodeContentEncoding(raw, ctx.get('content-encoding') || undefined, deps.maxBodyBytes).catch(asOtlpError);
      const partial = deps.ingest.export(signal, decodeRequest(signal, encoding, body), bucket, now());
      ctx.status = 200;
      if (encoding === 'json') ctx.body = responseJson(signal, partial);
      else {
        ctx.body = Buffer.from(encodeResponse(signal, partial));
        ctx.type = 'application/x-protobuf';
      }
    } catch (err) {
      if (!(err instanceof OtlpIngestError)) throw err;
      refuse(ctx, encoding, err);
    } finally {
      inFlight--;
    }
  };
  router.post('/v1/traces', route('traces'));
  router.post('/v1/logs', route('logs'));

  function refuse(ctx: Context, encoding: Encoding, err: OtlpIngestError): void {
    deps.metrics.reject(err.reason);
    if (err.status !== 429 && err.status !== 503) deps.logger.debug({ reason: err.reason, path: ctx.path, err: err.message }, 'OTLP request refused');
    ctx.status = err.status;
    if (err.retryAfterSeconds !== undefined) ctx.set('Retry-After', String(err.retryAfterSeconds));
    // The rest of an oversized or refused body is not read: close the connection instead.
    if (!ctx.req.complete) ctx.set('Connection', 'close');
    if (encoding === 'json') ctx.body = { code: err.grpcCode, message: err.message };
    else {
      ctx.body = Buffer.from(encodeStatus(err.grpcCode, err.message));
      ctx.type = 'application/x-protobuf';
    }
  }

  return router;
}

/** A body failure is an OTLP refusal of the same name. */
function asOtlpError(err: unknown): never {
  throw err instanceof BodyError ? new OtlpIngestError(err.reason, err.message) : err;
}
