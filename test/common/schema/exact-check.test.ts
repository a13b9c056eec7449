import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { compileExactCheck, exactCheckSource, UnsupportedSchemaError } from '../../../common/schema/exact-check.js';
import { exactlyEqual } from '../../helpers/exactly-equal.js';

/**
 * What zod makes of a value: `same` (succeeds with an output deep-equal to it, so the exact check must
 * say true), `copies` (succeeds with a different output: the check must say false) or `fails`.
 * Each case is checked against zod itself, so the table cannot claim what zod does not do.
 */
type Zod = 'same' | 'copies' | 'fails';

function expectCase(schema: z.ZodType, value: unknown, zod: Zod): void {
  const parsed = schema.safeParse(value);
  expect(parsed.success).toBe(zod !== 'fails');
  if (zod === 'same') expect(parsed.data).toStrictEqual(value);
  if (zod !== 'fails') expect(exactlyEqual(parsed.data, value)).toBe(zod === 'same');
  expect(compileExactCheck(schema)(value)).toBe(zod === 'same');
}

/** The property every exact check must have: true only where zod succeeds with an exactly equal output. */
function expectSound(schema: z.ZodType, value: unknown, said: boolean): void {
  if (!said) return;
  const parsed = schema.safeParse(value);
  expect(parsed.success).toBe(true);
  expect(parsed.data).toStrictEqual(value);
  expect(exactlyEqual(parsed.data, value)).toBe(true);
}

const withProto = <T extends object>(proto: object | null, props: T): T => Object.assign(Object.create(proto) as T, props);
class Point {
  x = 1;
}
class Items extends Array<unknown> {}
const sparse = (length: number, at: Record<number, unknown>): unknown[] => {
  const a = new Array<unknown>(length);
  for (const [i, v] of Object.entries(at)) a[Number(i)] = v;
  return a;
};
const nonEnumerable = (o: object, key: string, value: unknown): object => Object.defineProperty(o, key, { value, enumerable: false });
enum Numeric {
  A = 1,
  B = 2,
}

type Case = readonly [string, z.ZodType, unknown, Zod];

const leaves: Case[] = [
  ['a string', z.string(), 'a', 'same'],
  ['a number as a string', z.string(), 1, 'fails'],
  ['a boxed string', z.string(), new String('a'), 'fails'],
  ['a fraction', z.number(), 1.5, 'same'],
  ['-0', z.number().nonnegative(), -0, 'same'],
  ['NaN', z.number(), NaN, 'fails'],
  ['Infinity', z.number(), Infinity, 'fails'],
  ['a numeric string', z.number(), '1', 'fails'],
  ['a bigint', z.number(), 1n, 'fails'],
  ['a boolean', z.boolean(), false, 'same'],
  ['0 as a boolean', z.boolean(), 0, 'fails'],
  ['null', z.null(), null, 'same'],
  ['undefined as null', z.null(), undefined, 'fails'],
  ['undefined', z.undefined(), undefined, 'same'],
  ['anything as never', z.never(), 1, 'fails'],
  ['a date as unknown', z.unknown(), new Date(0), 'same'],
  ['a literal', z.literal('a'), 'a', 'same'],
  ['another literal', z.literal('a'), 'b', 'fails'],
  ['-0 as the literal 0', z.literal(0), -0, 'same'],
  ['one of several literals', z.literal(['a', 1, null]), null, 'same'],
  ['an enum value', z.enum(['a', 'b']), 'b', 'same'],
  ['not an enum value', z.enum(['a', 'b']), 'c', 'fails'],
  ['a numeric enum value', z.enum(Numeric), 2, 'same'],
  ['a numeric enum name', z.enum(Numeric), 'A', 'fails'],
  ['null where nullable', z.string().nullable(), null, 'same'],
  ['undefined where nullable', z.string().nullable(), undefined, 'fails'],
  ['undefined where optional', z.string().optional(), undefined, 'same'],
  ['null where optional', z.string().optional(), null, 'fails'],
  ['a custom value', z.custom<string>((v) => typeof v === 'string'), 'a', 'same'],
  ['a refused custom value', z.custom<string>((v) => typeof v === 'string'), 1, 'fails'],
  ['an instance', z.instanceof(Date), new Date(0), 'same'],
];

