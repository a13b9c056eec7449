import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { AckSchema, DeltaSchema, HelloSchema, HubMessageSchema, SourceMessageSchema, SyncSchema, WelcomeSchema } from '../../../common/federation/messages.js';
import { compileExactCheck } from '../../../common/schema/exact-check.js';
import { exactlyEqual } from '../../helpers/exactly-equal.js';
import { ackArb, deltaArb, helloArb, syncArb, welcomeArb } from '../../helpers/message-arbitraries.js';

/**
 * The exact checks of the federation messages against zod, the definition of the wire shapes:
 * every valid message passes without a copy, and no mutated one passes unless zod gives it back
 * as it is.
 */

const SOURCE_SCHEMAS = [['hello', HelloSchema], ['sync', SyncSchema], ['delta', DeltaSchema], ['any source message', SourceMessageSchema]] as const;
const HUB_SCHEMAS = [['welcome', WelcomeSchema], ['ack', AckSchema], ['any hub message', HubMessageSchema]] as const;
const checks = new Map<z.ZodType, (v: unknown) => boolean>([...SOURCE_SCHEMAS, ...HUB_SCHEMAS].map(([, s]) => [s, compileExactCheck(s)]));
const checkOf = (schema: z.ZodType): ((v: unknown) => boolean) => checks.get(schema) as (v: unknown) => boolean;

function expectExactlyValid(schema: z.ZodType, message: unknown): void {
  expect(checkOf(schema)(message)).toBe(true);
  const parsed = schema.safeParse(message);
  expect(parsed.success).toBe(true);
  expect(parsed.data).toStrictEqual(message);
  expect(exactlyEqual(parsed.data, message)).toBe(true);
}

describe('exact checks of valid messages', () => {
  it.each([
    ['hello', helloArb, HelloSchema],
    ['sync', syncArb, SyncSchema],
    ['delta', deltaArb, DeltaSchema],
    ['welcome', welcomeArb, WelcomeSchema],
    ['ack', ackArb, AckSchema],
  ] as const)('pass every valid %s, which zod gives back unchanged, by its own schema and by the union', (_t, arb, schema) => {
    const union = schema === WelcomeSchema || schema === AckSchema ? HubMessageSchema : SourceMessageSchema;
    fc.assert(
      fc.property(arb as fc.Arbitrary<unknown>, (message) => {
        expectExactlyValid(schema, message);
        expectExactlyValid(union, message);
      }),
      { numRuns: 300 },
    );
  });

  it('pass strings at their bounds counted in code points, beyond them in UTF-16 units', () => {
    const hello = { t: 'hello', protocol: 1, name: '😀'.repeat(256), epoch: 'e', kind: 'agent', labels: {}, version: '', path: [] };
    expect(hello.name.length).toBe(512);
    expectExactlyValid(HelloSchema, hello);
  });
});

type Path = readonly (string | number)[];

/** Every place in a value: the root, and each key or index below it in plain objects and arrays. */
function places(v: unknown, path: Path = [], out: Path[] = []): Path[] {
  out.push(path);
  const proto: unknown = typeof v === 'object' && v !== null ? Object.getPrototypeOf(v) : undefined;
  if (proto === Array.prototype) (v as unknown[]).forEach((x, i) => places(x, [...path, i], out));
  else if (proto === Object.prototype) for (const k of Object.keys(v as object)) places((v as Record<string, unknown>)[k], [...path, k], out);
  return out;
}

type Mutation =
  | { readonly op: 'replace'; readonly value: unknown }
  | { readonly op: 'delete' } // the key goes, or the index becomes a hole
  | { readonly op: 'splice' } // the element goes (later ones move up)
  | { readonly op: 'add key'; readonly key: string; readonly value: unknown }
  | { readonly op: 'undefined' }
  | { readonly op: 'prototype'; readonly proto: 'null' | 'class' }
  | { readonly op: 'hide' } // the key becomes non-enumerable
  | { readonly op: 'grow'; readonly length: number }
  | { readonly op: 'to array' }
  | { readonly op: 'to object' }
  | { readonly op: 'string'; readonly unit: string; readonly length: number }
  | { readonly op: 'symbol key' };

