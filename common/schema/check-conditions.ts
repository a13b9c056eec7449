import type { z } from 'zod';

/**
 * zod's checks (the `.min()`, `.max()`, `.int()`, `.refine()`... in a schema's `def.checks`) as
 * JavaScript conditions for the code compileExactCheck generates (exact-check.ts). A condition is
 * only evaluated on a value that passed its schema's type test (a string, a finite number, an
 * array...), as zod runs checks only after that.
 */

/** The source of a boolean expression on the variable named `x`, parenthesised (or a call) so that `!`, `&&` and `||` can combine it. */
export type Condition = (x: string) => string;

export interface CheckCondition {
  readonly condition: Condition;
  /**
   * False from the condition means zod's check fails too. True for the checks written out here; not
   * for checks run through zod's own code, whose false also covers a check that throws, is async or
   * rewrites the value (a union must not take that false as zod's answer).
   */
  readonly total: boolean;
}

/** What a check is applied to: strings measure length in code points, arrays in elements. */
export type CheckedKind = 'string' | 'number' | 'array' | 'other';

/** Registers a value the generated code refers to and returns the name it has there. */
export type External = (value: unknown) => string;

/**
 * zod measures a string's length in Unicode code points (a surrogate pair counts once, a lone
 * surrogate once), as `codePointLength` in zod/v4/core/util.js; only needed near a bound.
 * Example: codePointLength('a😀') === 2 while 'a😀'.length === 3.
 */
export function codePointLength(s: string): number {
  let count = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    if ((s.charCodeAt(i) & 0xfc00) === 0xd800 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      count--;
      i++;
    }
  }
  return count;
}

/** zod's `NUMBER_FORMAT_RANGES` (zod/v4/core/util.js): the bounds of `.int()` (safeint) and the other formats. */
const NUMBER_FORMAT_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  safeint: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  float32: [-3.4028234663852886e38, 3.4028234663852886e38],
  float64: [-Number.MAX_VALUE, Number.MAX_VALUE],
};

/** The fields of zod's `$ZodCheck*Def` read below, all optional here. */
interface CheckDef {
  readonly check: string;
  readonly minimum?: unknown;
  readonly maximum?: unknown;
  readonly length?: unknown;
  readonly value?: unknown;
  readonly inclusive?: unknown;
  readonly format?: unknown;
}

/** A count as a literal of the generated code (a length bound is a non-negative integer). */
const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/** The length checks as zod/v4/core/checks.js computes them (`$ZodCheckMaxLength` and its siblings). */
function lengthCondition(def: CheckDef, on: CheckedKind, external: External): Condition | undefined {
  const bound = def.check === 'max_length' ? def.maximum : def.check === 'min_length' ? def.minimum : def.check === 'length_equals' ? def.length : undefined;
  if (!isCount(bound) || (on !== 'array' && on !== 'string')) return undefined;
  if (on === 'array') {
    const op = def.check === 'max_length' ? '<=' : def.check === 'min_length' ? '>=' : '===';
    return (x) => `(${x}.length ${op} ${bound})`;
  }
  // Code points are counted only where they can differ from the UTF-16 units: a code point is one or two units.
  const cpl = external(codePointLength);
  if (def.check === 'max_length') return (x) => `(${x}.length <= ${bound} || ${cpl}(${x}) <= ${bound})`;
  if (def.check === 'min_length') {
    // Any unit is at least one code point, so a floor of 0 or 1 is a floor of units.
    if (bound <= 1) return (x) => `(${x}.length >= ${bound})`;
    return (x) => `(${x}.length >= ${2 * bound} || (${x}.length >= ${bound} && ${cpl}(${x}) >= ${bound}))`;
  }
  return (x) => `(${x}.length >= ${bound} && ${x}.length <= ${2 * bound} && ${cpl}(${x}) === ${bound})`;
}

/** The number checks (`$ZodCheckGreaterThan`, `$ZodCheckLessThan`, `$ZodCheckNumberFormat`) on a finite number. */
function numberCondition(def: CheckDef, external: External): Condition | undefined {
  if ((def.check === 'greater_than' || def.check === 'less_than') && typeof def.value === 'number') {
    const op = def.check === 'greater_than' ? (def.inclusive === true ? '>=' : '>') : def.inclusive === true ? '<=' : '<';
    // A bound such as NaN is no literal: the generated code reads it as an external.
    const bound = Number.isFinite(def.value) ? String(def.value) : external(def.value);
    return (x) => `(${x} ${op} ${bound})`;
  }
  if (def.check === 'number_format' && typeof def.format === 'string' && Object.hasOwn(NUMBER_FORMAT_RANGES, def.format)) {
    const [min, max] = NUMBER_FORMAT_RANGES[def.format] as readonly [number, number];
    // Number.isSafeInteger is zod's isInteger-then-isSafeInteger; it also keeps within safeint's range.
    if (def.format === 'safeint') return (x) => `Number.isSafeInteger(${x})`;
    if (def.format.includes('int')) return (x) => `(Number.isSafeInteger(${x}) && ${x} >= ${min} && ${x} <= ${max})`;
    return (x) => `(${x} >= ${min} && ${x} <= ${max})`;
  }
  return undefined;
}

/**
 * Any other check (a refinement, a regex, a string format...) through zod's own check function, on
 * a payload of its own: it passes when it adds no issue, returns no promise (zod refuses an async
 * check in a synchronous parse), throws nothing and leaves the value as it was (an `.overwrite()` such
 * as `.trim()` may leave a value that is already trimmed).
 */
export function zodsOwnCheck(check: z.core.$ZodCheck<never>): (value: unknown) => boolean {
  const run = check._zod.check as (payload: z.core.ParsePayload) => unknown;
  return (value) => {
    const payload: z.core.ParsePayload = { value, issues: [] };
    let result: unknown;
    try {
      result = run(payload);
    } catch {
      return false;
    }
    if (result instanceof Promise) {
      result.catch(() => undefined);
      return false;
    }
    return payload.issues.length === 0 && Object.is(payload.value, value);
  };
}

/**
 * The condition of `check` on values of kind `on`: written out for lengths, bounds and number
 * formats, else a call of zodsOwnCheck.
 * Example: checkCondition(z.string().max(3)._zod.def.checks[0], 'string', external).condition('s')
 * is `(s.length <= 3 || e0(s) <= 3)`, e0 being codePointLength.
 */
export function checkCondition(check: z.core.$ZodCheck<never>, on: CheckedKind, external: External): CheckCondition {
  const def = check._zod.def as CheckDef;
  const written = lengthCondition(def, on, external) ?? (on === 'number' ? numberCondition(def, external) : undefined);
  if (written !== undefined) return { condition: written, total: true };
  const own = external(zodsOwnCheck(check));
  return { condition: (x) => `${own}(${x})`, total: false };
}
