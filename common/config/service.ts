import { z } from 'zod';
import { DurationSchema } from './durations.js';

/**
 * Periskop/Prometheus service blocks, unchanged from a Periskop config (DESIGN section 6).
 * Field names and defaults follow Prometheus; unknown keys are errors.
 */

const LabelSet = z.record(z.string(), z.string());

export const StaticConfigSchema = z.strictObject({
  targets: z.array(z.string().min(1)).default([]),
  labels: LabelSet.default({}),
});
export type StaticConfig = z.infer<typeof StaticConfigSchema>;

export const DnsSdConfigSchema = z.strictObject({
  names: z.array(z.string().min(1)).min(1),
  type: z.enum(['A', 'AAAA', 'SRV']).default('SRV'),
  /** Required for A and AAAA (checked below); SRV records carry their own port. */
  port: z.number().int().min(1).max(65535).optional(),
  refresh_interval: DurationSchema.default(30_000),
});
export type DnsSdConfig = z.infer<typeof DnsSdConfigSchema>;

export const ScraperConfigSchema = z.strictObject({
  endpoint: z.string().startsWith('/', 'expected a path starting with "/"').default('/errors'),
  refresh_interval: DurationSchema.default(10_000),
  timeout: DurationSchema.default(5_000),
});
export type ScraperConfig = z.infer<typeof ScraperConfigSchema>;

/** Periskop's own dev config wrote `dns_sd_configs` as a single object; accept both forms. */
const oneOrMany = <T extends z.ZodType>(schema: T) =>
  z.union([z.array(schema), schema.transform((one) => [one])]).default([]);

export const ServiceConfigSchema = z
  .strictObject({
    name: z.string().min(1).max(256),
    static_configs: oneOrMany(StaticConfigSchema),
    dns_sd_configs: oneOrMany(DnsSdConfigSchema),
    scraper: ScraperConfigSchema.default({ endpoint: '/errors', refresh_interval: 10_000, timeout: 5_000 }),
  })
  .superRefine((service, ctx) => {
    service.dns_sd_configs.forEach((dns, i) => {
      if (dns.type !== 'SRV' && dns.port === undefined) {
        ctx.addIssue({ code: 'custom', path: ['dns_sd_configs', i, 'port'], message: `a port is required for type ${dns.type}` });
      }
    });
  });
export type ServiceConfig = z.infer<typeof ServiceConfigSchema>;
