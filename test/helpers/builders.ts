import { readFileSync } from 'node:fs';
import type { WireGroup } from '../../common/federation/messages.js';

/** A wire group whose samples carry no string references: valid both as WireGroup and as SourceGroup. */
export type PlainWireGroup = Omit<WireGroup, 'samples'> & { samples: Occurrence[] };
import { DEFAULT_LIMITS, type Limits } from '../../common/limits.js';
import type { ErrorDetail, Occurrence } from '../../common/occurrence.js';
import type { Severity } from '../../common/severity.js';
import type { ParsedAggregate } from '../../agent/wire/client-payload.js';

/**
 * Small builders of test data, so a test states only what it is about. Each returns a fresh object;
 * tests may mutate what they get.
 */

/** Default limits with some overridden. */
export function limitsWith(overrides: Partial<Limits> = {}): Limits {
  return { ...DEFAULT_LIMITS, ...overrides };
}

/** A normalised occurrence; `timestamp` in ms. */
export function occurrence(uuid: string, timestamp: number, overrides: Partial<Occurrence> = {}): Occurrence {
  const chain: ErrorDetail[] = [{ class: 'java.lang.RuntimeException', message: `boom ${uuid}`, stacktrace: ['at Main.main(Main.java:1)'] }];
  return { uuid, timestamp, severity: 'error', chain, http: null, ...overrides };
}

/** A sample as a Periskop client sends it (`timestamp` in ms, written as RFC 3339). */
export function rawSample(uuid: string, timestamp: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    error: { class: 'java.lang.RuntimeException', message: `boom ${uuid}`, stacktrace: ['at Main.main(Main.java:1)'], cause: null },
    uuid,
    timestamp: new Date(timestamp).toISOString(),
    severity: 'error',
    http_context: null,
    ...overrides,
  };
}

/** One aggregate as `parseClientPayload` returns it. */
export function aggregate(key: string, totalCount: number, overrides: Partial<ParsedAggregate> = {}): ParsedAggregate {
  return { key, totalCount, severity: 'error', createdAt: 0, rawSamples: [], ...overrides };
}

/**
 * A federation group update with plain samples (valid on the wire too: references are optional);
 * `counts` as [lineage ref, cumulative count] pairs.
 */
export function wireGroup(key: string, counts: [number, number][], overrides: Partial<PlainWireGroup> = {}): PlainWireGroup {
  return { key, severity: 'error' as Severity, counts, created_at: 0, last_seen: 0, samples: [], ...overrides };
}

/** Reads a JSON fixture from test/fixtures/periskop. */
export function periskopFixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../fixtures/periskop/${name}`, import.meta.url), 'utf8')) as unknown;
}