const arrays: Case[] = [
  ['an array', z.array(z.string()), ['a', 'b'], 'same'],
  ['an empty array', z.array(z.string()), [], 'same'],
  ['a wrong element', z.array(z.string()), ['a', 1], 'fails'],
  ['an array-like object', z.array(z.string()), { 0: 'a', length: 1 }, 'fails'],
  ['a string as an array', z.array(z.string()), 'ab', 'fails'],
  ['a hole', z.array(z.unknown()), sparse(2, { 1: 'a' }), 'copies'],
  ['a hole where undefined is refused', z.array(z.string()), sparse(2, { 1: 'a' }), 'fails'],
  ['an explicit undefined', z.array(z.unknown()), [undefined], 'same'],
  ['an array subclass', z.array(z.unknown()), Items.from([1]), 'copies'],
  ['too many elements', z.array(z.string()).max(1), ['a', 'b'], 'fails'],
  ['too few elements', z.array(z.string()).min(1), [], 'fails'],
  ['a tuple', z.tuple([z.string(), z.number()]), ['a', 1], 'same'],
  ['a short tuple', z.tuple([z.string(), z.number()]), ['a'], 'fails'],
  ['a long tuple', z.tuple([z.string(), z.number()]), ['a', 1, 2], 'fails'],
  ['a tuple in the wrong order', z.tuple([z.string(), z.number()]), [1, 'a'], 'fails'],
  ['a tuple with a hole', z.tuple([z.unknown()]), sparse(1, {}), 'copies'],
];

const AB = z.object({ a: z.string(), b: z.number().optional() });
const objects: Case[] = [
  ['an empty object', z.object({}), {}, 'same'],
  ['a key of no shape', z.object({}), { a: 1 }, 'copies'],
  ['an object', AB, { a: 'x' }, 'same'],
  ['an optional key present', AB, { a: 'x', b: 1 }, 'same'],
  ['an optional key holding undefined', AB, { a: 'x', b: undefined }, 'same'],
  ['an unknown key, which zod strips', AB, { a: 'x', c: 1 }, 'copies'],
  ['an unknown key and an absent optional', z.object({ a: z.string().optional() }), { c: 1 }, 'copies'],
  ['an unknown key in a strict object', z.strictObject({ a: z.string() }), { a: 'x', c: 1 }, 'fails'],
  ['a missing key', AB, { b: 1 }, 'fails'],
  ['a required key holding undefined', AB, { a: undefined }, 'fails'],
  ['an absent key of unknown, which zod requires', z.object({ a: z.unknown() }), {}, 'fails'],
  ['an undefined key of unknown', z.object({ a: z.unknown() }), { a: undefined }, 'same'],
  ['null', AB, null, 'fails'],
  ['an array', AB, ['x'], 'fails'],
  ['a null-prototype object', AB, withProto(null, { a: 'x' }), 'copies'],
  ['a class instance', z.object({ x: z.number() }), new Point(), 'copies'],
  ['a non-enumerable key', AB, nonEnumerable({ a: 'x' }, 'b', 1), 'copies'],
  ['a non-enumerable key and an unknown one', AB, nonEnumerable({ c: 1 }, 'a', 'x'), 'copies'],
  ['a non-enumerable unknown key', AB, nonEnumerable({ a: 'x' }, 'c', 1), 'same'],
  ['a key zod finds on the prototype', z.object({ toString: z.unknown().optional() }), {}, 'copies'],
  ['a key on the prototype of the wrong type', z.object({ toString: z.string().optional() }), {}, 'fails'],
  ['an own key named as one on the prototype', z.object({ toString: z.string().optional() }), { toString: 'x' }, 'same'],
  ['an exact optional absent', z.object({ a: z.string().exactOptional() }), {}, 'same'],
  ['an exact optional holding undefined', z.object({ a: z.string().exactOptional() }), { a: undefined }, 'fails'],
  ['a refined object', z.object({ a: z.string() }).refine((o) => o.a !== 'no'), { a: 'no' }, 'fails'],
  ['a key to be escaped', z.object({ 'a"b\n': z.string(), '}); throw 1; ({': z.number() }), { 'a"b\n': 'x', '}); throw 1; ({': 1 }, 'same'],
];