const MAX = Number.MAX_SAFE_INTEGER;
class Other {}
class OtherArray extends Array<unknown> {}
const fresh = <T>(make: () => T): fc.Arbitrary<T> => fc.constant(null).map(make);
/** Wrong types, numbers out of range or not integers, NaN, infinities, -0, near-miss strings, odd objects. */
const weird: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(undefined, null, NaN, Infinity, -Infinity, -0, 0, 1, -1, 0.5, 1.5, 2 ** 31, 2 ** 53, MAX, MAX + 2, -MAX, 1e6, 1e6 + 1, 65_536, 65_537, '', 'x', 'info', 'fatal', 'delta', 'hello', 'agent', true, false, 1n),
  fresh(() => ({})),
  fresh(() => []),
  fresh(() => Object.create(null) as object),
  fresh(() => new Date(0)),
  fc.anything({ maxDepth: 2, withNullPrototype: true, withBoxedValues: true, withSparseArray: true }),
);
/** The lengths the schemas bound strings and lists with, and one either side. */
const bounds = [0, 1, 2, 15, 16, 17, 63, 64, 65, 127, 128, 129, 255, 256, 257, 1023, 1024, 1025, 4095, 4096, 4097];
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('replace' as const), value: weird }),
  fc.record({ op: fc.constant('delete' as const) }),
  fc.record({ op: fc.constant('splice' as const) }),
  fc.record({ op: fc.constant('add key' as const), key: fc.constantFrom('extra', 't', 'seq', 'name', 'constructor', 'toString', '__proto__', '0'), value: weird }),
  fc.record({ op: fc.constant('undefined' as const) }),
  fc.record({ op: fc.constant('prototype' as const), proto: fc.constantFrom('null' as const, 'class' as const) }),
  fc.record({ op: fc.constant('hide' as const) }),
  fc.record({ op: fc.constant('grow' as const), length: fc.constantFrom(...bounds.filter((n) => n <= 129)) }),
  fc.record({ op: fc.constant('to array' as const) }),
  fc.record({ op: fc.constant('to object' as const) }),
  fc.record({ op: fc.constant('string' as const), unit: fc.constantFrom('a', '😀', '\ud800'), length: fc.constantFrom(...bounds) }),
  fc.record({ op: fc.constant('symbol key' as const) }),
);

/** `value` with `m` applied at `path` (in place below the root; the root itself may be replaced). */
function mutate(root: unknown, path: Path, m: Mutation): unknown {
  const parent = path.slice(0, -1).reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], root);
  const key = path[path.length - 1];
  const target = key === undefined ? root : (parent as Record<string | number, unknown>)[key];
  const set = (value: unknown): unknown => {
    if (key === undefined) return value;
    (parent as Record<string | number, unknown>)[key] = value;
    return root;
  };
  const isObject = typeof target === 'object' && target !== null;
  switch (m.op) {
    case 'replace':
      return set(m.value);
    case 'undefined':
      return set(undefined);
    case 'delete':
      if (key !== undefined) delete (parent as Record<string | number, unknown>)[key];
      return root;
    case 'splice':
      if (Array.isArray(parent) && typeof key === 'number') parent.splice(key, 1);
      else if (key !== undefined) delete (parent as Record<string | number, unknown>)[key];
      return root;
    case 'add key':
      if (isObject) Object.defineProperty(target, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
      return root;
    case 'prototype':
      if (isObject) Object.setPrototypeOf(target, m.proto === 'null' ? null : Array.isArray(target) ? OtherArray.prototype : Other.prototype);
      return root;
    case 'hide':
      if (key !== undefined && typeof parent === 'object' && parent !== null) Object.defineProperty(parent, key, { enumerable: false });
      return root;
    case 'grow':
      // Repeats the last element (the same reference at several indices: zod does not mind).
      if (Array.isArray(target)) while (target.length < m.length) Array.prototype.push.call(target, target[target.length - 1]);
      return root;
    case 'to array':
      return isObject && !Array.isArray(target) ? set(Object.values(target)) : root;
    case 'to object':
      return Array.isArray(target) ? set({ ...target }) : root;
    case 'string':
      return set(m.unit.repeat(m.length));
    case 'symbol key':
      // Only records are promised to notice symbol keys (see ExactCheck); objects' are not looked at.
      if (isObject && (key === 'labels' || key === 'headers')) (target as Record<symbol, unknown>)[Symbol('s')] = 'x';
      return root;
  }
}

