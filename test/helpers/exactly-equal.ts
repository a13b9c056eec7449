/**
 * Deep equality as compileExactCheck promises it (common/schema/exact-check.ts): plain objects with
 * the same own enumerable string keys (one holding undefined counts), plain arrays of the same length
 * with holes in the same places, primitives by Object.is (so -0 is not 0), and anything else only
 * when it is the same reference. Stricter than `toStrictEqual`, which finds a non-enumerable own
 * key of one side equal to an enumerable key of the other.
 * Example: exactlyEqual({ a: undefined }, {}) === false.
 */
export function exactlyEqual(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b);
  if (a === b) return true;
  const proto = Object.getPrototypeOf(a) as unknown;
  if (proto !== Object.getPrototypeOf(b) || (proto !== Object.prototype && proto !== Array.prototype)) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (i in a !== i in b || !exactlyEqual(a[i], b[i])) return false;
    return true;
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => Object.prototype.propertyIsEnumerable.call(b, k) && exactlyEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
