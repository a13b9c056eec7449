import type { z } from 'zod';
import { compileExactCheck } from './exact-check.js';

/** A value that does not have the shape its schema says; `where` is the path of the first problem. */
export class SchemaMismatch extends Error {
  constructor(
    readonly where: string,
    readonly problem: string,
  ) {
    super(`invalid at ${where}: ${problem}`);
  }
}

/**
 * A parser for untrusted decoded data (a federation frame, a file read back): the exact check first
 * (common/schema/exact-check.ts: the value is used as decoded, no copy), zod only for what it refuses,
 * which either gives zod's copy or throws SchemaMismatch naming the first problem's path.
 * Built once per schema, at module load.
 */
export function checkedParser<T>(schema: z.ZodType<T>): (value: unknown) => T {
  const exact = compileExactCheck(schema);
  return (value) => {
    // True only when zod would succeed with an output deep-equal to `value`: `value` is that output.
    if (exact(value)) return value as T;
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new SchemaMismatch(issue ? issue.path.join('.') || '(root)' : '(root)', issue?.message ?? 'unknown');
    }
    return parsed.data;
  };
}
