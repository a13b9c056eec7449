import { z } from 'zod';
import { CountSchema } from '../schema/scalars.js';

/**
 * What one OTLP signal of an agent's intake did (`traces`: spans and their `exception` events; `logs`:
 * log records), cumulative since the agent started (its epoch), as its `crowsnest_agent_otlp_*`
 * metrics count it. Example: a batch of 3 spans, one with an exception event, and its exporter's retry:
 * items 6, ignored 4, accepted 1, duplicate 1.
 */
export const OtlpSignalFiguresSchema = z.object({
  /** Spans or log records received in requests that were not refused. */
  items: CountSchema,
  /** Of those, the ones without an exception (received and ignored). */
  ignored: CountSchema,
  /** Exceptions counted in their group. */
  accepted: CountSchema,
  /** Exceptions counted in the overflow group (too many groups in the service). */
  overflow: CountSchema,
  /** Exporter retries of exceptions already counted (not counted again). */
  duplicate: CountSchema,
  /** Exceptions rejected in a partial success (rate limited, too many services). */
  rejected: CountSchema,
});
export type OtlpSignalFigures = z.infer<typeof OtlpSignalFiguresSchema>;

/** Reasons of refused requests a report may carry at most (the agent has a closed set of a dozen). */
export const MAX_REFUSAL_REASONS = 32;

/** An agent's OTLP intake (`agent.otlp`), cumulative since the agent started. */
export const OtlpIntakeSchema = z.object({
  traces: OtlpSignalFiguresSchema,
  logs: OtlpSignalFiguresSchema,
  /**
   * Requests refused whole, by reason (the `reason` label of `crowsnest_agent_otlp_rejected_total`:
   * rate_limited, body_too_large, invalid_protobuf, wrong_token...).
   */
  refused: z.record(z.string().max(64), CountSchema).refine((r) => Object.keys(r).length <= MAX_REFUSAL_REASONS, `at most ${MAX_REFUSAL_REASONS} reasons`),
});
export type OtlpIntake = z.infer<typeof OtlpIntakeSchema>;

/**
 * The figures of an agent's push intakes, in a sync or delta (`intake`, docs/protocol.md): the whole
 * current value, sent at the start of each connection and whenever a figure changed; the hub keeps the
 * latest per source (in memory) for `/api/v1/sources` and the Fleet view. Each intake is optional, so
 * an agent sends only those it runs, and a hub ignores kinds it does not know.
 */
export const IntakeSchema = z.object({
  otlp: OtlpIntakeSchema.optional(),
});
export type Intake = z.infer<typeof IntakeSchema>;
