import { z } from 'zod';

/** The three Periskop severities, least to most severe. */
export const SEVERITIES = ['info', 'warning', 'error'] as const;
export const SeveritySchema = z.enum(SEVERITIES);
export type Severity = z.infer<typeof SeveritySchema>;

/**
 * Reads a severity from untrusted input. Periskop treats a missing or empty severity as `error`;
 * unknown words fall back the same way rather than dropping the item.
 * Example: toSeverity('WARNING') === 'warning'; toSeverity(undefined) === 'error'.
 */
export function toSeverity(value: unknown): Severity {
  if (typeof value !== 'string') return 'error';
  const lower = value.toLowerCase();
  if (lower === 'info' || lower === 'warning' || lower === 'error') return lower;
  if (lower === 'warn') return 'warning';
  if (lower === 'debug') return 'info';
  if (lower === 'fatal' || lower === 'critical') return 'error';
  return 'error';
}
