import { z } from 'zod';

/**
 * A push from a Periskop client (`push_to_gateway`): the client's own `/errors` payload, whose
 * `target_uuid` is required here. Aggregates are read item by item afterwards (`parseClientPayload`),
 * so one bad aggregate drops that aggregate, not the push.
 */
export const PushRequestSchema = z.object({
  target_uuid: z
    .string({ error: (issue) => (issue.input === undefined || issue.input === null
      ? 'target_uuid is required: pushes are counted per pushing client (cumulative counts per target_uuid), so that repeated pushes of the same counts add nothing'
      : 'target_uuid must be a string') })
    .min(1, 'target_uuid must not be empty')
    .max(256, 'target_uuid must be at most 256 characters'),
  aggregated_errors: z.array(z.unknown(), { error: 'aggregated_errors must be a list' }).nullish(),
});
export type PushRequest = z.infer<typeof PushRequestSchema>;

/** A service name in a push URL: what a config `name` may be (1 to 256 characters), no control characters. */
export const PushServiceSchema = z
  .string()
  .min(1)
  .max(256, 'a service name is at most 256 characters')
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'a service name must not contain control characters');