const Rec = z.record(z.string().max(2), z.number());
const records: Case[] = [
  ['a record', Rec, { ab: 1, c: 2 }, 'same'],
  ['an empty record', Rec, {}, 'same'],
  ['a long key', Rec, { abc: 1 }, 'fails'],
  ['a wrong value', Rec, { a: 'x' }, 'fails'],
  ['an own __proto__ key, which zod drops', z.record(z.string(), z.unknown()), JSON.parse('{"__proto__": 1, "a": 2}') as unknown, 'copies'],
  ['a null-prototype record', z.record(z.string(), z.unknown()), withProto(null, { a: 1 }), 'copies'],
  ['a symbol key', z.record(z.string(), z.unknown()), { [Symbol('s')]: 1 }, 'fails'],
  ['a constructor key holding a string', z.record(z.string(), z.string()), { constructor: 'x' }, 'same'],
  ['a constructor key holding a function', z.record(z.string(), z.unknown()), { constructor: () => 1 }, 'fails'],
  ['an array as a record', z.record(z.string(), z.unknown()), [], 'fails'],
  ['a refined record', z.record(z.string(), z.string()).refine((l) => Object.keys(l).length <= 2), { a: '', b: '', c: '' }, 'fails'],
];

const unions: Case[] = [
  ['the second option', z.union([z.string().max(2), z.number()]), 5, 'same'],
  ['the first option', z.union([z.string().max(2), z.number()]), 'ab', 'same'],
  ['no option', z.union([z.string().max(2), z.number()]), 'abc', 'fails'],
  ['an exact second option after a first that strips', z.union([z.object({ a: z.string() }), z.object({ a: z.string(), b: z.number() })]), { a: 'x', b: 1 }, 'copies'],
  ['a number after an array option', z.union([z.array(z.string()), z.number().int()]), 5, 'same'],
  ['an array before a number option', z.union([z.array(z.string()), z.number().int()]), ['a'], 'same'],
  ['an array of the wrong elements', z.union([z.array(z.string()), z.number().int()]), [1], 'fails'],
];

const Tagged = z.discriminatedUnion('t', [z.object({ t: z.literal('a'), x: z.string() }), z.object({ t: z.literal('b'), y: z.number() })]);
const discriminated: Case[] = [
  ['the first tag', Tagged, { t: 'a', x: 's' }, 'same'],
  ['the second tag', Tagged, { t: 'b', y: 1 }, 'same'],
  ['an unknown tag', Tagged, { t: 'c', x: 's' }, 'fails'],
  ['no tag', Tagged, { x: 's' }, 'fails'],
  ['the fields of the other tag', Tagged, { t: 'a', y: 1 }, 'fails'],
  ['an unknown key', Tagged, { t: 'a', x: 's', z: 1 }, 'copies'],
  ['an array', Tagged, [], 'fails'],
];

