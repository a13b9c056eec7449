import type { z } from 'zod';
import type { Condition } from './check-conditions.js';

/** Pieces shared by the exact-check compiler (exact-check-compiler.ts): kinds of values, nodes, the generated prelude. */

/** A schema (or part of one) that compileExactCheck cannot check without copying. */
export class UnsupportedSchemaError extends Error {
  constructor(path: string, what: string) {
    super(`compileExactCheck: ${what} at ${path} is not supported`);
    this.name = 'UnsupportedSchemaError';
  }
}

/** What a value is to zod's type tests (`kindOf`); a union skips options that cannot accept a kind. */
export type Kind = 'string' | 'number' | 'bigint' | 'boolean' | 'symbol' | 'undefined' | 'function' | 'null' | 'array' | 'object';

export const kindOf = (value: unknown): Kind => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

/** The source of a test of the kind of `x` (the generated code names Array.isArray `isArray`). */
export function kindTest(kind: Kind, x: string): string {
  if (kind === 'null') return `${x} === null`;
  if (kind === 'array') return `isArray(${x})`;
  if (kind === 'object') return `(typeof ${x} === "object" && ${x} !== null && !isArray(${x}))`;
  return `typeof ${x} === "${kind}"`;
}

export interface Node {
  /** The source of the test of the value in variable `x`: a condition, or a call of a generated function. */
  readonly test: Condition;
  /** The test failing means zod's parse fails too (not only that zod's output would differ). */
  readonly total: boolean;
  /** The kinds of value zod may accept here (undefined: any). */
  readonly kinds: ReadonlySet<Kind> | undefined;
}

export type Schema = z.core.$ZodType;
export type Def = z.core.$ZodTypes['_zod']['def'];

export const kinds = (...k: Kind[]): ReadonlySet<Kind> => new Set(k);
export const joinKinds = (a: ReadonlySet<Kind> | undefined, b: ReadonlySet<Kind> | undefined): ReadonlySet<Kind> | undefined =>
  a === undefined || b === undefined ? undefined : new Set([...a, ...b]);
/** A leaf's condition, parenthesised: tests are combined with `&&`, `||` and `!`. */
export const leaf = (test: Condition, k: ReadonlySet<Kind> | undefined): Node => ({ test: (x) => `(${test(x)})`, total: true, kinds: k });

/** The opening of every generated function's scope: the built-ins it uses, read once. */
export const PRELUDE = 'const isArray = Array.isArray, getProto = Object.getPrototypeOf, OP = Object.prototype, AP = Array.prototype, ownSymbols = Object.getOwnPropertySymbols, O = Object;';
