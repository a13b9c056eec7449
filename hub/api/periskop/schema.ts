import { z } from 'zod';
import { SeveritySchema } from '../../../common/severity.js';
import { ClientErrorSchema } from '../../../common/wire/client-format.js';

/**
 * The Periskop server API's response shapes (what Periskop's UI, Backstage plugin and scripts read).
 * Checked against Periskop's own fixtures in test/hub/periskop-api.test.ts.
 */
export const PeriskopOccurrenceSchema = z.object({
  /** The same recursive error object as the client wire format. */
  error: ClientErrorSchema,
  uuid: z.string(),
  timestamp: z.number().int(),
  severity: SeveritySchema,
  http_context: z
    .object({
      request_method: z.string(),
      request_url: z.string(),
      request_headers: z.record(z.string(), z.string()).nullable(),
      request_body: z.string(),
    })
    .nullable(),
});
export type PeriskopOccurrence = z.infer<typeof PeriskopOccurrenceSchema>;

export const PeriskopAggregateSchema = z.object({
  aggregation_key: z.string(),
  total_count: z.number().int(),
  severity: SeveritySchema,
  latest_errors: z.array(PeriskopOccurrenceSchema),
  created_at: z.number().int(),
});
export type PeriskopAggregate = z.infer<typeof PeriskopAggregateSchema>;

export const PeriskopTargetsSchema = z.record(z.string(), z.array(z.object({ endpoint: z.string() })));
export type PeriskopTargets = z.infer<typeof PeriskopTargetsSchema>;