describe('compileExactCheck', () => {
  describe.each([
    ['leaves', leaves],
    ['arrays and tuples', arrays],
    ['objects', objects],
    ['records', records],
    ['unions', unions],
    ['discriminated unions', discriminated],
  ] as const)('%s', (_group, cases) => {
    it.each(cases)('%s', (_name, schema, value, zod) => expectCase(schema, value, zod));
  });

  describe('soundness on arbitrary values', () => {
    const anything = fc.anything({ withNullPrototype: true, withBoxedValues: true, withSparseArray: true, withObjectString: true, withBigInt: true, withDate: true, maxDepth: 2 });
    const text = fc.string({ unit: fc.constantFrom('a', '😀', '\ud800'), maxLength: 4 });
    const number = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(-0, 2 ** 53, NaN));
    /** Values near each schema (right shapes with wrong parts, some prototypes changed) and far from it. */
    const cases: readonly [string, z.ZodType, fc.Arbitrary<unknown>][] = [
      [
        'object',
        z.object({ a: z.string().max(3), b: z.array(z.number().int()).max(2).optional(), c: z.unknown() }),
        fc.tuple(
          fc.record(
            {
              a: fc.oneof({ weight: 4, arbitrary: text }, { weight: 1, arbitrary: anything }),
              b: fc.oneof({ weight: 4, arbitrary: fc.array(fc.integer(), { maxLength: 3 }) }, { weight: 1, arbitrary: fc.array(number, { maxLength: 3 }) }, { weight: 1, arbitrary: anything }),
              c: anything,
            },
            { requiredKeys: ['a', 'c'], noNullPrototype: true },
          ),
          fc.constantFrom('as is', 'as is', 'as is', 'null prototype', 'a not enumerable', 'c missing', 'd added'),
        ).map(([o, how]) => {
          if (how === 'null prototype') return Object.assign(Object.create(null) as object, o);
          if (how === 'a not enumerable') return Object.defineProperty(o, 'a', { enumerable: false });
          if (how === 'c missing') return { a: o.a, ...('b' in o ? { b: o.b } : {}) };
          return how === 'd added' ? { ...o, d: 1 } : o;
        }),
      ],
      ['record', z.record(z.string().min(1), z.union([z.string(), z.number()])), fc.dictionary(text, fc.oneof(text, number, anything), { maxKeys: 3 })],
      ['union', z.union([z.object({ a: z.unknown() }), z.array(z.unknown()), z.number().nullable()]), fc.oneof(fc.record({ a: anything }, { requiredKeys: [] }), fc.array(anything, { maxLength: 2 }), fc.sparseArray(anything, { maxLength: 2 }), number, fc.constant(null))],
      ['tuple', z.tuple([z.unknown(), z.string().nullable()]), fc.oneof(fc.array(fc.oneof(text, fc.constant(null), anything), { maxLength: 3 }), fc.sparseArray(fc.oneof(text, fc.constant(null)), { maxLength: 3 }))],
    ];
    it.each(cases)('says true only where zod gives back an exactly equal value: %s', (_name, schema, near) => {
      const check = compileExactCheck(schema);
      const said = { true: 0, false: 0 };
      fc.assert(
        fc.property(fc.oneof({ weight: 3, arbitrary: near }, { weight: 1, arbitrary: anything }), (value) => {
          const exact = check(value);
          said[`${exact}`]++;
          expectSound(schema, value, exact);
        }),
        { numRuns: 1000 },
      );
      // Not a vacuous property: both answers came up often.
      expect(said.true).toBeGreaterThan(50);
      expect(said.false).toBeGreaterThan(50);
    });

    it('says false after an option whose false may not be zod\'s (a refinement may throw), though zod takes the next option', () => {
      const schema = z.union([z.string().refine((s) => s === 'a'), z.string()]);
      expect(schema.safeParse('b').success).toBe(true);
      expect(compileExactCheck(schema)('b')).toBe(false);
      expect(compileExactCheck(schema)('a')).toBe(true);
    });
  });

  describe('unsupported schemas', () => {
    it.each([
      ['a default', z.object({ a: z.string().default('x') })],
      ['a transform', z.string().transform((s) => s.length)],
      ['a pipe', z.string().pipe(z.string())],
      ['a catch', z.string().catch('x')],
      ['readonly', z.object({}).readonly()],
      ['lazy', z.lazy(() => z.string())],
      ['a loose object', z.looseObject({ a: z.string() })],
      ['an intersection', z.intersection(z.object({}), z.object({}))],
      ['a date', z.date()],
      ['a bigint', z.bigint()],
      ['a tuple with a rest', z.tuple([z.string()], z.number())],
      ['a tuple with an optional item', z.tuple([z.string(), z.string().optional()])],
      ['a record of enum keys', z.record(z.enum(['a']), z.string())],
      ['a loose record', z.looseRecord(z.string(), z.string())],
      ['coercion', z.coerce.number()],
      ['an exclusive union', z.xor([z.string(), z.number()])],
    ])('throws UnsupportedSchemaError at compile time for %s', (_name, schema) => {
      expect(() => compileExactCheck(schema)).toThrow(UnsupportedSchemaError);
    });

    it('throws UnsupportedSchemaError for a recursive schema', () => {
      const Tree = z.object({
        name: z.string(),
        get children(): z.ZodArray<typeof Tree> {
          return z.array(Tree);
        },
      });
      expect(() => compileExactCheck(Tree)).toThrow('a recursive schema at (root).children[]');
    });

    it('names where in the schema the unsupported part is', () => {
      expect(() => compileExactCheck(z.object({ a: z.array(z.object({ b: z.date() })) }))).toThrow('at (root).a[].b');
    });
  });

  describe('generated code', () => {
    afterEach(() => {
      vi.unstubAllGlobals();
    });

    it('is JavaScript of the schema, keys as string literals', () => {
      const source = exactCheckSource(z.object({ 'a"b': z.string().max(2) }));
      expect(source).toContain('x = v["a\\"b"];');
      expect(source).toContain('x.length <= 2');
    });

    it('compiles shared subschemas once', () => {
      const Item = z.object({ n: z.string().max(8) });
      const source = exactCheckSource(z.object({ a: Item, b: Item }));
      expect(source.match(/function f\d+/g)).toHaveLength(3); // Item, the outer object, the entry
    });

    it('says false for everything where code generation is disallowed, leaving values to zod', () => {
      vi.stubGlobal('Function', function refused() {
        throw new EvalError('Code generation from strings disallowed for this context');
      });
      const check = compileExactCheck(z.string());
      vi.unstubAllGlobals();
      expect(check('a')).toBe(false);
    });
  });
});
