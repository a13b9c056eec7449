import { ExceptionSchema, type SentryException } from './sentry-schema.js';

/** Entries of `exception.values` looked at; SDKs send a handful (linked errors default to 5). */
export const MAX_EXCEPTION_VALUES = 256;

/**
 * Orders Sentry's `exception.values` into a cause chain, the error itself first (as Periskop's
 * `error.cause.cause...`), at most `maxLength` entries. Sentry lists chained exceptions oldest
 * (root cause) first and the error itself last; when `mechanism.exception_id`/`parent_id` are present
 * (linked errors, exception groups) the tree is followed from the top exception, preferring the child
 * linked as `cause`, so the chain is right even when the list order is not. Cycles and dangling
 * parents are ignored. Pure.
 *
 * Example: values [B (id 1, parent 0, source "cause"), A (id 0)] -> [A, B].
 */
export function causeChain(values: readonly unknown[], maxLength: number): SentryException[] {
  const parsed: SentryException[] = [];
  const n = Math.min(values.length, MAX_EXCEPTION_VALUES);
  for (let i = 0; i < n; i++) {
    const r = ExceptionSchema.safeParse(values[i]);
    if (r.success) parsed.push(r.data);
  }
  if (parsed.length === 0 || maxLength <= 0) return [];
  const idOf = (e: SentryException) => e.mechanism?.exception_id ?? undefined;
  const parentOf = (e: SentryException) => e.mechanism?.parent_id ?? undefined;
  if (!parsed.some((e) => idOf(e) !== undefined)) return parsed.reverse().slice(0, maxLength);

  const children = new Map<number, SentryException[]>();
  for (const e of parsed) {
    const parent = parentOf(e);
    if (parent === undefined || idOf(e) === undefined) continue;
    let list = children.get(parent);
    if (list === undefined) children.set(parent, (list = []));
    list.push(e);
  }
  const roots = parsed.filter((e) => idOf(e) !== undefined && parentOf(e) === undefined);
  const top = roots.find((e) => idOf(e) === 0) ?? roots[0] ?? (parsed[parsed.length - 1] as SentryException);
  const chain = [top];
  const visited = new Set<number>();
  let current = top;
  for (;;) {
    const id = idOf(current);
    if (id === undefined || visited.has(id) || chain.length >= maxLength) break;
    visited.add(id);
    const kids = (children.get(id) ?? []).filter((k) => !visited.has(idOf(k) as number));
    const next = kids.find((k) => k.mechanism?.source === 'cause') ?? kids[0];
    if (next === undefined) break;
    chain.push(next);
    current = next;
  }
  return chain;
}
