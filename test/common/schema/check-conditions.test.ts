import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { codePointLength, zodsOwnCheck } from '../../../common/schema/check-conditions.js';
import { compileExactCheck } from '../../../common/schema/exact-check.js';

/** Strings made of units that make code points and UTF-16 units differ: pairs, lone halves, plain letters. */
const units = fc.constantFrom('a', 'é', '😀', '\ud83d', '\ude00', '\ud800', '\udfff');
const surrogateRich = fc.string({ unit: units, maxLength: 8 });

/** The first check of a schema (or the schema itself when it is a check, as z.int()). */
const firstCheck = (schema: z.ZodType): z.core.$ZodCheck<never> => {
  const checks = schema._zod.def.checks;
  if (checks === undefined || checks[0] === undefined) throw new Error('no check');
  return checks[0];
};

describe('codePointLength', () => {
  it('counts code points as the string iterator does (a pair once, a lone half once)', () => {
    fc.assert(fc.property(surrogateRich, (s) => { expect(codePointLength(s)).toBe([...s].length); }), { numRuns: 500 });
  });

  it('counts a pair once and lone halves each', () => {
    expect(codePointLength('a😀')).toBe(2);
    expect(codePointLength('\ud83d')).toBe(1);
    expect(codePointLength('\ude00\ud83d')).toBe(2);
  });
});

describe('length and number conditions', () => {
  // For strings and numbers, an exact check is zod's answer itself: true exactly when zod succeeds.
  it.each([
    ['max', (n: number) => z.string().max(n)],
    ['min', (n: number) => z.string().min(n)],
    ['length', (n: number) => z.string().length(n)],
  ])('agree with zod on string %s lengths, counted in code points', (_name, make) => {
    fc.assert(
      fc.property(fc.nat(6), surrogateRich, (n, s) => {
        const schema = make(n);
        expect(compileExactCheck(schema)(s)).toBe(schema.safeParse(s).success);
      }),
      { numRuns: 400 },
    );
  });

  it('measures string bounds in code points, not UTF-16 units', () => {
    expect(compileExactCheck(z.string().max(3))('😀😀😀')).toBe(true);
    expect(compileExactCheck(z.string().max(3))('😀😀😀😀')).toBe(false);
    expect(compileExactCheck(z.string().min(2))('😀')).toBe(false);
    expect(compileExactCheck(z.string().length(2))('😀😀')).toBe(true);
  });

  const bounds = [-(2 ** 31), -1, -0, 0, 0.5, 1, 3, 2 ** 31 - 1, 2 ** 32 - 1, Number.MAX_SAFE_INTEGER];
  const numbers = fc.oneof(
    fc.constantFrom(...bounds, 2 ** 31, 2 ** 32, 2 ** 53, -(2 ** 53), 3.5e38, -3.5e38, Number.MAX_VALUE, 1e-300, NaN, Infinity, -Infinity),
    fc.double(),
    fc.integer(),
  );
  const numberSchemas: readonly [string, z.ZodType][] = [
    ['int', z.number().int()],
    ['int32', z.int32()],
    ['uint32', z.uint32()],
    ['float32', z.float32()],
    ['float64', z.float64()],
    ...bounds.flatMap((b): [string, z.ZodType][] => [
      [`gte ${b}`, z.number().gte(b)],
      [`gt ${b}`, z.number().gt(b)],
      [`lte ${b}`, z.number().lte(b)],
      [`lt ${b}`, z.number().lt(b)],
    ]),
    ['multipleOf 3 (zod\'s own check)', z.number().multipleOf(3)],
  ];
  it.each(numberSchemas)('agree with zod on numbers: %s', (_name, schema) => {
    const check = compileExactCheck(schema);
    fc.assert(fc.property(numbers, (n) => { expect(check(n)).toBe(schema.safeParse(n).success); }), { numRuns: 300 });
  });

  it('refuses what .int() refuses: fractions and integers beyond the safe range', () => {
    const check = compileExactCheck(z.number().int());
    expect(check(1.5)).toBe(false);
    expect(check(2 ** 53)).toBe(false);
    expect(check(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(check(-0)).toBe(true);
  });

  it('applies array lengths to elements', () => {
    const check = compileExactCheck(z.array(z.number()).min(1).max(2));
    expect([[], [1], [1, 2], [1, 2, 3]].map(check)).toEqual([false, true, true, false]);
  });
});

describe('zodsOwnCheck', () => {
  it('passes when the refinement holds and fails when it does not', () => {
    const check = zodsOwnCheck(firstCheck(z.string().refine((s) => s.startsWith('a'))));
    expect(check('ab')).toBe(true);
    expect(check('ba')).toBe(false);
  });

  it('fails on issues added by a superRefine', () => {
    const schema = z.string().superRefine((s, ctx) => {
      if (s.length > 1) ctx.addIssue({ code: 'custom', message: 'too long' });
    });
    const check = zodsOwnCheck(firstCheck(schema));
    expect(check('a')).toBe(true);
    expect(check('ab')).toBe(false);
  });

  it('fails when the check throws (zod would throw too)', () => {
    const check = zodsOwnCheck(firstCheck(z.string().refine(() => { throw new Error('boom'); })));
    expect(check('a')).toBe(false);
  });

  it('fails on an async check, which a synchronous parse refuses, without an unhandled rejection', async () => {
    const check = zodsOwnCheck(firstCheck(z.string().refine(() => Promise.reject(new Error('late')))));
    expect(check('a')).toBe(false);
    // A rejection nobody handles is reported once the microtasks of this turn have run.
    await new Promise((resolve) => setImmediate(resolve));
  });

  it('passes an overwrite that leaves the value as it was and fails one that changes it', () => {
    const check = zodsOwnCheck(firstCheck(z.string().trim()));
    expect(check('a')).toBe(true);
    expect(check(' a')).toBe(false);
  });

  it('runs string formats and regexes with their own patterns', () => {
    expect(compileExactCheck(z.string().regex(/^a+$/))('aa')).toBe(true);
    expect(compileExactCheck(z.string().regex(/^a+$/))('ab')).toBe(false);
    expect(compileExactCheck(z.email())('a@example.com')).toBe(true);
    expect(compileExactCheck(z.email())('a')).toBe(false);
  });
});
