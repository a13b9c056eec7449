import fc from 'fast-check';
import type { Intake } from '../../common/federation/intake.js';
import type { Ack, Delta, Hello, LineageDef, Sync, Welcome, WireGroup, WireOccurrence, WireSourceStatus, WireStringDef, WireTarget } from '../../common/federation/messages.js';

/**
 * fast-check arbitraries of valid federation messages (common/federation/messages.ts), reaching the
 * schema's bounds: strings as long as allowed counted in code points (so up to twice as many UTF-16
 * units), counts up to MAX_SAFE_INTEGER and times up to the last Date, -0, label sets of 64, lists at their maximum where that
 * stays small. Optional fields are absent, present, or present holding undefined.
 */

/** Characters that make UTF-16 units and code points differ, and ones a decoder must keep as they are. */
const unit = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('a', 'Z', '0', ' ', '-', '.') },
  { weight: 1, arbitrary: fc.constantFrom('é', '😀', '\ud83d', '\ude00', '"', '\\', '\n', '\u2028', '\u0000') },
);

/** A string of `min` to `max` code points: mostly short, sometimes exactly `max`. */
export function text(min: number, max: number): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.string({ unit, minLength: min, maxLength: Math.min(max, 12) }) },
    { weight: 1, arbitrary: fc.string({ unit, minLength: max, maxLength: max }) },
  );
}

const MAX = Number.MAX_SAFE_INTEGER;
const MAX_DATE_MS = 8.64e15;
/** Records as a decoder makes them (fast-check also makes null-prototype ones by default). */
const PLAIN = { noNullPrototype: true } as const;
/** A non-negative safe integer (zod's nonnegative().int() takes -0 too). */
const count = fc.oneof(fc.nat(1000), fc.maxSafeNat(), fc.constantFrom(0, -0, MAX));
/** A time in ms: 0 (unknown) to the last instant a Date holds, its edges included. */
const ms = fc.oneof(fc.nat(1000), fc.integer({ min: 0, max: MAX_DATE_MS }), fc.constantFrom(0, -0, MAX_DATE_MS));
const positive = fc.oneof(fc.integer({ min: 1, max: 70_000 }), fc.constantFrom(1, MAX));
const name = text(1, 256);
const severity = fc.constantFrom('info' as const, 'warning' as const, 'error' as const);

/** A list of at most `max` items: mostly short, sometimes exactly `max` when that is small. */
function list<T>(item: fc.Arbitrary<T>, max: number, min = 0): fc.Arbitrary<T[]> {
  const short = fc.array(item, { minLength: min, maxLength: Math.min(max, 3) });
  return max > 64 ? short : fc.oneof({ weight: 8, arbitrary: short }, { weight: 1, arbitrary: fc.array(item, { minLength: max, maxLength: max }) });
}

/** Plain objects of string values; `__proto__` is a key msgpackr never makes and zod drops. */
const dictionary = (keys: fc.Arbitrary<string>, values: fc.Arbitrary<string>, maxKeys: number, minKeys = 0) =>
  fc.dictionary(keys.filter((k) => k !== '__proto__'), values, { minKeys, maxKeys, noNullPrototype: true });
/** Labels: a few, or the 64 the schema's refinement allows. */
const labels = fc.oneof(
  { weight: 8, arbitrary: dictionary(text(0, 128), text(0, 1024), 4) },
  { weight: 1, arbitrary: dictionary(fc.string({ minLength: 1, maxLength: 3 }), text(0, 10), 64, 64) },
);

const stringOrRef = fc.oneof(text(0, 40), positive);
const occurrence: fc.Arbitrary<WireOccurrence> = fc.record({
  uuid: text(1, 1024),
  timestamp: ms,
  severity,
  chain: list(fc.record({ class: stringOrRef, message: stringOrRef, stacktrace: fc.oneof(fc.constant(null), fc.array(text(0, 30), { maxLength: 3 }), positive) }, PLAIN), 64, 1),
  http: fc.oneof(
    fc.constant(null),
    fc.record({ method: text(0, 8), url: text(0, 40), headers: fc.oneof(fc.constant(null), dictionary(text(0, 20), text(0, 20), 3)), body: text(0, 40) }, PLAIN),
  ),
}, PLAIN);

const group: fc.Arbitrary<WireGroup> = fc.record({
  key: text(1, 4096),
  severity,
  counts: fc.array(fc.tuple(count, count), { maxLength: 3 }),
  created_at: ms,
  last_seen: ms,
  samples: fc.array(occurrence, { maxLength: 2 }),
}, PLAIN);

