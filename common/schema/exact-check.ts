import type { z } from 'zod';
import { Compiler } from './exact-check-compiler.js';

export { UnsupportedSchemaError } from './exact-check-nodes.js';

/**
 * A validator compiled from a zod schema that copies nothing. zod's `safeParse` builds a new object
 * for every object it validates (it strips unknown keys); on the hub's federation frames that copy
 * cost many times the decoding (docs/performance.md). An exact check answers a narrower question:
 *
 * **true only when `schema.safeParse(value)` succeeds AND its output is deep-equal to `value`**, so
 * the value can be used as it is. False says nothing more: the caller then runs `safeParse` as
 * before, which keeps zod's messages and zod's output for odd inputs (an unknown key zod would strip,
 * an object with another prototype, a sparse array...).
 *
 * Deep-equal means: plain objects with the same own enumerable string keys (one holding undefined
 * counts), plain arrays of the same length with no holes, the same primitives (by Object.is) and, below
 * z.unknown() or z.custom(), the same references. Not looked at, since no decoder makes them: symbol
 * keys of objects (records are checked) and non-enumerable keys outside the shape, which zod ignores
 * too; an array's properties other than its elements; accessors and proxies (each property is read
 * once).
 */
export type ExactCheck = (value: unknown) => boolean;

/**
 * Compiles `schema` into an exact check (see ExactCheck): generated JavaScript, one function per
 * object, array, tuple, record and union, that allocates nothing (but for checks run through zod's
 * code and a record's symbol test). Throws UnsupportedSchemaError for what would change values
 * (defaults, transforms, pipes, catch, readonly, loose objects) or is not written yet (lazy and
 * recursive schemas, intersections, maps, sets, dates, bigints...). Every check is supported:
 * lengths, bounds and number formats are written out, any other (`.refine()`, regexes, formats)
 * runs through zod's own check function. Where code generation is disallowed
 * (`--disallow-code-generation-from-strings`) the check says false, leaving every value to zod.
 * Example:
 *   const isHello = compileExactCheck(HelloSchema);
 *   const hello = isHello(raw) ? (raw as Hello) : HelloSchema.parse(raw);
 */
export function compileExactCheck(schema: z.core.$ZodType): ExactCheck {
  const { source, externals } = new Compiler().source(schema);
  let make: (e: readonly unknown[]) => ExactCheck;
  try {
    // The source is written from the schema alone, never from a value it checks; keys are JSON string literals.
    make = new Function('e', source) as typeof make;
  } catch (err) {
    if (err instanceof EvalError) return () => false;
    throw err;
  }
  return make(externals);
}

/**
 * The JavaScript compileExactCheck generates for `schema`, to read or to debug.
 * Example: console.log(exactCheckSource(WireGroupSchema)).
 */
export function exactCheckSource(schema: z.core.$ZodType): string {
  return new Compiler().source(schema).source;
}
