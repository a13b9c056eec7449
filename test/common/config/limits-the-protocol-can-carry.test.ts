import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../common/config/load.js';
import { WireGroupSchema } from '../../../common/federation/messages.js';
import { OccurrenceSchema } from '../../../common/occurrence.js';
import { parseClientPayload, parseRawOccurrence } from '../../../agent/wire/client-payload.js';
import { rawSample } from '../../helpers/builders.js';

/**
 * Limits are configurable, but the federation schema has fixed bounds (a chain of at most 64 errors,
 * keys of at most 4096 chars). A limit above them makes the agent build messages every hub refuses
 * (CN_ERR_BAD_MESSAGE, forever): the config must refuse such a limit.
 */
function deepError(depth: number): Record<string, unknown> {
  let error: Record<string, unknown> | null = null;
  for (let i = depth - 1; i >= 0; i--) error = { class: `E${i}`, message: '', stacktrace: [], cause: error };
  return error as Record<string, unknown>;
}

const loads = (limits: string) => {
  try {
    return parseConfig(`agent:\n  name: a\n  limits: { ${limits} }\n`, 'c.yaml', {}).agent?.limits;
  } catch (err) {
    if (err instanceof ConfigError) return undefined;
    throw err;
  }
};

describe('limits the federation protocol can carry', () => {
  it('lets no accepted causeDepth build an occurrence the federation refuses', () => {
    for (const causeDepth of [10, 63, 64, 100]) {
      const limits = loads(`causeDepth: ${causeDepth}`);
      if (limits === undefined) continue;
      const o = parseRawOccurrence(rawSample('u', 0, { error: deepError(500) }), limits);
      expect(OccurrenceSchema.safeParse(o).success, `causeDepth ${causeDepth}`).toBe(true);
    }
  });

  it('lets no accepted keyChars build a key the federation refuses', () => {
    for (const keyChars of [512, 4084, 4096, 10_000]) {
      const limits = loads(`keyChars: ${keyChars}`);
      if (limits === undefined) continue;
      const [agg] = parseClientPayload({ aggregated_errors: [{ aggregation_key: 'k'.repeat(20_000), total_count: 1 }] }, limits).aggregates;
      const group = { key: agg?.key, severity: 'error', counts: [], created_at: 0, last_seen: 0, samples: [] };
      expect(WireGroupSchema.safeParse(group).success, `keyChars ${keyChars}`).toBe(true);
    }
  });
});
