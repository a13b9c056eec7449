import { createHash } from 'node:crypto';

/**
 * What the agent's own groupings share (Sentry events: sentry/grouping.ts; OTLP exceptions:
 * otlp/otlp-grouping.ts): the key they make from their components and how much of a stack counts.
 */

/** Frames of one exception that take part in grouping (which ones, when there are more, is each format's to say). */
export const MAX_GROUPING_FRAMES = 200;
/** Characters of the type (class) kept in an aggregation key. */
export const KEY_TYPE_CHARS = 200;

/**
 * The aggregation key `<type>@<12 hex of sha256 over the components>`, the shape of the Periskop
 * clients' `Class@hash` keys. Example: groupingKey('TypeError', ['type:TypeError']) matches /^TypeError@[0-9a-f]{12}$/.
 */
export function groupingKey(type: string, components: readonly string[]): string {
  const hash = createHash('sha256').update(components.join('\u0000')).digest('hex').slice(0, 12);
  return `${type.slice(0, KEY_TYPE_CHARS)}@${hash}`;
}

/** A file's base name without query, fragment or directories (stable across install paths and deploys). */
export function baseName(file: string): string {
  const path = file.replace(/[?#].*$/, '');
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}