describe('exact checks of mutated messages', () => {
  const mutated = (arb: fc.Arbitrary<unknown>) =>
    fc.tuple(arb, fc.array(fc.tuple(fc.nat(), mutation), { minLength: 1, maxLength: 3 })).map(([message, ms]) => {
      let value = structuredClone(message);
      for (const [at, m] of ms) {
        const all = places(value);
        try {
          value = mutate(value, all[at % all.length] as Path, m);
        } catch (err) {
          // A mutation the value does not allow (an index of a boxed string): skipped.
          if (!(err instanceof TypeError)) throw err;
        }
      }
      return value;
    });

  it.each([
    ['source messages', fc.oneof(helloArb, syncArb, deltaArb) as fc.Arbitrary<unknown>, SOURCE_SCHEMAS],
    ['hub messages', fc.oneof(welcomeArb, ackArb) as fc.Arbitrary<unknown>, HUB_SCHEMAS],
  ] as const)('pass %s only where zod gives them back unchanged', (_what, arb, schemas) => {
    const said = new Map<string, { true: number; false: number }>(schemas.map(([name]) => [name, { true: 0, false: 0 }]));
    fc.assert(
      fc.property(mutated(arb), (value) => {
        for (const [name, schema] of schemas) {
          const exact = checkOf(schema)(value);
          (said.get(name) as { true: number; false: number })[`${exact}`]++;
          if (!exact) continue;
          const parsed = schema.safeParse(value);
          expect(parsed.success).toBe(true);
          // Not toStrictEqual: it reads `constructor`, and an own non-enumerable one (which zod ignores, as
          // any non-enumerable key) makes it differ; exactlyEqual compares what ExactCheck promises.
          expect(exactlyEqual(parsed.data, value)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
    // Not vacuous: every union saw many mutated values pass and many fail.
    const union = said.get(schemas[schemas.length - 1]?.[0] ?? '') ?? { true: 0, false: 0 };
    expect(union.true).toBeGreaterThan(100);
    expect(union.false).toBeGreaterThan(500);
  });

  it.each([
    ['a name one code point too long', { name: '😀'.repeat(257) }],
    ['an empty name', { name: '' }],
    ['a protocol that is not an integer', { protocol: 1.5 }],
    ['a protocol beyond the safe integers', { protocol: 2 ** 53 }],
    ['65 labels', { labels: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])) }],
    ['a label key too long', { labels: { ['k'.repeat(129)]: 'v' } }],
    ['a path of 65 hubs', { path: Array.from({ length: 65 }, () => 'h') }],
    ['an unknown kind', { kind: 'relay' }],
    ['an unknown key', { extra: 1 }],
  ])('refuse a hello with %s, as zod does', (_what, change) => {
    const hello = { t: 'hello', protocol: 1, name: 'a', epoch: 'e', kind: 'agent', labels: {}, version: '', path: [], ...change };
    expect(checkOf(HelloSchema)(hello)).toBe(false);
    const parsed = HelloSchema.safeParse(hello);
    if (parsed.success) expect(parsed.data).not.toStrictEqual(hello); // only the unknown key, which zod strips
  });
});