const target: fc.Arbitrary<WireTarget> = fc.record({
  service: name,
  url: text(0, 4096),
  agent: name,
  up: fc.boolean(),
  last_error: text(0, 4096),
  last_scrape: ms,
  duration_ms: fc.oneof(fc.double({ min: 0, max: Number.MAX_VALUE, noNaN: true }), fc.constant(-0)),
  bytes: count,
}, PLAIN);

const lineage: fc.Arbitrary<LineageDef> = fc.record({ ref: fc.integer({ min: 1, max: 1_000_000 }), name, epoch: text(1, 128), labels, via: list(name, 16) }, PLAIN);
const stringDef: fc.Arbitrary<WireStringDef> = fc.tuple(positive, fc.oneof(text(0, 40), fc.array(text(0, 20), { maxLength: 3 })));
const otlpSignal = fc.record({ items: count, ignored: count, accepted: count, overflow: count, duplicate: count, rejected: count }, PLAIN);
const otlpIntake = fc.record({ traces: otlpSignal, logs: otlpSignal, refused: fc.dictionary(text(0, 64), count, { maxKeys: 4, noNullPrototype: true }) }, PLAIN);

const sourceStatus: fc.Arbitrary<WireSourceStatus> = fc.record({
  name,
  kind: fc.constantFrom('agent' as const, 'hub' as const),
  connected: fc.boolean(),
  labels,
  epoch: text(0, 128),
  last_message_at: ms,
  via: list(name, 16),
  otlp: otlpIntake,
}, { requiredKeys: ['name', 'kind', 'connected', 'labels', 'epoch', 'last_message_at', 'via'], noNullPrototype: true });

/** Intake figures: with or without OTLP, refusals by any reason within the bounds. */
const intake: fc.Arbitrary<Intake> = fc.record({ otlp: otlpIntake }, { requiredKeys: [], noNullPrototype: true });

/** Sets each optional key in `keys` that is absent to undefined, sometimes (zod keeps such a key). */
function withUndefinedOptionals<T extends object>(message: fc.Arbitrary<T>, keys: readonly string[]): fc.Arbitrary<T> {
  return fc.tuple(message, fc.subarray([...keys])).map(([m, chosen]) => {
    const out = { ...m } as Record<string, unknown>;
    for (const k of chosen) if (!(k in out)) out[k] = undefined;
    return out as T;
  });
}

const OPTIONAL_STATE_KEYS = ['lineages', 'strings', 'targets_removed', 'targets_complete', 'sources', 'intake'] as const;
const stateFields = {
  seq: count,
  lineages: list(lineage, 100_000),
  strings: list(stringDef, 65_536),
  services: fc.array(fc.record({ name, groups: fc.array(group, { maxLength: 3 }) }, PLAIN), { maxLength: 2 }),
  targets: fc.array(target, { maxLength: 2 }),
  targets_removed: fc.array(fc.tuple(name, name, text(0, 4096)), { maxLength: 2 }),
  targets_complete: fc.boolean(),
  sources: list(sourceStatus, 100_000),
  intake,
};

export const helloArb: fc.Arbitrary<Hello> = fc.record({
  t: fc.constant('hello' as const),
  protocol: fc.oneof(fc.integer(), fc.constantFrom(1, -MAX, MAX)),
  name,
  epoch: text(1, 128),
  kind: fc.constantFrom('agent' as const, 'hub' as const),
  labels,
  version: text(0, 64),
  path: list(text(0, 128), 64),
}, PLAIN);

export const syncArb: fc.Arbitrary<Sync> = withUndefinedOptionals(
  fc.record({ t: fc.constant('sync' as const), ...stateFields, part: count, last: fc.boolean() }, { requiredKeys: ['t', 'seq', 'services', 'targets', 'part', 'last'], noNullPrototype: true }),
  OPTIONAL_STATE_KEYS,
);

export const deltaArb: fc.Arbitrary<Delta> = withUndefinedOptionals(
  fc.record({ t: fc.constant('delta' as const), ...stateFields }, { requiredKeys: ['t', 'seq', 'services', 'targets'], noNullPrototype: true }),
  OPTIONAL_STATE_KEYS,
);

export const welcomeArb: fc.Arbitrary<Welcome> = fc.record({
  t: fc.constant('welcome' as const),
  hub_id: fc.string(),
  acked_seq: fc.oneof(fc.constant(null), count),
  previous_epoch: fc.oneof(fc.constant(null), fc.string()),
}, PLAIN);

export const ackArb: fc.Arbitrary<Ack> = fc.record({ t: fc.constant('ack' as const), seq: count }, PLAIN);
